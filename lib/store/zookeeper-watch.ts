// Watches on the ZooKeeper backend: one reader of the change log per store client (LogTail),
// fanning entries out to the watches whose prefix they match.
//
// The reader keeps the log's entry names (sequential znodes, ordered by sequence number, which
// follows zxid order) and `scanZxid`: the server's zxid when it last listed the log; every entry
// with a czxid up to it has been delivered. Each pass lists the log (re-arming the child watch),
// reads `trimmedUpTo` from the log node, and reads only the new entries. If the log was trimmed
// past scanZxid, entries this client never saw may be gone: every watch gets onResync. A new
// watch from revision R replays the retained entries with czxid >= R, then joins the live
// fan-out in the same serialized step, so nothing is missed or repeated. R <= trimmedUpTo means
// its history is gone: onResync.
//
// Deliberately conservative: when the session expires, every watch gets onResync (the DESIGN's
// "history lost" signal for ZooKeeper), although the log itself would still allow resuming.
import type { Event as ZkEvent } from 'node-zookeeper-client';
import { PlexusError, UnavailableError } from '../errors.js';
import type { Watch, WatchEvent, WatchHandler } from './store.js';
import { childPath, decodeLogEntry, decodeTrimmedUpTo, long, LOG_DIR, sequenceOf, sortBySequence, splitKeyData, type LogEntry } from './zookeeper-codec.js';
import type { ZkConnection } from './zookeeper-connection.js';
import type { Deadline } from './zookeeper-ops.js';
import { deadline, type ZkContext } from './zookeeper-kv.js';

interface IndexEntry {
  name: string;
  seq: number;
  /** Known once read; entries that predate the reader are probed on demand. */
  czxid?: number;
}

interface Sub {
  prefix: string;
  from: number;
  handler: WatchHandler<unknown>;
  closed: boolean;
  queue: Array<WatchEvent[] | { resync: string }>;
  flushing: boolean;
}

/** Entries read concurrently during a replay or a pass. */
const READ_BATCH = 256;
const RETRY_MS = 500;

export class LogTail {
  private readonly subs = new Set<Sub>();
  private index: IndexEntry[] = [];
  /** -1: not reading (no watch, or the session was lost). */
  private scanZxid = -1;
  private trimmedUpTo = 0;
  private generation = -1;
  private dirty = false;
  private passQueued = false;
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly conn: ZkConnection;

  constructor(private readonly ctx: ZkContext) {
    this.conn = ctx.conn;
    this.conn.onConnected(() => this.kick());
    this.conn.onSessionExpired(() => this.sessionLost());
  }

  async watch(prefix: string, from: number, handler: WatchHandler<unknown>): Promise<Watch> {
    const sub: Sub = { prefix, from, handler, closed: false, queue: [], flushing: false };
    await this.serial(async () => {
      if (this.closed) throw new UnavailableError('the ZooKeeper store client is closed');
      // An idle reader's index is stale (no passes without watches): start over.
      if (this.subs.size === 0 || this.scanZxid < 0 || this.generation !== this.conn.generation) this.reset();
      await this.scan(deadline(this.ctx));
      if (from <= this.trimmedUpTo) return this.resync(sub, `history before revision ${this.trimmedUpTo + 1} was trimmed from the change log`);
      const generation = this.conn.generation;
      const events = await this.replay(sub);
      if (events === undefined) return this.resync(sub, 'the change log was trimmed during the replay');
      if (events.length > 0) this.deliver(sub, events);
      // The session expired during the replay: its log watch is gone, like every other watch's.
      if (generation !== this.conn.generation || this.scanZxid < 0) return this.resync(sub, 'the ZooKeeper session expired');
      this.subs.add(sub);
    });
    return {
      close: async () => {
        sub.closed = true;
        sub.queue.length = 0;
        this.subs.delete(sub);
      },
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const sub of this.subs) {
      sub.closed = true;
      sub.queue.length = 0;
    }
    this.subs.clear();
  }

  /** Runs steps one at a time: passes and watch starts never interleave. */
  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private readonly onLogChanged = (_e: ZkEvent): void => this.kick();

