// Original file: proto/plexus/policy/v1/policy.proto

import type { Long } from '@grpc/proto-loader';

export interface HistoryEntry {
  'revision'?: (number | string | Long);
  /**
   * "applied" or "deleted".
   */
  'action'?: (string);
  'principal'?: (string);
  /**
   * RFC 3339.
   */
  'time'?: (string);
  /**
   * The applied document (JSON); empty for deletions.
   */
  'document'?: (string);
}

export interface HistoryEntry__Output {
  'revision': (number);
  /**
   * "applied" or "deleted".
   */
  'action': (string);
  'principal': (string);
  /**
   * RFC 3339.
   */
  'time': (string);
  /**
   * The applied document (JSON); empty for deletions.
   */
  'document': (string);
}
