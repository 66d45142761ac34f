// The gRPC edge of plexus.federation.v1.Federation. ListImports answers from the store (the
// cursor and imports the active replica wrote) and this replica's heartbeat monitor, so every
// replica gives the same answer whichever holds the link.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ValidationError } from '../../lib/errors.js';
import { countedUnary, decoded, guardedStore } from '../../lib/grpc/edge/index.js';
import { importRecordSchema } from '../../lib/model/import-record.js';
import { isDnsLabel } from '../../lib/model/names.js';
import type { Store } from '../../lib/store/store.js';
import type { ListImportsRequest__Output } from '../../lib/proto/gen/plexus/federation/v1/ListImportsRequest.js';
import type { ListImportsResponse } from '../../lib/proto/gen/plexus/federation/v1/ListImportsResponse.js';
import type { PeerImports } from '../../lib/proto/gen/plexus/federation/v1/PeerImports.js';
import type { HeartbeatMonitor } from './heartbeat-monitor.js';
import { cursorKey, importsPrefix, type StoredCursor } from './import-keys.js';
import { linkLeaseKey } from './link-lease.js';
import type { FederationMetrics } from './metrics.js';


export interface FederationApiDeps {
  cluster: string;
  replica: string;
  /** The configured peers now (the list follows config reloads). */
  peers: () => string[];
  staleAfterMs: number;
  store: Store;
  storeTimeoutMs: number;
  monitor: HeartbeatMonitor;
  logger: Logger;
  counter: FederationMetrics['requests'];
  /** Throws UNAUTHENTICATED / PERMISSION_DENIED unless the caller is an operator with the viewer role. */
  authorize: (metadata: grpc.Metadata, action: string) => void;
}

export async function peerImports(deps: FederationApiDeps, peer: string, store: Store): Promise<PeerImports> {
  const [cursor, listing, lease] = await Promise.all([
    store.get<StoredCursor>(cursorKey(deps.cluster, peer)),
    store.list(importsPrefix(deps.cluster, peer)),
    store.get<{ holder?: unknown }>(linkLeaseKey(deps.cluster, peer)),
  ]);
  const services = listing.items.flatMap((item) => {
    const r = importRecordSchema.safeParse(item.value);
    return r.success ? [{ namespace: r.data.namespace, service: r.data.service, instances: r.data.instances.length, sequence: r.data.sequence, stale: r.data.stale }] : [];
  });
  const hb = deps.monitor.last(peer);
  const age = hb ? Date.now() - hb.at : -1;
  const holder = lease?.value.holder;
  return {
    peer,
    cursor: typeof cursor?.value.sequence === 'number' ? cursor.value.sequence : 0,
    exporterCursor: hb?.cursor ?? 0,
    heartbeatAgeMs: age,
    stale: age < 0 || age > deps.staleAfterMs || services.some((s) => s.stale),
    activeReplica: typeof holder === 'string' ? holder : '',
    services,
  };
}

export function federationHandlers(deps: FederationApiDeps): grpc.UntypedServiceImplementation {
  const counted = countedUnary({ counter: deps.counter, logger: deps.logger, api: 'federation API' });
  const store = guardedStore(deps.store, deps.storeTimeoutMs);
  return {
    ListImports: counted<ListImportsRequest__Output, ListImportsResponse>('ListImports', async (call) => {
      deps.authorize(call.metadata, 'list imports');
      const { peer } = decoded(call.request);
      if (peer !== '' && !isDnsLabel(peer)) throw new ValidationError([{ path: 'peer', message: 'must be a cluster name (a DNS label)' }]);
      const configured = deps.peers();
      if (peer !== '' && !configured.includes(peer)) throw new ValidationError([{ path: 'peer', message: `"${peer}" is not a configured peer (${configured.join(', ') || 'none'})` }]);
      const peers = peer === '' ? configured : [peer];
      return { cluster: deps.cluster, replica: deps.replica, peers: await Promise.all(peers.map((p) => peerImports(deps, p, store))) };
    }),
  };
}
