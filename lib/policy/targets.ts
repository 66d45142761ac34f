// Which destination services a policy affects, and where it lives in the store. The kind's
// `target` in the table (kinds.ts) decides: a `service` kind targets exactly one destination
// service, named by the policy's metadata `<metadata.namespace>/<metadata.name>` (the store key
// is unique, so a service has at most one policy of such a kind); a `mesh` kind affects every
// service (`*`). Route subsets and mirrors select instances of that same service.
import { parseStoreKey } from '../model/names.js';
import { policyKey } from '../store/keys.js';
import type { Policy } from './document.js';
import { isPolicyKind, policyKindSpec, type PolicyKind } from './kinds.js';

/** Stands for "every service" in affected-service lists. */
export const ALL_SERVICES = '*';

/** `<namespace>/<service>` names the policy applies to; `['*']` for mesh-wide kinds. */
export function affectedServices(policy: Pick<Policy, 'kind' | 'metadata'>): string[] {
  return affectedServicesOf(policy.kind, policy.metadata.namespace, policy.metadata.name);
}

/** The same from a kind and name (for deletions and store keys). */
export function affectedServicesOf(kind: PolicyKind, namespace: string, name: string): string[] {
  return policyKindSpec(kind)?.target === 'mesh' ? [ALL_SERVICES] : [`${namespace}/${name}`];
}

/** The one service a policy targets; undefined for mesh-wide kinds. */
export function targetServiceOf(kind: PolicyKind, namespace: string, name: string): string | undefined {
  return policyKindSpec(kind)?.target === 'mesh' ? undefined : `${namespace}/${name}`;
}

/** Store key of a policy: /plexus/v1/<cluster>/policies/<kind>/<namespace>/<name>. */
export function storeKeyOf(cluster: string, policy: Pick<Policy, 'kind' | 'metadata'>): string {
  return policyKey(cluster, policy.kind, policy.metadata.namespace, policy.metadata.name);
}

export interface PolicyRef {
  kind: PolicyKind;
  namespace: string;
  name: string;
}

/** Parse a policy store key of `cluster` back into its reference; undefined for other keys and unknown kinds. */
export function refFromStoreKey(cluster: string, key: string): PolicyRef | undefined {
  const parsed = parseStoreKey(key);
  if (parsed?.area !== 'policies' || parsed.cluster !== cluster || !isPolicyKind(parsed.kind)) return undefined;
  return { kind: parsed.kind, namespace: parsed.namespace, name: parsed.name };
}
