// Exports this cluster's shared services to one peer over JetStream: one stream per peer link
// (federation-wire.ts), one subject per service, the last message per subject kept. On start it
// reads back what the stream holds (so a restarted exporter sends only what changed, and
// tombstones services removed while it was down), then follows the mesh view: every change
// of a service's instances or ServiceExport republishes that service's whole state when it
// differs from the last published one. Heartbeats carry the stream's last sequence (the
// exporter's cursor) so an importer can tell a silent link from an idle one.
import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from 'nats';
import type { Logger } from 'pino';
import { canonicalJson } from '../../lib/mesh/canonical-json.js';
import type { MeshView, ViewChange } from '../../lib/mesh/mesh-view.js';
import { parseResourceName } from '../../lib/mesh/resources.js';
import type { Policy } from '../../lib/policy/index.js';
import { candidateServices, exportedInstances, type ExportTarget } from './export-state.js';
import {
  encode,
  exportMessageSchema,
  exportSubject,
  exportWildcard,
  heartbeatSubject,
  horizonMessageSchema,
  horizonSubject,
  streamName,
  type ExportMessage,
  type Heartbeat,
} from './federation-wire.js';
import type { FederationMetrics } from './metrics.js';

export interface PeerExporterOptions extends ExportTarget {
  nc: NatsConnection;
  view: MeshView<Policy>;
  logger: Logger;
  metrics: FederationMetrics;
  heartbeatMs: number;
  tombstoneRetentionMs: number;
  /** Coalesces bursts of view changes (ms). */
  debounceMs?: number;
}

interface Published {
  seq: number;
  /** canonical JSON of the message body */
  body: string;
  removed: boolean;
  at: number;
}

const RETRY_MS = 500;

export class PeerExporter {
  private readonly jsm: Promise<JetStreamManager>;
  private readonly js: JetStreamClient;
  private readonly stream: string;
  private readonly published = new Map<string, Published>();
  private readonly dirty = new Set<string>();
  private cursor = 0;
  private horizon = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  /** A publish failed: check the stream still exists before the next one (it may have been deleted). */
  private checkStream = false;

  constructor(private readonly opts: PeerExporterOptions) {
    this.jsm = opts.nc.jetstreamManager();
    this.js = opts.nc.jetstream();
    this.stream = streamName(opts.cluster, opts.peer);
  }

  /** The stream's last sequence as this exporter knows it. */
  get lastSequence(): number {
    return this.cursor;
  }

  async start(): Promise<void> {
    await this.ensureStream();
    await this.readBack();
    this.unsubscribe = this.opts.view.onChange((change) => this.onViewChange(change));
    for (const s of this.allServices()) this.dirty.add(s);
    this.scheduleFlush(0);
    this.heartbeat();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    clearTimeout(this.flushTimer);
    clearTimeout(this.heartbeatTimer);
    await this.flushing.catch(() => undefined);
  }

