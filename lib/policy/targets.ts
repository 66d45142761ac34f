// Which destination services a policy affects, and where it lives in the store.
//
// Route, Resilience and Access target exactly one destination service, named by the policy's
// metadata: `<metadata.namespace>/<metadata.name>`. So a service has at most one policy of
// each of these kinds (the store key is unique), and merging is never ambiguous. Route subsets
// and mirrors select instances of that same service. Mesh affects every service (`*`).
import { policiesPrefix, policyKey } from '../store/keys.js';
import type { Policy, PolicyKind } from './document.js';

/** Stands for "every service" in affected-service lists. */
export const ALL_SERVICES = '*';

/** `<namespace>/<service>` names the policy applies to; `['*']` for Mesh. */
export function affectedServices(policy: Pick<Policy, 'kind' | 'metadata'>): string[] {
  return affectedServicesOf(policy.kind, policy.metadata.namespace, policy.metadata.name);
}

/** The same from a kind and name (for deletions and store keys). */
export function affectedServicesOf(kind: PolicyKind, namespace: string, name: string): string[] {
  return kind === 'Mesh' ? [ALL_SERVICES] : [`${namespace}/${name}`];
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

/** Parse a policy store key back into its reference; undefined for keys outside the layout. */
export function refFromStoreKey(cluster: string, key: string): PolicyRef | undefined {
  const prefix = policiesPrefix(cluster);
  if (!key.startsWith(prefix)) return undefined;
  const parts = key.slice(prefix.length).split('/');
  if (parts.length !== 3) return undefined;
  const [kind, namespace, name] = parts as [string, string, string];
  if (!['Route', 'Resilience', 'Access', 'Mesh'].includes(kind)) return undefined;
  return { kind: kind as PolicyKind, namespace, name };
}
