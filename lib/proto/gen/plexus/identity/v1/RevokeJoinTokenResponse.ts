// Original file: proto/plexus/identity/v1/identity.proto

import type { Long } from '@grpc/proto-loader';

export interface RevokeJoinTokenResponse {
  'alreadyRevoked'?: (boolean);
  'revision'?: (number | string | Long);
}

export interface RevokeJoinTokenResponse__Output {
  'alreadyRevoked': (boolean);
  'revision': (number);
}
