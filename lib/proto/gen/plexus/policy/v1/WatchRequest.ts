// Original file: proto/plexus/policy/v1/policy.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'kind'?: (string);
  'namespace'?: (string);
  /**
   * 0: start with the current state (RESET, one PUT per policy, SYNCED), then changes.
   * N > 0: changes from revision N on (inclusive). If that history is gone, the stream
   * sends RESET, the current state and SYNCED instead, then continues.
   */
  'fromRevision'?: (number | string | Long);
}

export interface WatchRequest__Output {
  'kind': (string);
  'namespace': (string);
  /**
   * 0: start with the current state (RESET, one PUT per policy, SYNCED), then changes.
   * N > 0: changes from revision N on (inclusive). If that history is gone, the stream
   * sends RESET, the current state and SYNCED instead, then continues.
   */
  'fromRevision': (number);
}
