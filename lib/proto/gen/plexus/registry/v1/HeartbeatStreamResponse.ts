// Original file: proto/plexus/registry/v1/registry.proto

import type { HeartbeatResult as _plexus_registry_v1_HeartbeatResult, HeartbeatResult__Output as _plexus_registry_v1_HeartbeatResult__Output } from '../../../plexus/registry/v1/HeartbeatResult.js';
import type { Long } from '@grpc/proto-loader';

export interface HeartbeatStreamResponse {
  'seq'?: (number | string | Long);
  'results'?: (_plexus_registry_v1_HeartbeatResult)[];
}

export interface HeartbeatStreamResponse__Output {
  'seq': (number);
  'results': (_plexus_registry_v1_HeartbeatResult__Output)[];
}
