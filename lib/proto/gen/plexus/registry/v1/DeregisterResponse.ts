// Original file: proto/plexus/registry/v1/registry.proto

import type { Long } from '@grpc/proto-loader';

export interface DeregisterResponse {
  'revision'?: (number | string | Long);
}

export interface DeregisterResponse__Output {
  'revision': (number);
}
