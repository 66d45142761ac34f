// The peer links of one federation replica, keyed by peer name. Each link holds a store lease;
// the replica holding it runs the link's exporter (this cluster → peer) and importer (peer →
// this cluster). `apply` moves the running set to a new peer list (config reload): removed
// peers are stopped and their imports and cursor deleted, added peers start, a peer whose
// domain or priority changed is restarted (a new priority is first written into its imports).
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { MeshView } from '../../lib/mesh/index.js';
import { parseStoreKey } from '../../lib/model/names.js';
import type { Policy } from '../../lib/policy/index.js';
import type { Store } from '../../lib/store/store.js';
import type { FederationOptions, PeerConfig } from './config.js';
import { PeerExporter } from './exporter.js';
import type { HeartbeatMonitor } from './heartbeat-monitor.js';
import { cursorKey, cursorsPrefix, importsPrefix } from './import-keys.js';
import { PeerImporter, type ImportStatus } from './importer.js';
import { LinkLease } from './link-lease.js';
import type { FederationMetrics } from './metrics.js';

export interface PeerLinkDeps {
  nc: NatsConnection;
  store: Store;
  cluster: string;
  instance: string;
  options: FederationOptions;
  view: MeshView<Policy>;
  logger: Logger;
  metrics: FederationMetrics;
  monitor: HeartbeatMonitor;
}

class PeerLink {
  exporter: PeerExporter | undefined;
  importer: PeerImporter | undefined;
  readonly lease: LinkLease;
  private starting: Promise<void> = Promise.resolve();

  constructor(
    readonly peer: PeerConfig,
    private readonly deps: PeerLinkDeps,
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

export interface PeerChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export class PeerLinks {
  private readonly links = new Map<string, PeerLink>();
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PeerLinkDeps) {}

  /** Start with `peers`, after deleting what peers no longer configured left in the store. */
  async start(peers: PeerConfig[]): Promise<void> {
    await forgetRemovedPeers(this.deps.store, this.deps.cluster, new Set(peers.map((p) => p.name)), this.deps.logger);
    this.deps.monitor.setPeers(peers.map((p) => p.name));
    for (const p of peers) this.open(p);
  }

  names(): string[] {
    return [...this.links.keys()];
  }

  status(): Array<ImportStatus & { active: boolean }> {
    return [...this.links.values()].map((l) => ({
      ...(l.importer?.status() ?? { peer: l.peer.name, cursor: 0, exporterCursor: 0, heartbeatAgeMs: undefined, stale: false, connected: false, services: [] }),
      active: l.lease.held,
    }));
  }

  exportCursors(): Record<string, number> {
    return Object.fromEntries([...this.links.values()].flatMap((l) => (l.exporter ? [[l.peer.name, l.exporter.lastSequence]] : [])));
  }

  /** Move to `peers` (serialised with other calls); resolves once removed peers' imports are deleted. */
  apply(peers: PeerConfig[]): Promise<PeerChanges> {
    const run = this.applying.catch(() => undefined).then(() => this.applyNow(peers));
    this.applying = run;
    return run;
  }

  private async applyNow(peers: PeerConfig[]): Promise<PeerChanges> {
    const { store, cluster, logger, monitor } = this.deps;
    const next = new Map(peers.map((p) => [p.name, p]));
    const changes: PeerChanges = { added: [], removed: [], changed: [] };
    for (const [name, link] of [...this.links]) {
      const want = next.get(name);
      if (want !== undefined && want.priority === link.peer.priority && want.domain === link.peer.domain) continue;
      await link.close();
      this.links.delete(name);
      if (want === undefined) changes.removed.push(name);
      else {
        changes.changed.push(name);
        if (want.priority !== link.peer.priority) await rewritePriority(store, cluster, name, want.priority);
      }
    }
    monitor.setPeers([...next.keys()]);
    if (changes.removed.length > 0) await forgetRemovedPeers(store, cluster, new Set(next.keys()), logger);
    for (const p of peers) {
      if (this.links.has(p.name)) continue;
      if (!changes.changed.includes(p.name)) changes.added.push(p.name);
      this.open(p);
    }
    return changes;
  }

  private open(peer: PeerConfig): void {
    const link = new PeerLink(peer, this.deps);
    this.links.set(peer.name, link);
    link.lease.start();
  }

  async close(): Promise<void> {
    await this.applying.catch(() => undefined);
    await Promise.all([...this.links.values()].map((l) => l.close()));
    this.links.clear();
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

/** A peer's priority changed: its imports carry the new one before its importer runs again. */
async function rewritePriority(store: Store, cluster: string, peer: string, priority: number): Promise<void> {
  const listing = await store.list<Record<string, unknown>>(importsPrefix(cluster, peer));
  for (const item of listing.items) {
    if (typeof item.value === 'object' && item.value !== null) await store.put(item.key, { ...item.value, priority });
  }
}
