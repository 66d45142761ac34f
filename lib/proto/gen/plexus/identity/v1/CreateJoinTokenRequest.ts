// Original file: proto/plexus/identity/v1/identity.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateJoinTokenRequest {
  /**
   * default "default"
   */
  'namespace'?: (string);
  'service'?: (string);
  /**
   * 0 = server default; capped at the server maximum
   */
  'ttlSeconds'?: (number | string | Long);
  /**
   * optional: the token is accepted only in this cluster
   */
  'cluster'?: (string);
}

export interface CreateJoinTokenRequest__Output {
  /**
   * default "default"
   */
  'namespace': (string);
  'service': (string);
  /**
   * 0 = server default; capped at the server maximum
   */
  'ttlSeconds': (number);
  /**
   * optional: the token is accepted only in this cluster
   */
  'cluster': (string);
}
