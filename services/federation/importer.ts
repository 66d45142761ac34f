// Imports what one peer exports to this cluster. The cursor is the peer stream's sequence of
// the last message applied; it is kept in this cluster's store (import-keys.ts), written after
// the import it covers, so a restart re-applies at most a few messages (each carries a whole
// service state: applying one twice changes nothing).
//   - Session: stream info → resume from cursor + 1, or a full resync from the start of the
//     stream when there is no cursor, the cursor is above the stream's last sequence (the
//     stream was reset) or below the exporter's horizon (tombstones it needed were purged).
//     A full resync deletes every import of the peer that the stream no longer mentions.
//   - Heartbeats carry the exporter's cursor. Ahead of ours with nothing delivered for
//     stallAfterMs: the consumer is re-created from our cursor (a link that looks connected but
//     delivers nothing is repaired without a restart).
//   - No heartbeat for staleAfterMs: the link is down, imports are rewritten stale; for
//     stalenessWindowMs: they are dropped (and the next session resyncs fully). A heartbeat
//     after a stale period re-creates the consumer from the cursor.
// Every peer message is refused unless it decodes, fits maxMessageBytes and names this peer,
// this cluster and the subject it came on; refusals are counted and advance the cursor (a bad
// message must not wedge the link), and nothing of it is written.
import type { JsMsg, NatsConnection, Subscription } from 'nats';
import { DeliverPolicy } from 'nats';
import type { Logger } from 'pino';
import { isPlexusError } from '../../lib/errors.js';
import type { ImportRecord } from '../../lib/model/import-record.js';
import type { Store } from '../../lib/store/store.js';
import type { FederationOptions, PeerConfig } from './config.js';
import { isNotFound } from './exporter.js';
import {
  decodePeerMessage,
  exportMessageSchema,
  exportSubject,
  heartbeatSchema,
  heartbeatSubject,
  horizonMessageSchema,
  horizonSubject,
  streamName,
  type Refusal,
} from './federation-wire.js';
import { cursorKey, importKey, importsPrefix, type StoredCursor } from './import-keys.js';
import type { FederationMetrics } from './metrics.js';

export interface PeerImporterOptions {
  nc: NatsConnection;
  store: Store;
  cluster: string;
  peer: PeerConfig;
  options: FederationOptions;
  logger: Logger;
  metrics: FederationMetrics;
  /** The last heartbeat this replica saw before it took the link (a takeover is not an outage). */
  lastHeartbeat?: () => { at: number; cursor: number } | undefined;
}

export interface ImportStatus {
  peer: string;
  cursor: number;
  exporterCursor: number;
  /** ms since the last heartbeat; undefined if none arrived since this replica took the link. */
  heartbeatAgeMs: number | undefined;
  stale: boolean;
  connected: boolean;
  services: Array<{ namespace: string; service: string; instances: number; sequence: number; stale: boolean }>;
}

const MAX_HEARTBEAT_BYTES = 4096;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

type FullReason = 'no-cursor' | 'stream-reset' | 'cursor-too-old' | 'after-drop';

