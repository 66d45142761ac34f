// Federation metrics (Prometheus, `plexus_federation_*`), labelled by peer cluster.
import { counter, gauge } from '../../lib/admin/metrics.js';

export function federationMetrics() {
  return {
    requests: counter<'method' | 'code'>({
      name: 'plexus_federation_requests_total',
      help: 'Federation API calls by method and gRPC status code name',
      labelNames: ['method', 'code'],
    }),
    resumes: counter<'peer'>({
      name: 'plexus_federation_resumes_total',
      help: 'Importer (re)connections that resumed from the stored cursor',
      labelNames: ['peer'],
    }),
    fullResyncs: counter<'peer' | 'reason'>({
      name: 'plexus_federation_full_resyncs_total',
      help: 'Importer full resyncs from the start of the peer stream, by reason (no-cursor, cursor-too-old, stream-reset)',
      labelNames: ['peer', 'reason'],
    }),
    repairs: counter<'peer' | 'reason'>({
      name: 'plexus_federation_link_repairs_total',
      help: 'Importer consumers re-created, by reason (stalled: heartbeats showed a cursor ahead while nothing arrived; ended; error)',
      labelNames: ['peer', 'reason'],
    }),
    refused: counter<'peer' | 'reason'>({
      name: 'plexus_federation_refused_total',
      help: 'Messages from a peer refused, by reason (oversized, malformed, mismatch)',
      labelNames: ['peer', 'reason'],
    }),
    applied: counter<'peer'>({ name: 'plexus_federation_imported_messages_total', help: 'Peer messages applied to the imports', labelNames: ['peer'] }),
    published: counter<'peer'>({ name: 'plexus_federation_exported_messages_total', help: 'Service states published to a peer stream', labelNames: ['peer'] }),
    staleMarks: counter<'peer'>({ name: 'plexus_federation_stale_marks_total', help: 'Times a peer link was declared down and its imports marked stale', labelNames: ['peer'] }),
    drops: counter<'peer'>({ name: 'plexus_federation_stale_drops_total', help: 'Times a peer stayed down past the staleness window and its imports were dropped', labelNames: ['peer'] }),
    cursor: gauge<'peer'>({ name: 'plexus_federation_import_cursor', help: 'The importer cursor (peer stream sequence) per peer', labelNames: ['peer'] }),
    imported: gauge<'peer'>({ name: 'plexus_federation_imported_services', help: 'Services imported per peer', labelNames: ['peer'] }),
    active: gauge<'peer' | 'role'>({ name: 'plexus_federation_link_active', help: '1 when this replica holds the peer link lease', labelNames: ['peer', 'role'] }),
  };
}
export type FederationMetrics = ReturnType<typeof federationMetrics>;
