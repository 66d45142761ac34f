// The shared state behind MemoryStore clients: one in-process "server" with a revision
// counter, the keys, a bounded history ring for watches and leases with TTL timers.
// Several MemoryStore clients may share one state (MemoryStore.client()), so a lease granted
// by one client can be kept alive by another after the first is closed, as with etcd.
//
// Single-threaded: every mutation runs to completion synchronously, so revisions, history and
// watcher queues never interleave. Watch events are delivered on a later microtask, never from
// inside put/delete.
import type { Logger } from 'pino';
import { ConflictError, LeaseNotFoundError } from '../errors.js';
import { decodeValue } from './keys.js';
import type { CheckedOp } from './store-args.js';
import type { KeyValue, WatchEvent, WatchHandler } from './store.js';

interface Entry {
  /** JSON text: callers get a fresh copy on every read, never a shared object. */
  text: string;
  revision: number;
  createRevision: number;
  lease?: string;
}

interface HistoryEvent {
  type: 'put' | 'delete';
  key: string;
  revision: number;
  /** put: the new value; delete: the value before deletion. */
  text: string;
  createRevision: number;
  lease?: string;
  leaseExpired?: boolean;
}

interface Lease {
  id: string;
  ttlSeconds: number;
  keys: Set<string>;
  timer: NodeJS.Timeout;
}

export interface StateWatcher {
  readonly prefix: string;
  readonly handler: WatchHandler<unknown>;
  closed: boolean;
  queue: HistoryEvent[];
  scheduled: boolean;
}

export const DEFAULT_HISTORY_SIZE = 10_000;

export class MemoryState {
  private revision = 0;
  private readonly entries = new Map<string, Entry>();
  /** Ring of the last `historySize` events: history[start..] is live, older slots are garbage. */
  private history: HistoryEvent[] = [];
  private start = 0;
  /** Highest revision with at least one event dropped from the ring (0: nothing dropped). */
  private compactedRevision = 0;
  private readonly leases = new Map<string, Lease>();
  private nextLease = 0x1000 + Math.floor(Math.random() * 0x10000);
  private readonly watchers = new Set<StateWatcher>();

  constructor(
    private readonly historySize: number,
    private readonly logger?: Logger,
  ) {}

  currentRevision(): number {
    return this.revision;
  }

  get(key: string): KeyValue | undefined {
    const e = this.entries.get(key);
    return e && toKeyValue(key, e);
  }

