// Original file: proto/plexus/registry/v1/registry.proto

import type { Instance as _plexus_registry_v1_Instance, Instance__Output as _plexus_registry_v1_Instance__Output } from '../../../plexus/registry/v1/Instance.js';
import type { Long } from '@grpc/proto-loader';

export interface RegisterResponse {
  'instanceId'?: (string);
  'incarnation'?: (number | string | Long);
  'ttlSeconds'?: (number);
  /**
   * Suggested heartbeat period (TTL / 3).
   */
  'heartbeatIntervalMs'?: (number);
  'revision'?: (number | string | Long);
  'instance'?: (_plexus_registry_v1_Instance | null);
  /**
   * True when an existing registration of the id was replaced.
   */
  'replaced'?: (boolean);
}

export interface RegisterResponse__Output {
  'instanceId': (string);
  'incarnation': (number);
  'ttlSeconds': (number);
  /**
   * Suggested heartbeat period (TTL / 3).
   */
  'heartbeatIntervalMs': (number);
  'revision': (number);
  'instance': (_plexus_registry_v1_Instance__Output | null);
  /**
   * True when an existing registration of the id was replaced.
   */
  'replaced': (boolean);
}
