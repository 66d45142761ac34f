// Original file: proto/plexus/policy/v1/policy.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteResponse {
  /**
   * The store revision after the deletion.
   */
  'revision'?: (number | string | Long);
  'affectedServices'?: (string)[];
}

export interface DeleteResponse__Output {
  /**
   * The store revision after the deletion.
   */
  'revision': (number);
  'affectedServices': (string)[];
}