  /** Something may have been appended (a notification, a reconnect): read the log again. */
  private kick(): void {
    if (this.closed || this.scanZxid < 0 || this.subs.size === 0) return;
    this.dirty = true;
    if (this.passQueued) return;
    this.passQueued = true;
    void this.serial(async () => {
      this.passQueued = false;
      while (this.dirty && !this.closed && this.scanZxid >= 0 && this.subs.size > 0) {
        this.dirty = false;
        try {
          await this.scan(deadline(this.ctx));
        } catch (err) {
          this.ctx.logger?.warn({ err }, 'reading the ZooKeeper change log failed; will retry');
          this.dirty = true;
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.kick(), RETRY_MS);
          return;
        }
      }
    });
  }

  private reset(): void {
    this.index = [];
    this.scanZxid = -1;
    this.generation = this.conn.generation;
  }

  private sessionLost(): void {
    for (const sub of [...this.subs]) this.resync(sub, 'the ZooKeeper session expired');
    this.scanZxid = -1;
  }

  /**
   * One pass: list the log, check for a gap, read and deliver the new entries. The first pass
   * only indexes what is there (history, replayed on demand).
   */
  private async scan(d: Deadline): Promise<void> {
    const generation = this.conn.generation;
    // Pipelined: the server answers in order, so trimmedUpTo is read after the listing.
    const [listed, early] = await Promise.all([this.conn.getChildren(d, LOG_DIR, this.onLogChanged), this.conn.getData(d, LOG_DIR)]);
    // (Unless a retry after a lost connection reordered them: then read it again.)
    const meta = early.zxid < listed.zxid ? await this.conn.getData(d, LOG_DIR) : early;
    if (generation !== this.conn.generation) throw new UnavailableError('the ZooKeeper session changed during a log read');
    const trimmed = decodeTrimmedUpTo(meta.node?.data);
    const names = listed.node?.children ?? [];
    const first = this.scanZxid < 0;
    if (!first && trimmed > this.scanZxid) {
      for (const sub of [...this.subs]) this.resync(sub, 'the change log was trimmed past what this client had read');
      this.trimmedUpTo = trimmed;
      this.rebuild(names, []);
      this.scanZxid = listed.zxid;
      return;
    }
    this.trimmedUpTo = trimmed;
    const known = new Set(this.index.map((e) => e.name));
    const fresh = first ? [] : sortBySequence(names.filter((n) => !known.has(n)));
    const read = await this.readEntries(fresh);
    if (read === undefined) {
      for (const sub of [...this.subs]) this.resync(sub, 'the change log was trimmed before this client read it');
      this.rebuild(names, []);
      this.scanZxid = listed.zxid;
      return;
    }
    const perSub = new Map<Sub, WatchEvent[] | undefined>();
    for (const sub of this.subs) perSub.set(sub, await this.eventsFor(sub, read));
    // The session expired meanwhile: sessionLost() has resynced the watches; deliver nothing.
    if (generation !== this.conn.generation) throw new UnavailableError('the ZooKeeper session changed during a log read');
    for (const [sub, events] of perSub) {
      if (events === undefined) this.resync(sub, 'a large value was overwritten before this client could read it');
      else if (events.length > 0) this.deliver(sub, events);
    }
    this.rebuild(names, read);
    this.scanZxid = listed.zxid;
  }

  private rebuild(names: string[], read: ReadEntry[]): void {
    const czxids = new Map(this.index.map((e) => [e.name, e.czxid]));
    for (const r of read) czxids.set(r.name, r.czxid);
    this.index = sortBySequence(names).map((name) => ({ name, seq: sequenceOf(name) ?? 0, czxid: czxids.get(name) }));
  }

  /** Events for a new watch from the retained log; undefined when part of it is already gone. */
  private async replay(sub: Sub): Promise<WatchEvent[] | undefined> {
    if (sub.from > this.scanZxid) return [];
    const start = await this.firstAtOrAfter(sub.from);
    const read = await this.readEntries(this.index.slice(start).map((e) => e.name));
    if (read === undefined) return undefined;
    // An entry trimmed just before the probes could have been skipped: check nothing >= from went.
    const meta = await this.conn.getData(deadline(this.ctx), LOG_DIR);
    if (sub.from <= decodeTrimmedUpTo(meta.node?.data)) return undefined;
    return this.eventsFor(sub, read);
  }

  /** Binary search for the first indexed entry with czxid >= rev (czxids increase with sequence). */
  private async firstAtOrAfter(rev: number): Promise<number> {
    let lo = 0;
    let hi = this.index.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.index[mid]!;
      if (e.czxid === undefined) {
        const { stat } = await this.conn.exists(deadline(this.ctx), childPath(LOG_DIR, e.name));
        // A trimmed entry is older than anything retained.
        e.czxid = stat ? long(stat.czxid) : -1;
      }
      if (e.czxid >= rev) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Reads entries (in the order given); undefined if one has been trimmed meanwhile. */
  private async readEntries(names: string[]): Promise<ReadEntry[] | undefined> {
    const out: ReadEntry[] = [];
    for (let i = 0; i < names.length; i += READ_BATCH) {
      const d = deadline(this.ctx);
      const batch = await Promise.all(
        names.slice(i, i + READ_BATCH).map(async (name) => {
          const r = await this.conn.getData(d, childPath(LOG_DIR, name));
          return r.node && { name, czxid: long(r.node.stat.czxid), entry: decodeLogEntry(r.node.data) };
        }),
      );
      for (const r of batch) {
        if (!r) return undefined;
        if (!r.entry) this.ctx.logger?.warn({ entry: r.name }, 'skipping a change-log entry that is not one');
        out.push(r);
      }
    }
    return out.sort((a, b) => a.czxid - b.czxid);
  }

  /** The events of `read` for one watch; undefined when a large value can no longer be read. */
  private async eventsFor(sub: Sub, read: ReadEntry[]): Promise<WatchEvent[] | undefined> {
    const events: WatchEvent[] = [];
    for (const { czxid, entry } of read) {
      if (!entry || czxid < sub.from || !entry.k.startsWith(sub.prefix)) continue;
      const event = await this.toEvent(entry, czxid);
      if (event === undefined) return undefined;
      events.push(event);
    }
    return events;
  }

  private async toEvent(e: LogEntry, revision: number): Promise<WatchEvent | undefined> {
    if (e.t === 'del') {
      const event: WatchEvent = { type: 'delete', key: e.k, revision };
      if ('pv' in e) event.prevValue = e.pv;
      if (e.x) event.leaseExpired = true;
      return event;
    }
    let value = e.v;
    if (e.big) {
      // Too large for the log: the key still holds it only if nothing changed it since.
      const { node } = await this.conn.getData(deadline(this.ctx), e.k);
      const raw = node && splitKeyData(node.data);
      if (!node || !raw || long(node.stat.mzxid) !== revision) return undefined;
      try {
        value = JSON.parse(raw.json);
      } catch (err) {
        throw new PlexusError('INTERNAL', `the value stored at ${e.k} is not JSON`, { cause: err });
      }
    }
    const event: WatchEvent = { type: 'put', key: e.k, value, revision, createRevision: e.c ?? revision };
    if (e.l !== undefined) event.lease = e.l;
    return event;
  }

  private deliver(sub: Sub, events: WatchEvent[]): void {
    if (sub.closed) return;
    sub.queue.push(events);
    this.flushSoon(sub);
  }

  /** Closes the watch and tells its handler, after the events queued before. */
  private resync(sub: Sub, reason: string): void {
    if (sub.closed) return;
    sub.closed = true;
    this.subs.delete(sub);
    sub.queue.push({ resync: reason });
    this.flushSoon(sub);
  }

  /** Handlers run outside the reader's step, one batch at a time, in order. */
  private flushSoon(sub: Sub): void {
    if (sub.flushing) return;
    sub.flushing = true;
    setImmediate(() => {
      sub.flushing = false;
      for (let item = sub.queue.shift(); item !== undefined; item = sub.queue.shift()) {
        try {
          if (Array.isArray(item)) sub.handler.onEvents(item);
          else sub.handler.onResync(item.resync);
        } catch (err) {
          this.ctx.logger?.error({ err, prefix: sub.prefix }, 'a watch handler threw');
        }
      }
    });
  }
}

interface ReadEntry {
  name: string;
  czxid: number;
  entry: LogEntry | undefined;
}
