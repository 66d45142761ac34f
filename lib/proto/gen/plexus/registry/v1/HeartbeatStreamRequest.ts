// Original file: proto/plexus/registry/v1/registry.proto

import type { InstanceRef as _plexus_registry_v1_InstanceRef, InstanceRef__Output as _plexus_registry_v1_InstanceRef__Output } from '../../../plexus/registry/v1/InstanceRef.js';
import type { Long } from '@grpc/proto-loader';

export interface HeartbeatStreamRequest {
  /**
   * Echoed in the response.
   */
  'seq'?: (number | string | Long);
  'instances'?: (_plexus_registry_v1_InstanceRef)[];
}

export interface HeartbeatStreamRequest__Output {
  /**
   * Echoed in the response.
   */
  'seq': (number);
  'instances': (_plexus_registry_v1_InstanceRef__Output)[];
}