  /** Creates the stream if it is missing; true when it did (an empty stream: publish everything). */
  private async ensureStream(): Promise<boolean> {
    const jsm = await this.jsm;
    const subjects = [exportWildcard(this.opts.cluster, this.opts.peer)];
    try {
      await jsm.streams.info(this.stream);
      return false;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.opts.logger.info({ peer: this.opts.peer, stream: this.stream }, 'federation: creating the export stream');
    await jsm.streams.add({
      name: this.stream,
      subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: 1,
      num_replicas: 1,
    });
    return true;
  }

  /** Learn what the stream holds: the last state per service, and the horizon. */
  private async readBack(): Promise<void> {
    const jsm = await this.jsm;
    const info = await jsm.streams.info(this.stream);
    this.cursor = info.state.last_seq;
    if (info.state.messages === 0) return;
    const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.All });
    const messages = await consumer.consume();
    const hz = horizonSubject(this.opts.cluster, this.opts.peer);
    for await (const m of messages) {
      const text = new TextDecoder().decode(m.data);
      if (m.subject === hz) {
        const h = horizonMessageSchema.safeParse(JSON.parse(text));
        if (h.success) this.horizon = h.data.horizon;
      } else {
        const parsed = exportMessageSchema.safeParse(JSON.parse(text));
        if (parsed.success) {
          const service = `${parsed.data.namespace}/${parsed.data.service}`;
          this.published.set(service, { seq: m.seq, body: canonicalJson(parsed.data), removed: parsed.data.removed, at: m.info.timestampNanos / 1e6 });
        }
      }
      if (m.info.pending === 0 || m.seq >= info.state.last_seq) break;
    }
    messages.stop();
  }

  private allServices(): Set<string> {
    const out = candidateServices(this.opts.view);
    for (const s of this.published.keys()) out.add(s);
    return out;
  }

  private onViewChange(change: ViewChange<Policy>): void {
    if (change.type === 'instance') this.dirty.add(change.service);
    else if (change.type === 'policy' && change.kind === 'ServiceExport') {
      for (const p of [change.before, change.after]) if (p?.target) this.dirty.add(p.target);
    } else return;
    this.scheduleFlush(this.opts.debounceMs ?? 10);
  }

  private scheduleFlush(ms: number): void {
    if (this.closed || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flush().catch((err: unknown) => {
        this.opts.logger.warn({ err, peer: this.opts.peer }, 'federation: publishing to the peer stream failed; retrying');
        this.scheduleFlush(RETRY_MS);
      });
    }, ms);
  }

  private async flush(): Promise<void> {
    if (this.checkStream) {
      if (await this.ensureStream()) {
        // A new, empty stream (the old one was deleted): importers see a reset and resync fully.
        this.published.clear();
        this.cursor = 0;
        this.horizon = 0;
        for (const s of this.allServices()) this.dirty.add(s);
      }
      this.checkStream = false;
    }
    const services = [...this.dirty];
    this.dirty.clear();
    try {
      for (const [i, service] of services.entries()) {
        if (this.closed) return;
        try {
          await this.publishService(service);
        } catch (err) {
          for (const s of services.slice(i)) this.dirty.add(s);
          this.checkStream = true;
          throw err;
        }
      }
      await this.purgeOldTombstones();
    } finally {
      if (this.dirty.size > 0) this.scheduleFlush(this.opts.debounceMs ?? 10);
    }
  }

  private async publishService(service: string): Promise<void> {
    const { cluster, peer, view } = this.opts;
    const instances = exportedInstances(view, service, this.opts);
    const prev = this.published.get(service);
    if (instances === undefined && (prev === undefined || prev.removed)) return;
    const { namespace, service: name } = parseResourceName(service);
    const msg: ExportMessage = { v: 1, cluster, peer, namespace, service: name, removed: instances === undefined, instances: instances ?? [] };
    const body = canonicalJson(msg);
    if (prev?.body === body) return;
    const ack = await this.js.publish(exportSubject(cluster, peer, namespace, name), encode(msg));
    this.cursor = Math.max(this.cursor, ack.seq);
    this.published.set(service, { seq: ack.seq, body, removed: msg.removed, at: Date.now() });
    this.opts.metrics.published.inc({ peer });
  }

  /**
   * Tombstones older than the retention are purged; the horizon (highest purged sequence) is
   * published first so an importer whose cursor is below it knows to resync fully.
   */
  private async purgeOldTombstones(): Promise<void> {
    const now = Date.now();
    const old = [...this.published].filter(([, p]) => p.removed && now - p.at >= this.opts.tombstoneRetentionMs);
    if (old.length === 0) return;
    const { cluster, peer } = this.opts;
    const horizon = Math.max(this.horizon, ...old.map(([, p]) => p.seq));
    const ack = await this.js.publish(horizonSubject(cluster, peer), encode({ v: 1, horizon }));
    this.horizon = horizon;
    this.cursor = Math.max(this.cursor, ack.seq);
    const jsm = await this.jsm;
    for (const [service] of old) {
      const { namespace, service: name } = parseResourceName(service);
      await jsm.streams.purge(this.stream, { filter: exportSubject(cluster, peer, namespace, name) });
      this.published.delete(service);
    }
  }

  private heartbeat(): void {
    if (this.closed) return;
    const { nc, cluster, peer, heartbeatMs } = this.opts;
    const hb: Heartbeat = { v: 1, cluster, peer, cursor: this.cursor, horizon: this.horizon, at: new Date().toISOString() };
    try {
      nc.publish(heartbeatSubject(cluster, peer), encode(hb));
    } catch (err) {
      this.opts.logger.debug({ err, peer }, 'federation: heartbeat not sent');
    }
    // Purging is also due when nothing else changes.
    if ([...this.published.values()].some((p) => p.removed)) this.scheduleFlush(0);
    this.heartbeatTimer = setTimeout(() => this.heartbeat(), heartbeatMs);
  }
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { err_code?: number; code?: number } };
  return e.api_error?.code === 404 || e.code === '404' || /not found/i.test((err as Error).message ?? '');
}
