// Original file: proto/plexus/policy/v1/policy.proto

import type { PolicyObject as _plexus_policy_v1_PolicyObject, PolicyObject__Output as _plexus_policy_v1_PolicyObject__Output } from '../../../plexus/policy/v1/PolicyObject.js';
import type { Long } from '@grpc/proto-loader';

export interface ListResponse {
  'policies'?: (_plexus_policy_v1_PolicyObject)[];
  /**
   * Empty when there are no more pages.
   */
  'nextPageToken'?: (string);
  /**
   * Store revision this page reflects; watch from revision + 1 to miss nothing.
   */
  'revision'?: (number | string | Long);
}

export interface ListResponse__Output {
  'policies': (_plexus_policy_v1_PolicyObject__Output)[];
  /**
   * Empty when there are no more pages.
   */
  'nextPageToken': (string);
  /**
   * Store revision this page reflects; watch from revision + 1 to miss nothing.
   */
  'revision': (number);
}
