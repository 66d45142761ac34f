// Where imports and cursors live in this cluster's store (DESIGN.md key layout):
//   /plexus/v1/<cluster>/imports/<peer>/<namespace>/<service>   lib/model/import-record.ts
//   /plexus/v1/<cluster>/meta/federation/cursors/<peer>          {sequence, updatedAt}
import { metaKey, ROOT } from '../../lib/store/keys.js';

export function importsPrefix(cluster: string, peer?: string): string {
  return peer === undefined ? `${ROOT}/${cluster}/imports/` : `${ROOT}/${cluster}/imports/${peer}/`;
}
export function importKey(cluster: string, peer: string, namespace: string, service: string): string {
  return `${importsPrefix(cluster, peer)}${namespace}/${service}`;
}
export function cursorKey(cluster: string, peer: string): string {
  return metaKey(cluster, 'federation', 'cursors', peer);
}
export function cursorsPrefix(cluster: string): string {
  return `${metaKey(cluster, 'federation', 'cursors')}/`;
}

export interface StoredCursor {
  sequence: number;
  /** The peer stream's creation time: a cursor is only meaningful in the stream it came from. */
  stream: string;
  updatedAt: string;
}
