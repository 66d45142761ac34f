// Original file: proto/plexus/policy/v1/policy.proto

import type { PolicyObject as _plexus_policy_v1_PolicyObject, PolicyObject__Output as _plexus_policy_v1_PolicyObject__Output } from '../../../plexus/policy/v1/PolicyObject.js';

export interface GetResponse {
  'policy'?: (_plexus_policy_v1_PolicyObject | null);
}

export interface GetResponse__Output {
  'policy': (_plexus_policy_v1_PolicyObject__Output | null);
}
