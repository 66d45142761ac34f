// Original file: proto/plexus/registry/v1/registry.proto

import type { InstanceRef as _plexus_registry_v1_InstanceRef, InstanceRef__Output as _plexus_registry_v1_InstanceRef__Output } from '../../../plexus/registry/v1/InstanceRef.js';
import type { Health as _plexus_registry_v1_Health, Health__Output as _plexus_registry_v1_Health__Output } from '../../../plexus/registry/v1/Health.js';

export interface SetHealthRequest {
  'instance'?: (_plexus_registry_v1_InstanceRef | null);
  'health'?: (_plexus_registry_v1_Health);
}

export interface SetHealthRequest__Output {
  'instance': (_plexus_registry_v1_InstanceRef__Output | null);
  'health': (_plexus_registry_v1_Health__Output);
}
