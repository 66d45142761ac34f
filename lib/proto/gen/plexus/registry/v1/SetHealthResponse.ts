// Original file: proto/plexus/registry/v1/registry.proto

import type { Instance as _plexus_registry_v1_Instance, Instance__Output as _plexus_registry_v1_Instance__Output } from '../../../plexus/registry/v1/Instance.js';

export interface SetHealthResponse {
  'instance'?: (_plexus_registry_v1_Instance | null);
}

export interface SetHealthResponse__Output {
  'instance': (_plexus_registry_v1_Instance__Output | null);
}
