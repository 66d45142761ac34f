// Original file: proto/plexus/discovery/v1/status.proto

import type { PolicyTarget as _plexus_discovery_v1_PolicyTarget, PolicyTarget__Output as _plexus_discovery_v1_PolicyTarget__Output } from '../../../plexus/discovery/v1/PolicyTarget.js';
import type { InstanceTarget as _plexus_discovery_v1_InstanceTarget, InstanceTarget__Output as _plexus_discovery_v1_InstanceTarget__Output } from '../../../plexus/discovery/v1/InstanceTarget.js';
import type { Long } from '@grpc/proto-loader';

export interface WaitForRolloutRequest {
  'policy'?: (_plexus_discovery_v1_PolicyTarget | null);
  'instance'?: (_plexus_discovery_v1_InstanceTarget | null);
  /**
   * The store revision of the change (what Apply, Register... returned). 0 = the target key's
   * current revision in the store (a deleted target needs its delete revision here).
   */
  'revision'?: (number | string | Long);
  /**
   * How long to wait before ending with DEADLINE_EXCEEDED; 0 = 30 s. At most 10 minutes.
   */
  'timeoutMs'?: (number);
  'target'?: "policy"|"instance";
}

export interface WaitForRolloutRequest__Output {
  'policy'?: (_plexus_discovery_v1_PolicyTarget__Output | null);
  'instance'?: (_plexus_discovery_v1_InstanceTarget__Output | null);
  /**
   * The store revision of the change (what Apply, Register... returned). 0 = the target key's
   * current revision in the store (a deleted target needs its delete revision here).
   */
  'revision': (number);
  /**
   * How long to wait before ending with DEADLINE_EXCEEDED; 0 = 30 s. At most 10 minutes.
   */
  'timeoutMs': (number);
  'target'?: "policy"|"instance";
}
