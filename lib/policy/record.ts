// What the store and the bus carry for policies (the contract config-push and plexctl read).
//
// Store value at policyKey(cluster, kind, namespace, name): a PolicyRecord (JSON). The policy
// inside is normalised; re-validate with parsePolicy when reading if you do not trust writers.
// History: one key per change at
//   metaKey(cluster, 'history', kind, namespace, name, <revision zero-padded to 20 digits>)
// holding a HistoryEntry; the policy service keeps the newest `historyLimit` per policy.
// Events: `policy.applied` with PolicyAppliedData, `policy.deleted` with PolicyDeletedData,
// subject `<kind>/<namespace>/<name>`, envelope `revision` = the store revision of the change.
import { z } from 'zod';
import { policyId, type Policy } from './document.js';
import type { PolicyKind } from './kinds.js';
import { affectedServices, affectedServicesOf } from './targets.js';

export interface PolicyRecord {
  policy: Policy;
  /** Principal that last applied it. */
  appliedBy: string;
  /** RFC 3339 time of the last apply. */
  appliedAt: string;
}

export const policyRecordShape = z.object({
  policy: z.record(z.string(), z.unknown()),
  appliedBy: z.string(),
  appliedAt: z.string(),
});

export type HistoryAction = 'applied' | 'deleted';

export interface HistoryEntry {
  revision: number;
  action: HistoryAction;
  principal: string;
  at: string;
  /** The policy as applied; absent for deletions. */
  policy?: Policy;
}

export const historyEntryShape = z.object({
  revision: z.number().int().nonnegative(),
  action: z.enum(['applied', 'deleted']),
  principal: z.string(),
  at: z.string(),
  policy: z.record(z.string(), z.unknown()).optional(),
});

export interface PolicyAppliedData {
  kind: PolicyKind;
  namespace: string;
  name: string;
  /** `<namespace>/<service>` list, or ['*'] for Mesh. */
  affectedServices: string[];
  created: boolean;
  policy: Policy;
  principal: string;
}

export interface PolicyDeletedData {
  kind: PolicyKind;
  namespace: string;
  name: string;
  affectedServices: string[];
  principal: string;
}

/** A policy event as the bus publishes it (the caller adds the store revision). */
export type PolicyEvent =
  | { kind: 'policy.applied'; subject: string; data: PolicyAppliedData }
  | { kind: 'policy.deleted'; subject: string; data: PolicyDeletedData };

/** The policy.applied event of a write that stored `policy`. */
export function policyAppliedEvent(policy: Policy, created: boolean, principal: string): PolicyEvent {
  const { kind, metadata } = policy;
  const data: PolicyAppliedData = { kind, namespace: metadata.namespace, name: metadata.name, affectedServices: affectedServices(policy), created, policy, principal };
  return { kind: 'policy.applied', subject: policyId(policy), data };
}

/** The policy.deleted event of a deletion. */
export function policyDeletedEvent(ref: { kind: PolicyKind; namespace: string; name: string }, principal: string): PolicyEvent {
  const { kind, namespace, name } = ref;
  const data: PolicyDeletedData = { kind, namespace, name, affectedServices: affectedServicesOf(kind, namespace, name), principal };
  return { kind: 'policy.deleted', subject: `${kind}/${namespace}/${name}`, data };
}

/** Zero-padded so history keys sort by revision as strings. */
export function historySegment(revision: number): string {
  return String(revision).padStart(20, '0');
}
