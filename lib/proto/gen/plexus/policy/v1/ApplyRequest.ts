// Original file: proto/plexus/policy/v1/policy.proto

import type { Long } from '@grpc/proto-loader';

export interface ApplyRequest {
  /**
   * One policy document as JSON (apiVersion, kind, metadata, spec).
   */
  'document'?: (string);
  /**
   * Compare-and-set: apply only if the stored revision equals this; 0 = must not exist yet.
   * Unset: last writer wins.
   */
  'expectedRevision'?: (number | string | Long);
  /**
   * Validate and report what would happen; write nothing.
   */
  'dryRun'?: (boolean);
  '_expectedRevision'?: "expectedRevision";
}

export interface ApplyRequest__Output {
  /**
   * One policy document as JSON (apiVersion, kind, metadata, spec).
   */
  'document': (string);
  /**
   * Compare-and-set: apply only if the stored revision equals this; 0 = must not exist yet.
   * Unset: last writer wins.
   */
  'expectedRevision'?: (number);
  /**
   * Validate and report what would happen; write nothing.
   */
  'dryRun': (boolean);
  '_expectedRevision'?: "expectedRevision";
}
