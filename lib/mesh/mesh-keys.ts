// Which store keys the mesh view reads, and what they name. Layout: lib/store/keys.ts.
//   /plexus/v1/<cluster>/instances/<namespace>/<service>/<instance-id>
//   /plexus/v1/<cluster>/policies/<kind>/<namespace>/<name>
import { clusterPrefix } from '../store/keys.js';

export type MeshKey =
  | { kind: 'instance'; namespace: string; service: string; id: string }
  | { kind: 'policy'; policyKind: string; namespace: string; name: string };

/** What a key under the cluster prefix names; undefined for keys the view does not read (meta). */
export function parseMeshKey(cluster: string, key: string): MeshKey | undefined {
  const prefix = clusterPrefix(cluster);
  if (!key.startsWith(prefix)) return undefined;
  const parts = key.slice(prefix.length).split('/');
  if (parts.length !== 4) return undefined;
  const [area = '', a = '', b = '', c = ''] = parts;
  if (!a || !b || !c) return undefined;
  if (area === 'instances') return { kind: 'instance', namespace: a, service: b, id: c };
  if (area === 'policies') return { kind: 'policy', policyKind: a, namespace: b, name: c };
  return undefined;
}