export class PeerImporter {
  private cursor = 0;
  /** Creation time of the peer stream the cursor belongs to ('' = unknown). */
  private cursorStream = '';
  private exporterCursor = 0;
  private readonly records = new Map<string, ImportRecord>();
  private lastHeartbeatAt: number | undefined;
  private readonly startedAt = Date.now();
  private lastProgressAt = Date.now();
  private stale = false;
  private dropped = false;
  /** A full resync started and not finished: the next session starts over. */
  private pendingFull: FullReason | undefined;
  private connected = false;
  private closed = false;
  private heartbeats: Subscription | undefined;
  private stopSession: (() => void) | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  /** Store writes, one at a time in arrival order. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: PeerImporterOptions) {}

  private get peer(): string {
    return this.opts.peer.name;
  }

  async start(): Promise<void> {
    const { store, cluster } = this.opts;
    const stored = await store.get<StoredCursor>(cursorKey(cluster, this.peer));
    const { sequence, stream } = (stored?.value ?? {}) as Partial<StoredCursor>;
    this.cursor = typeof sequence === 'number' && Number.isInteger(sequence) && sequence >= 0 ? sequence : 0;
    this.cursorStream = typeof stream === 'string' ? stream : '';
    const listing = await store.list<ImportRecord>(importsPrefix(cluster, this.peer));
    for (const item of listing.items) this.records.set(item.key, item.value);
    this.stale = [...this.records.values()].some((r) => r.stale);
    this.updateGauges();
    const seen = this.opts.lastHeartbeat?.();
    if (seen) {
      this.lastHeartbeatAt = seen.at;
      this.exporterCursor = seen.cursor;
    }
    this.heartbeats = this.opts.nc.subscribe(heartbeatSubject(this.peer, cluster), { callback: (err, msg) => !err && this.onHeartbeat(msg.data) });
    this.checkTimer = setInterval(() => this.checkLiveness(), Math.min(250, this.opts.options.heartbeatMs));
    this.running = this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.checkTimer);
    this.heartbeats?.unsubscribe();
    this.stopSession?.();
    this.wake?.();
    await this.running;
    await this.writes.catch(() => undefined);
    this.opts.metrics.cursor.remove({ peer: this.peer });
  }

  status(): ImportStatus {
    return {
      peer: this.peer,
      cursor: this.cursor,
      exporterCursor: this.exporterCursor,
      heartbeatAgeMs: this.lastHeartbeatAt === undefined ? undefined : Date.now() - this.lastHeartbeatAt,
      stale: this.stale,
      connected: this.connected,
      services: [...this.records.values()]
        .map((r) => ({ namespace: r.namespace, service: r.service, instances: r.instances.length, sequence: r.sequence, stale: r.stale }))
        .sort((a, b) => `${a.namespace}/${a.service}`.localeCompare(`${b.namespace}/${b.service}`)),
    };
  }

  // ------------------------------------------------------------------ sessions

  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.closed) {
      try {
        await this.session();
        delay = RETRY_MIN_MS;
      } catch (err) {
        if (this.closed) break;
        this.opts.logger.debug({ err, peer: this.peer }, 'federation: import session failed; retrying');
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      } finally {
        this.connected = false;
        this.stopSession = undefined;
      }
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay * (0.5 + Math.random() / 2));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async session(): Promise<void> {
    const { nc, cluster, peer, metrics } = this.opts;
    const domain = peer.domain ?? peer.name;
    const stream = streamName(this.peer, cluster);
    const jsm = await nc.jetstreamManager({ domain, timeout: 2000 });
    const info = await jsm.streams.info(stream);
    let horizon = 0;
    try {
      const hm = await jsm.streams.getMessage(stream, { last_by_subj: horizonSubject(this.peer, cluster) });
      const h = decodePeerMessage(hm.data, 1024, horizonMessageSchema);
      if (h.ok) horizon = h.value.horizon;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    let full: FullReason | undefined = this.pendingFull;
    if (full) {
      // An unfinished full resync starts over.
    } else if (this.dropped) full = 'after-drop';
    else if (this.cursor === 0) full = 'no-cursor';
    else if (this.cursor > info.state.last_seq || (this.cursorStream !== '' && this.cursorStream !== info.created)) full = 'stream-reset';
    else if (this.cursor < horizon) full = 'cursor-too-old';
    this.cursorStream = info.created;
    if (full) {
      this.pendingFull = full;
      this.cursor = 0;
      metrics.fullResyncs.inc({ peer: this.peer, reason: full });
      this.opts.logger.info({ peer: this.peer, reason: full, cursor: this.cursor, last: info.state.last_seq, horizon }, 'federation: full resync from the peer stream');
    } else {
      metrics.resumes.inc({ peer: this.peer });
      this.opts.logger.info({ peer: this.peer, cursor: this.cursor, last: info.state.last_seq }, 'federation: resuming from the cursor');
    }
    const seen = full ? new Set<string>() : undefined;
    const js = nc.jetstream({ domain, timeout: 2000 });
    const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: full ? 1 : this.cursor + 1 });
    const messages = await consumer.consume({ max_messages: 256 });
    // Messages already buffered when the session is stopped must not be applied: the next
    // session starts from the cursor and would apply them a second time.
    let stopped = false;
    this.stopSession = () => {
      stopped = true;
      messages.stop();
    };
    if (this.closed) this.stopSession();
    this.connected = true;
    this.lastProgressAt = Date.now();
    let resyncing = seen !== undefined;
    if (resyncing && info.state.messages === 0) {
      await this.enqueue(() => this.finishFullResync(seen!, info.state.last_seq));
      resyncing = false;
    }
    for await (const m of messages) {
      if (stopped) break;
      await this.enqueue(() => this.apply(m, resyncing ? seen : undefined));
      if (resyncing && m.info.pending === 0) {
        await this.enqueue(() => this.finishFullResync(seen!, m.seq));
        resyncing = false;
      }
    }
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.writes.then(fn);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private restartSession(reason: string): void {
    this.opts.metrics.repairs.inc({ peer: this.peer, reason });
    this.opts.logger.warn({ peer: this.peer, reason, cursor: this.cursor, exporterCursor: this.exporterCursor }, 'federation: re-creating the import consumer');
    this.lastProgressAt = Date.now();
    this.stopSession?.();
    this.wake?.();
  }

  // ------------------------------------------------------------------ applying

  private async apply(m: JsMsg, seen: Set<string> | undefined): Promise<void> {
    const { cluster, store, options, metrics } = this.opts;
    if (m.subject === horizonSubject(this.peer, cluster)) {
      await this.advance(m.seq);
      return;
    }
    const decoded = decodePeerMessage(m.data, options.maxMessageBytes, exportMessageSchema);
    if (!decoded.ok) return this.refuse(m.seq, decoded.refusal, decoded.detail);
    const msg = decoded.value;
    if (msg.cluster !== this.peer || msg.peer !== cluster || m.subject !== exportSubject(this.peer, cluster, msg.namespace, msg.service)) {
      return this.refuse(m.seq, 'mismatch', `message of ${msg.cluster}→${msg.peer} for ${msg.namespace}/${msg.service} on ${m.subject}`);
    }
    if (msg.instances.some((i) => i.cluster !== this.peer)) return this.refuse(m.seq, 'mismatch', 'an instance claims another cluster');
    const key = importKey(cluster, this.peer, msg.namespace, msg.service);
    if (msg.removed) {
      await store.delete(key);
      this.records.delete(key);
    } else {
      const record: ImportRecord = {
        peer: this.peer,
        namespace: msg.namespace,
        service: msg.service,
        priority: this.opts.peer.priority,
        stale: false,
        instances: msg.instances,
        sequence: m.seq,
        importedAt: new Date().toISOString(),
      };
      await store.put(key, record);
      this.records.set(key, record);
      seen?.add(key);
    }
    metrics.applied.inc({ peer: this.peer });
    await this.advance(m.seq);
  }

  private async refuse(seq: number, reason: Refusal, detail: string): Promise<void> {
    this.opts.metrics.refused.inc({ peer: this.peer, reason });
    this.opts.logger.warn({ peer: this.peer, seq, reason, detail }, 'federation: peer message refused');
    await this.advance(seq);
  }

  private async advance(seq: number): Promise<void> {
    if (seq <= this.cursor) return;
    this.cursor = seq;
    this.lastProgressAt = Date.now();
    const value: StoredCursor = { sequence: seq, stream: this.cursorStream, updatedAt: new Date().toISOString() };
    await this.opts.store.put(cursorKey(this.opts.cluster, this.peer), value);
    this.updateGauges();
  }

  /** The stream has been read to `lastSeq`: imports it did not mention are gone at the peer. */
  private async finishFullResync(seen: Set<string>, lastSeq: number): Promise<void> {
    for (const key of [...this.records.keys()]) {
      if (seen.has(key)) continue;
      await this.opts.store.delete(key);
      this.records.delete(key);
    }
    this.dropped = false;
    this.pendingFull = undefined;
    await this.advance(lastSeq);
    this.updateGauges();
  }

