// Original file: proto/plexus/policy/v1/policy.proto

import type { PolicyObject as _plexus_policy_v1_PolicyObject, PolicyObject__Output as _plexus_policy_v1_PolicyObject__Output } from '../../../plexus/policy/v1/PolicyObject.js';

// Original file: proto/plexus/policy/v1/policy.proto

export const _plexus_policy_v1_ApplyResponse_Outcome = {
  OUTCOME_UNSPECIFIED: 'OUTCOME_UNSPECIFIED',
  CREATED: 'CREATED',
  UPDATED: 'UPDATED',
  UNCHANGED: 'UNCHANGED',
} as const;

export type _plexus_policy_v1_ApplyResponse_Outcome =
  | 'OUTCOME_UNSPECIFIED'
  | 0
  | 'CREATED'
  | 1
  | 'UPDATED'
  | 2
  | 'UNCHANGED'
  | 3

export type _plexus_policy_v1_ApplyResponse_Outcome__Output = typeof _plexus_policy_v1_ApplyResponse_Outcome[keyof typeof _plexus_policy_v1_ApplyResponse_Outcome]

export interface ApplyResponse {
  'outcome'?: (_plexus_policy_v1_ApplyResponse_Outcome);
  /**
   * The policy after the apply (for a dry run: as it would be stored; revision is the
   * current one, 0 if it does not exist yet).
   */
  'policy'?: (_plexus_policy_v1_PolicyObject | null);
  /**
   * Valid but probably unintended settings, each naming its field.
   */
  'warnings'?: (string)[];
  /**
   * `<namespace>/<service>` of every destination the policy affects; "*" = all (Mesh).
   */
  'affectedServices'?: (string)[];
  'dryRun'?: (boolean);
  /**
   * For dry runs and updates: the stored document before this apply (JSON), empty if none.
   */
  'previousDocument'?: (string);
}

export interface ApplyResponse__Output {
  'outcome': (_plexus_policy_v1_ApplyResponse_Outcome__Output);
  /**
   * The policy after the apply (for a dry run: as it would be stored; revision is the
   * current one, 0 if it does not exist yet).
   */
  'policy': (_plexus_policy_v1_PolicyObject__Output | null);
  /**
   * Valid but probably unintended settings, each naming its field.
   */
  'warnings': (string)[];
  /**
   * `<namespace>/<service>` of every destination the policy affects; "*" = all (Mesh).
   */
  'affectedServices': (string)[];
  'dryRun': (boolean);
  /**
   * For dry runs and updates: the stored document before this apply (JSON), empty if none.
   */
  'previousDocument': (string);
}