  list(prefix: string): { items: KeyValue[]; revision: number } {
    const items: KeyValue[] = [];
    for (const [key, e] of this.entries) if (key.startsWith(prefix)) items.push(toKeyValue(key, e));
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, revision: this.revision };
  }

  /** Preconditions are all checked before anything changes. */
  put(key: string, text: string, expectedRevision: number | undefined, lease: string | undefined): number {
    return this.writeBatch([{ type: 'put', key, text, ...(expectedRevision !== undefined ? { expectedRevision } : {}), ...(lease !== undefined ? { lease } : {}) }]);
  }

  /** Every op or none, at one revision (Store.commit); every precondition is checked first. */
  writeBatch(ops: CheckedOp[]): number {
    for (const op of ops) {
      const prev = this.entries.get(op.key);
      if (op.expectedRevision !== undefined && (prev?.revision ?? 0) !== op.expectedRevision) {
        throw new ConflictError(op.key, op.expectedRevision, prev?.revision ?? 0);
      }
      if (op.type === 'put' && op.lease !== undefined && !this.leases.has(op.lease)) throw new LeaseNotFoundError(op.lease);
    }
    // Deleting nothing does not advance the revision (as in etcd).
    const changes = ops.filter((op) => op.type === 'put' || this.entries.has(op.key));
    if (changes.length === 0) return this.revision;
    const revision = ++this.revision;
    const events: HistoryEvent[] = [];
    for (const op of changes) {
      const prev = this.entries.get(op.key);
      if (op.type === 'delete') {
        events.push(this.removeEntry(op.key, prev!, revision, false, false));
        continue;
      }
      const { key, text, lease } = op;
      // A put without a lease detaches the key from its old lease, as etcd does.
      if (prev?.lease !== undefined && prev.lease !== lease) this.leases.get(prev.lease)?.keys.delete(key);
      if (lease !== undefined) this.leases.get(lease)?.keys.add(key);
      const entry: Entry = { text, revision, createRevision: prev?.createRevision ?? revision };
      if (lease !== undefined) entry.lease = lease;
      this.entries.set(key, entry);
      const ev: HistoryEvent = { type: 'put', key, revision, text, createRevision: entry.createRevision };
      if (lease !== undefined) ev.lease = lease;
      events.push(ev);
    }
    this.commit(events);
    return revision;
  }

  delete(key: string, expectedRevision: number | undefined): boolean {
    const prev = this.entries.get(key);
    if (expectedRevision !== undefined && (prev?.revision ?? 0) !== expectedRevision) {
      throw new ConflictError(key, expectedRevision, prev?.revision ?? 0);
    }
    // Deleting nothing does not advance the revision (as in etcd).
    if (!prev) return false;
    const revision = ++this.revision;
    this.removeEntry(key, prev, revision, false);
    return true;
  }

  grantLease(ttlSeconds: number): string {
    const id = String(this.nextLease++);
    this.leases.set(id, { id, ttlSeconds, keys: new Set(), timer: this.leaseTimer(id, ttlSeconds) });
    return id;
  }

  keepAlive(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    clearTimeout(lease.timer);
    lease.timer = this.leaseTimer(id, lease.ttlSeconds);
  }

  /** Deletes the lease's keys in one revision; their delete events carry leaseExpired: true. */
  revokeLease(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    clearTimeout(lease.timer);
    this.leases.delete(id);
    if (lease.keys.size === 0) return;
    const revision = ++this.revision;
    const events: HistoryEvent[] = [];
    for (const key of [...lease.keys].sort()) {
      const prev = this.entries.get(key);
      if (prev) events.push(this.removeEntry(key, prev, revision, true, false));
    }
    this.commit(events);
  }

  addWatcher(prefix: string, fromRevision: number, handler: WatchHandler<unknown>): StateWatcher {
    const w: StateWatcher = { prefix, handler, closed: false, queue: [], scheduled: false };
    if (fromRevision <= this.compactedRevision) {
      w.closed = true;
      const reason = `history before revision ${this.compactedRevision + 1} is no longer held (watch from ${fromRevision})`;
      queueMicrotask(() => this.callHandler(() => handler.onResync(reason)));
      return w;
    }
    for (let i = this.firstIndexAtOrAfter(fromRevision); i < this.history.length; i++) {
      const ev = this.history[i]!;
      if (ev.key.startsWith(prefix)) w.queue.push(ev);
    }
    this.watchers.add(w);
    this.schedule(w);
    return w;
  }

  removeWatcher(w: StateWatcher): void {
    w.closed = true;
    w.queue = [];
    this.watchers.delete(w);
  }

  /** Drop every lease timer; the state is unusable afterwards. */
  destroy(): void {
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
    for (const w of this.watchers) this.removeWatcher(w);
  }

  private removeEntry(key: string, prev: Entry, revision: number, leaseExpired: boolean, commit = true): HistoryEvent {
    this.entries.delete(key);
    if (prev.lease !== undefined) this.leases.get(prev.lease)?.keys.delete(key);
    const ev: HistoryEvent = { type: 'delete', key, revision, text: prev.text, createRevision: prev.createRevision };
    if (leaseExpired) ev.leaseExpired = true;
    if (commit) this.commit([ev]);
    return ev;
  }

  private leaseTimer(id: string, ttlSeconds: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.revokeLease(id), ttlSeconds * 1000);
    // A lease alone must not keep the process alive (the same holds for a remote store).
    timer.unref();
    return timer;
  }

  private commit(events: HistoryEvent[]): void {
    for (const ev of events) this.history.push(ev);
    const live = this.history.length - this.start;
    if (live > this.historySize) {
      const drop = live - this.historySize;
      this.compactedRevision = this.history[this.start + drop - 1]!.revision;
      this.start += drop;
      if (this.start >= this.historySize) {
        this.history = this.history.slice(this.start);
        this.start = 0;
      }
    }
    for (const w of this.watchers) {
      let added = false;
      for (const ev of events) {
        if (ev.key.startsWith(w.prefix)) {
          w.queue.push(ev);
          added = true;
        }
      }
      if (added) this.schedule(w);
    }
  }

  private firstIndexAtOrAfter(revision: number): number {
    let lo = this.start;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.revision < revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private schedule(w: StateWatcher): void {
    if (w.scheduled || w.queue.length === 0) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      if (w.closed || w.queue.length === 0) return;
      const batch = w.queue;
      w.queue = [];
      const events = batch.map(toWatchEvent);
      this.callHandler(() => w.handler.onEvents(events));
    });
  }

  /** A throwing handler is the caller's bug: log it, never let it break the store. */
  private callHandler(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger?.error({ err }, 'store watch handler threw');
    }
  }
}

function toKeyValue(key: string, e: Entry): KeyValue {
  const kv: KeyValue = { key, value: decodeValue(e.text), revision: e.revision, createRevision: e.createRevision };
  if (e.lease !== undefined) kv.lease = e.lease;
  return kv;
}

function toWatchEvent(ev: HistoryEvent): WatchEvent {
  if (ev.type === 'put') {
    const out: WatchEvent = {
      type: 'put',
      key: ev.key,
      value: decodeValue(ev.text),
      revision: ev.revision,
      createRevision: ev.createRevision,
    };
    if (ev.lease !== undefined) out.lease = ev.lease;
    return out;
  }
  const out: WatchEvent = { type: 'delete', key: ev.key, revision: ev.revision, prevValue: decodeValue(ev.text) };
  if (ev.leaseExpired) out.leaseExpired = true;
  return out;
}
