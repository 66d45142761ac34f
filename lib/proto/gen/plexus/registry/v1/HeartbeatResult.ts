// Original file: proto/plexus/registry/v1/registry.proto

import type { InstanceRef as _plexus_registry_v1_InstanceRef, InstanceRef__Output as _plexus_registry_v1_InstanceRef__Output } from '../../../plexus/registry/v1/InstanceRef.js';

export interface HeartbeatResult {
  'instance'?: (_plexus_registry_v1_InstanceRef | null);
  /**
   * A gRPC status code: 0 OK, 5 NOT_FOUND (lease lost), 9 FAILED_PRECONDITION (stale
   * incarnation), 14 UNAVAILABLE (store unreachable: try another replica), 3 INVALID_ARGUMENT.
   */
  'code'?: (number);
  'message'?: (string);
  'ttlSeconds'?: (number);
}

export interface HeartbeatResult__Output {
  'instance': (_plexus_registry_v1_InstanceRef__Output | null);
  /**
   * A gRPC status code: 0 OK, 5 NOT_FOUND (lease lost), 9 FAILED_PRECONDITION (stale
   * incarnation), 14 UNAVAILABLE (store unreachable: try another replica), 3 INVALID_ARGUMENT.
   */
  'code': (number);
  'message': (string);
  'ttlSeconds': (number);
}
