// Original file: proto/plexus/policy/v1/policy.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteRequest {
  'kind'?: (string);
  'namespace'?: (string);
  'name'?: (string);
  /**
   * Delete only if the stored revision equals this.
   */
  'expectedRevision'?: (number | string | Long);
  '_expectedRevision'?: "expectedRevision";
}

export interface DeleteRequest__Output {
  'kind': (string);
  'namespace': (string);
  'name': (string);
  /**
   * Delete only if the stored revision equals this.
   */
  'expectedRevision'?: (number);
  '_expectedRevision'?: "expectedRevision";
}
