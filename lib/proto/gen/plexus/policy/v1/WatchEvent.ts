// Original file: proto/plexus/policy/v1/policy.proto

import type { PolicyObject as _plexus_policy_v1_PolicyObject, PolicyObject__Output as _plexus_policy_v1_PolicyObject__Output } from '../../../plexus/policy/v1/PolicyObject.js';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/plexus/policy/v1/policy.proto

export const _plexus_policy_v1_WatchEvent_Type = {
  TYPE_UNSPECIFIED: 'TYPE_UNSPECIFIED',
  /**
   * The policy was created or updated; `policy` is set.
   */
  PUT: 'PUT',
  /**
   * The policy was deleted; `policy` has kind, namespace, name and the deletion revision.
   */
  DELETE: 'DELETE',
  /**
   * Forget what you hold: the PUT events up to the next SYNCED are the complete state.
   */
  RESET: 'RESET',
  /**
   * The state sent since RESET is complete as of `revision`.
   */
  SYNCED: 'SYNCED',
} as const;

export type _plexus_policy_v1_WatchEvent_Type =
  | 'TYPE_UNSPECIFIED'
  | 0
  /**
   * The policy was created or updated; `policy` is set.
   */
  | 'PUT'
  | 1
  /**
   * The policy was deleted; `policy` has kind, namespace, name and the deletion revision.
   */
  | 'DELETE'
  | 2
  /**
   * Forget what you hold: the PUT events up to the next SYNCED are the complete state.
   */
  | 'RESET'
  | 3
  /**
   * The state sent since RESET is complete as of `revision`.
   */
  | 'SYNCED'
  | 4

export type _plexus_policy_v1_WatchEvent_Type__Output = typeof _plexus_policy_v1_WatchEvent_Type[keyof typeof _plexus_policy_v1_WatchEvent_Type]

export interface WatchEvent {
  'type'?: (_plexus_policy_v1_WatchEvent_Type);
  'policy'?: (_plexus_policy_v1_PolicyObject | null);
  'revision'?: (number | string | Long);
}

export interface WatchEvent__Output {
  'type': (_plexus_policy_v1_WatchEvent_Type__Output);
  'policy': (_plexus_policy_v1_PolicyObject__Output | null);
  'revision': (number);
}
