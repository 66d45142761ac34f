// Original file: proto/plexus/identity/v1/identity.proto

import type { Long } from '@grpc/proto-loader';

export interface IssueCertificateRequest {
  /**
   * PKCS#10 PEM, ECDSA P-256, with the requested spiffe:// URI SAN
   */
  'csr'?: (string);
  'joinToken'?: (string);
  /**
   * 0 = server default; clamped to the server's limits
   */
  'ttlSeconds'?: (number | string | Long);
}

export interface IssueCertificateRequest__Output {
  /**
   * PKCS#10 PEM, ECDSA P-256, with the requested spiffe:// URI SAN
   */
  'csr': (string);
  'joinToken': (string);
  /**
   * 0 = server default; clamped to the server's limits
   */
  'ttlSeconds': (number);
}
