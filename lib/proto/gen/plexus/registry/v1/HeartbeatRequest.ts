// Original file: proto/plexus/registry/v1/registry.proto

import type { InstanceRef as _plexus_registry_v1_InstanceRef, InstanceRef__Output as _plexus_registry_v1_InstanceRef__Output } from '../../../plexus/registry/v1/InstanceRef.js';

export interface HeartbeatRequest {
  'instance'?: (_plexus_registry_v1_InstanceRef | null);
}

export interface HeartbeatRequest__Output {
  'instance': (_plexus_registry_v1_InstanceRef__Output | null);
}
