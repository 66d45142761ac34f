// Original file: proto/plexus/identity/v1/identity.proto

import type { Long } from '@grpc/proto-loader';

export interface CertificateResponse {
  /**
   * leaf PEM
   */
  'certificate'?: (string);
  /**
   * intermediates PEM, leaf's issuer first
   */
  'chain'?: (string)[];
  /**
   * root PEMs
   */
  'trustBundle'?: (string)[];
  'spiffeId'?: (string);
  /**
   * RFC 3339
   */
  'notAfter'?: (string);
  /**
   * granted lifetime after clamping
   */
  'ttlSeconds'?: (number | string | Long);
}

export interface CertificateResponse__Output {
  /**
   * leaf PEM
   */
  'certificate': (string);
  /**
   * intermediates PEM, leaf's issuer first
   */
  'chain': (string)[];
  /**
   * root PEMs
   */
  'trustBundle': (string)[];
  'spiffeId': (string);
  /**
   * RFC 3339
   */
  'notAfter': (string);
  /**
   * granted lifetime after clamping
   */
  'ttlSeconds': (number);
}