  // ------------------------------------------------------------------ liveness

  private onHeartbeat(data: Uint8Array): void {
    const { cluster, metrics } = this.opts;
    const hb = decodePeerMessage(data, MAX_HEARTBEAT_BYTES, heartbeatSchema);
    if (!hb.ok) {
      metrics.refused.inc({ peer: this.peer, reason: hb.refusal });
      return;
    }
    if (hb.value.cluster !== this.peer || hb.value.peer !== cluster) {
      metrics.refused.inc({ peer: this.peer, reason: 'mismatch' });
      return;
    }
    const now = Date.now();
    this.lastHeartbeatAt = now;
    this.exporterCursor = hb.value.cursor;
    if (this.stale) {
      // The link is back: un-mark what we hold and re-create the consumer from the cursor.
      this.stale = false;
      void this.enqueue(() => this.rewriteStale(false)).catch((err: unknown) => this.opts.logger.warn({ err, peer: this.peer }, 'federation: could not un-mark stale imports'));
      this.restartSession('link-returned');
      return;
    }
    if (hb.value.cursor <= this.cursor) this.lastProgressAt = now;
    // Only a session that is up can stall: one still being set up (slow across the link on a
    // loaded box) would otherwise be torn down again and again.
    else if (this.connected && now - this.lastProgressAt > this.opts.options.stallAfterMs) this.restartSession('stalled');
  }

