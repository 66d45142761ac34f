// Which store keys the mesh view reads, and what they name. Layout: lib/store/keys.ts, parsed
// by lib/model/names.ts parseStoreKey.
//   /plexus/v1/<cluster>/instances/<namespace>/<service>/<instance-id>
//   /plexus/v1/<cluster>/policies/<kind>/<namespace>/<name>
//   /plexus/v1/<cluster>/imports/<peer>/<namespace>/<service>   (written by services/federation)
import { parseStoreKey } from '../model/names.js';

export type MeshKey =
  | { kind: 'instance'; namespace: string; service: string; id: string }
  | { kind: 'policy'; policyKind: string; namespace: string; name: string }
  | { kind: 'import'; peer: string; namespace: string; service: string };

/**
 * What a key of `cluster` names; undefined for keys the view does not read (meta, other
 * clusters' keys: the view is one cluster's, with what it imported from its peers).
 */
export function parseMeshKey(cluster: string, key: string): MeshKey | undefined {
  const parsed = parseStoreKey(key);
  if (parsed?.cluster !== cluster) return undefined;
  if (parsed.area === 'instances') return { kind: 'instance', namespace: parsed.namespace, service: parsed.service, id: parsed.id };
  if (parsed.area === 'policies') return { kind: 'policy', policyKind: parsed.kind, namespace: parsed.namespace, name: parsed.name };
  if (parsed.area === 'imports') return { kind: 'import', peer: parsed.peer, namespace: parsed.namespace, service: parsed.service };
  return undefined;
}
