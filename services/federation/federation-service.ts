// Starts the federation service on a runtime: a NATS connection with JetStream, the cluster's
// mesh view (the exporter's input), and per configured peer a link lease; the replica holding a
// peer's lease runs its exporter (this cluster → peer) and importer (peer → this cluster).
// Imports of peers no longer configured are deleted at start. Used by main.ts and tests.
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
import type { Logger } from 'pino';
import { UnavailableError } from '../../lib/errors.js';
import { clusterSource, MeshView, MeshViewSync, policyCodec } from '../../lib/mesh/index.js';
import type { Policy } from '../../lib/policy/index.js';
import type { Runtime } from '../../lib/runtime.js';
import type { Store } from '../../lib/store/store.js';
import { parseStoreKey } from '../../lib/model/names.js';
import { federationOptions, type FederationOptions, type PeerConfig } from './config.js';
import { PeerExporter } from './exporter.js';
import { cursorKey, cursorsPrefix, importsPrefix } from './import-keys.js';
import { PeerImporter, type ImportStatus } from './importer.js';
import { LinkLease } from './link-lease.js';
import { federationMetrics, type FederationMetrics } from './metrics.js';

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
  view: MeshView<Policy>;
  close(): Promise<void>;
}

class PeerLink {
  exporter: PeerExporter | undefined;
  importer: PeerImporter | undefined;
  readonly lease: LinkLease;
  private starting: Promise<void> = Promise.resolve();

  constructor(
    readonly peer: PeerConfig,
    private readonly deps: { nc: NatsConnection; store: Store; cluster: string; instance: string; options: FederationOptions; view: MeshView<Policy>; logger: Logger; metrics: FederationMetrics; monitor: HeartbeatMonitor },
  ) {
    this.lease = new LinkLease({
      store: deps.store,
      cluster: deps.cluster,
      peer: peer.name,
      holder: deps.instance,
      ttlSeconds: deps.options.leaseTtlSeconds,
      logger: deps.logger,
      onAcquired: () => this.start(),
      onLost: () => {
        this.starting = this.starting.then(() => this.stopParts());
      },
    });
  }

  /** Start the exporter and importer (serialised with stopping); retried while the lease is held. */
  private start(): void {
    this.starting = this.starting
      .then(() => this.startParts())
      .catch((err: unknown) => {
        this.deps.logger.error({ err, peer: this.peer.name }, 'federation: could not start the peer link; retrying');
        setTimeout(() => this.lease.held && this.start(), 1000).unref();
      });
  }

  private async startParts(): Promise<void> {
    const { nc, store, cluster, options, view, logger, metrics } = this.deps;
    if (!this.lease.held) return;
    if (!this.importer) {
      const importer = new PeerImporter({ nc, store, cluster, peer: this.peer, options, logger, metrics, lastHeartbeat: () => this.deps.monitor.last(this.peer.name) });
      await importer.start();
      this.importer = importer;
    }
    if (!this.exporter) {
      const exporter = new PeerExporter({ nc, cluster, peer: this.peer.name, view, logger, metrics, heartbeatMs: options.heartbeatMs, tombstoneRetentionMs: options.tombstoneRetentionMs, gateway: options.gateway });
      await exporter.start();
      this.exporter = exporter;
    }
    metrics.active.set({ peer: this.peer.name, role: 'link' }, 1);
  }

  private async stopParts(): Promise<void> {
    const { exporter, importer } = this;
    this.exporter = undefined;
    this.importer = undefined;
    this.deps.metrics.active.set({ peer: this.peer.name, role: 'link' }, 0);
    await exporter?.close();
    await importer?.close();
  }

  async close(): Promise<void> {
    await this.starting.catch(() => undefined);
    await this.stopParts();
    await this.lease.close();
  }
}

/** Delete imports and cursors of peers that are no longer configured. */
async function forgetRemovedPeers(store: Store, cluster: string, peers: Set<string>, logger: Logger): Promise<void> {
  const [imports, cursors] = await Promise.all([store.list(importsPrefix(cluster)), store.list(cursorsPrefix(cluster))]);
  const gone = new Set<string>();
  for (const item of imports.items) {
    const parsed = parseStoreKey(item.key);
    if (parsed?.area === 'imports' && !peers.has(parsed.peer)) {
      await store.delete(item.key);
      gone.add(parsed.peer);
    }
  }
  for (const item of cursors.items) {
    const peer = item.key.slice(cursorsPrefix(cluster).length);
    if (!peers.has(peer)) await store.delete(cursorKey(cluster, peer));
  }
  if (gone.size > 0) logger.info({ peers: [...gone] }, 'federation: imports of peers no longer configured deleted');
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
    await forgetRemovedPeers(store, config.cluster, new Set(options.peers.map((p) => p.name)), logger);
    const view = new MeshView<Policy>({ cluster: config.cluster, policyCodec });
    const sync = new MeshViewSync({ sources: [clusterSource(view, store, bus)], logger, antiEntropyMs: 30_000 });
    closers.push(() => sync.close());
    await sync.start();
    const monitor = new HeartbeatMonitor(nc, config.cluster, options.peers.map((p) => p.name));
    closers.push(async () => monitor.close());
    const links = options.peers.map(
      (peer) => new PeerLink(peer, { nc, store, cluster: config.cluster, instance: config.instance, options, view, logger, metrics, monitor }),
    );
    closers.push(async () => void (await Promise.all(links.map((l) => l.close()))));
    for (const l of links) l.lease.start();
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
            peers: options.peers.map((p) => p.name),
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
      imports: () =>
        links.map((l) => ({
          ...(l.importer?.status() ?? { peer: l.peer.name, cursor: 0, exporterCursor: 0, heartbeatAgeMs: undefined, stale: false, connected: false, services: [] }),
          active: l.lease.held,
        })),
      exportCursors: () => Object.fromEntries(links.flatMap((l) => (l.exporter ? [[l.peer.name, l.exporter.lastSequence]] : []))),
      close: closeAll,
    };
    return handle;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
