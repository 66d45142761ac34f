// ServiceExport: marks `<metadata.namespace>/<metadata.name>` as shared with federation peers
// (named after the Kubernetes Multi-Cluster Services API). Nothing is shared without one. The
// federation service's exporter reads these; proxies never see them.
import { z } from 'zod';
import { DNS_LABEL_RE } from '../model/names.js';

export const MAX_EXPORT_PEERS = 64;

export const serviceExportSpecSchema = z.strictObject({
  /** Peer clusters that may import the service; absent or empty: every configured peer. */
  peers: z
    .array(z.string().regex(DNS_LABEL_RE, 'must be a cluster name (a DNS label)'))
    .max(MAX_EXPORT_PEERS, `at most ${MAX_EXPORT_PEERS} peers`)
    .refine((peers) => new Set(peers).size === peers.length, 'peers must not repeat')
    .default([]),
});

export type ServiceExportSpec = z.output<typeof serviceExportSpecSchema>;

/** Whether `spec` shares its service with `peer`. */
export function exportsTo(spec: ServiceExportSpec, peer: string): boolean {
  return spec.peers.length === 0 || spec.peers.includes(peer);
}
