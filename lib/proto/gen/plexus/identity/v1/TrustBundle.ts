// Original file: proto/plexus/identity/v1/identity.proto

import type { Long } from '@grpc/proto-loader';

export interface TrustBundle {
  'trustDomain'?: (string);
  /**
   * PEM
   */
  'roots'?: (string)[];
  /**
   * PEM, every cluster's published intermediates
   */
  'intermediates'?: (string)[];
  /**
   * store revision the bundle reflects
   */
  'revision'?: (number | string | Long);
}

export interface TrustBundle__Output {
  'trustDomain': (string);
  /**
   * PEM
   */
  'roots': (string)[];
  /**
   * PEM, every cluster's published intermediates
   */
  'intermediates': (string)[];
  /**
   * store revision the bundle reflects
   */
  'revision': (number);
}
