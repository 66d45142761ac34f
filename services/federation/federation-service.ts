// Starts the federation service on a runtime: a NATS connection with JetStream, the cluster's
// mesh view (the exporter's input), and per configured peer a link lease; the replica holding a
// peer's lease runs its exporter (this cluster → peer) and importer (peer → this cluster).
// Imports of peers no longer configured are deleted at start, and when a config reload removes
// a peer (setPeers). Used by main.ts and tests.
import type * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from 'nats';
import { Authenticator, type AuthConfig } from '../../lib/auth/operator-auth.js';
import { serverSecurity, type SecurityConfig } from '../../lib/config/service.js';
import { tolerantDefinition } from '../../lib/grpc/edge/index.js';
import { loadPackageDefinition } from '../../lib/grpc/proto.js';
import { startGrpcServer } from '../../lib/grpc/server.js';
import { FEDERATION_PROTO, FEDERATION_SERVICE as FEDERATION_SERVICE_NAME } from '../../lib/federation-client/federation-client.js';
import { federationHandlers } from './federation-api.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { UnavailableError } from '../../lib/errors.js';
import { clusterSource, MeshView, MeshViewSync, policyCodec } from '../../lib/mesh/index.js';
import type { Policy } from '../../lib/policy/index.js';
import type { Runtime } from '../../lib/runtime.js';
import { federationOptions, type FederationOptions, type PeerConfig } from './config.js';
import type { ImportStatus } from './importer.js';
import { federationMetrics } from './metrics.js';
import { PeerLinks, type PeerChanges } from './peer-links.js';

export interface FederationServiceConfig extends SecurityConfig {
  cluster: string;
  instance: string;
  grpc: { host: string; port: number };
  auth?: AuthConfig;
  storeTimeoutMs?: number;
  /** The cluster's NATS (its JetStream domain is the cluster's, linked to the peers'). */
  natsServers: string[];
  federation?: Partial<FederationOptions>;
}

export interface FederationHandle {
  /** host:port of the gRPC API. */
  address: string;
  port: number;
  /** One entry per configured peer; `active` when this replica holds the link. */
  imports(): Array<ImportStatus & { active: boolean }>;
  /** The exporter's stream cursor per peer (active links only). */
  exportCursors(): Record<string, number>;
  /** The peers now configured. */
  peers(): PeerConfig[];
  /**
   * Move to a new peer list (config reload): removed peers stop and their imports and cursor
   * are deleted before this resolves; added peers start; changed ones restart.
   */
  setPeers(peers: PeerConfig[]): Promise<PeerChanges>;
  view: MeshView<Policy>;
  close(): Promise<void>;
}

export async function connectNats(servers: string[], name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 2000, pingInterval: 2000, maxPingOut: 2 });
  } catch (err) {
    throw new UnavailableError(`NATS unreachable at ${servers.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
}

export async function startFederation(runtime: Runtime, config: FederationServiceConfig): Promise<FederationHandle> {
  const options = federationOptions(config.federation);
  const { logger, store, bus } = runtime;
  const metrics = federationMetrics();
  const nc = await connectNats(config.natsServers, `federation/${config.instance}`);
  const closers: Array<() => Promise<void>> = [async () => void (await nc.drain().catch(() => nc.close()))];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => logger.warn({ err }, 'error while closing federation'));
    closers.length = 0;
  };
  try {
    const view = new MeshView<Policy>({ cluster: config.cluster, policyCodec });
    const sync = new MeshViewSync({ sources: [clusterSource(view, store, bus)], logger, antiEntropyMs: 30_000 });
    closers.push(() => sync.close());
    await sync.start();
    const monitor = new HeartbeatMonitor(nc, config.cluster, options.peers.map((p) => p.name));
    closers.push(async () => monitor.close());
    const links = new PeerLinks({ nc, store, cluster: config.cluster, instance: config.instance, options, view, logger, metrics, monitor });
    closers.push(() => links.close());
    await links.start(options.peers);
    let peers = options.peers;
    runtime.admin.addReadiness({ name: 'federation-nats', check: () => (nc.isClosed() ? 'NATS connection closed' : undefined) });
    const { security, close: closeSecurity } = serverSecurity(config, logger);
    closers.push(async () => closeSecurity());
    const auth = new Authenticator(config.auth ?? { tokens: [], anonymous: security?.insecure === true ? 'admin' : 'none' });
    if (auth.locked) logger.warn('no operator tokens configured: ListImports (plexctl get imports) will be refused');
    const pkg = loadPackageDefinition(FEDERATION_PROTO);
    const grpcServer = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      services: [
        {
          name: FEDERATION_SERVICE_NAME,
          definition: tolerantDefinition(pkg[FEDERATION_SERVICE_NAME] as grpc.ServiceDefinition),
          implementation: federationHandlers({
            cluster: config.cluster,
            replica: config.instance,
            peers: () => links.names(),
            staleAfterMs: options.staleAfterMs,
            store,
            storeTimeoutMs: config.storeTimeoutMs ?? 5000,
            monitor,
            logger,
            counter: metrics.requests,
            authorize: (metadata, action) => auth.authorize(auth.authenticate(metadata), 'viewer', action),
          }),
        },
      ],
      reflection: [pkg],
      logger,
      security,
    });
    closers.push(() => grpcServer.close());
    grpcServer.setServing('SERVING');
    const handle: FederationHandle = {
      address: grpcServer.address,
      port: grpcServer.port,
      view,
      imports: () => links.status(),
      exportCursors: () => links.exportCursors(),
      peers: () => peers,
      setPeers: async (next) => {
        const changes = await links.apply(next);
        peers = next;
        return changes;
      },
      close: closeAll,
    };
    return handle;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