  private checkLiveness(): void {
    const { staleAfterMs, stalenessWindowMs } = this.opts.options;
    const age = Date.now() - (this.lastHeartbeatAt ?? this.startedAt);
    if (age > staleAfterMs && !this.stale) {
      this.stale = true;
      this.opts.metrics.staleMarks.inc({ peer: this.peer });
      this.opts.logger.warn({ peer: this.peer, heartbeatAgeMs: age }, 'federation: peer link down; imports kept, marked stale');
      void this.enqueue(() => this.rewriteStale(true)).catch((err: unknown) => this.opts.logger.warn({ err, peer: this.peer }, 'federation: could not mark imports stale'));
    }
    if (age > stalenessWindowMs && this.records.size > 0 && !this.dropped) {
      this.dropped = true;
      this.opts.metrics.drops.inc({ peer: this.peer });
      this.opts.logger.warn({ peer: this.peer, heartbeatAgeMs: age }, 'federation: peer link down past the staleness window; imports dropped');
      void this.enqueue(() => this.dropAll()).catch((err: unknown) => this.opts.logger.warn({ err, peer: this.peer }, 'federation: could not drop imports'));
    }
  }

  private async rewriteStale(stale: boolean): Promise<void> {
    for (const [key, r] of [...this.records]) {
      if (r.stale === stale || this.records.get(key) !== r) continue;
      const next = { ...r, stale };
      await this.opts.store.put(key, next);
      this.records.set(key, next);
    }
  }

  private async dropAll(): Promise<void> {
    for (const key of [...this.records.keys()]) {
      try {
        await this.opts.store.delete(key);
      } catch (err) {
        if (!isPlexusError(err, 'NOT_FOUND')) throw err;
      }
      this.records.delete(key);
    }
    this.updateGauges();
  }

  private updateGauges(): void {
    this.opts.metrics.cursor.set({ peer: this.peer }, this.cursor);
    this.opts.metrics.imported.set({ peer: this.peer }, this.records.size);
  }
}
