// Original file: proto/plexus/policy/v1/policy.proto

import type { HistoryEntry as _plexus_policy_v1_HistoryEntry, HistoryEntry__Output as _plexus_policy_v1_HistoryEntry__Output } from '../../../plexus/policy/v1/HistoryEntry.js';

export interface HistoryResponse {
  'entries'?: (_plexus_policy_v1_HistoryEntry)[];
}

export interface HistoryResponse__Output {
  'entries': (_plexus_policy_v1_HistoryEntry__Output)[];
}
