// Original file: proto/plexus/policy/v1/policy.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A stored policy.
 */
export interface PolicyObject {
  'kind'?: (string);
  'namespace'?: (string);
  'name'?: (string);
  /**
   * The normalised policy document as JSON.
   */
  'document'?: (string);
  /**
   * Store revision of the last change; pass it as expected_revision for compare-and-set.
   */
  'revision'?: (number | string | Long);
  /**
   * Store revision at which the policy was created.
   */
  'createRevision'?: (number | string | Long);
  /**
   * Principal of the last apply, and its RFC 3339 time.
   */
  'appliedBy'?: (string);
  'appliedAt'?: (string);
}

/**
 * A stored policy.
 */
export interface PolicyObject__Output {
  'kind': (string);
  'namespace': (string);
  'name': (string);
  /**
   * The normalised policy document as JSON.
   */
  'document': (string);
  /**
   * Store revision of the last change; pass it as expected_revision for compare-and-set.
   */
  'revision': (number);
  /**
   * Store revision at which the policy was created.
   */
  'createRevision': (number);
  /**
   * Principal of the last apply, and its RFC 3339 time.
   */
  'appliedBy': (string);
  'appliedAt': (string);
}
