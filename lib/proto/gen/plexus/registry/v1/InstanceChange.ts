// Original file: proto/plexus/registry/v1/registry.proto

import type { ChangeType as _plexus_registry_v1_ChangeType, ChangeType__Output as _plexus_registry_v1_ChangeType__Output } from '../../../plexus/registry/v1/ChangeType.js';
import type { Instance as _plexus_registry_v1_Instance, Instance__Output as _plexus_registry_v1_Instance__Output } from '../../../plexus/registry/v1/Instance.js';
import type { RemovalReason as _plexus_registry_v1_RemovalReason, RemovalReason__Output as _plexus_registry_v1_RemovalReason__Output } from '../../../plexus/registry/v1/RemovalReason.js';
import type { Long } from '@grpc/proto-loader';

export interface InstanceChange {
  'type'?: (_plexus_registry_v1_ChangeType);
  /**
   * For PUT the new record; for DELETE the last record this stream saw, or only the
   * namespace/service/id when it had none.
   */
  'instance'?: (_plexus_registry_v1_Instance | null);
  'revision'?: (number | string | Long);
  'reason'?: (_plexus_registry_v1_RemovalReason);
}

export interface InstanceChange__Output {
  'type': (_plexus_registry_v1_ChangeType__Output);
  /**
   * For PUT the new record; for DELETE the last record this stream saw, or only the
   * namespace/service/id when it had none.
   */
  'instance': (_plexus_registry_v1_Instance__Output | null);
  'revision': (number);
  'reason': (_plexus_registry_v1_RemovalReason__Output);
}
