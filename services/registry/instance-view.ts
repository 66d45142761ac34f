// This replica's view of every instance in the cluster: a list of the instances prefix kept
// current by a store watch (lib/watch's list-watch), re-listed whenever the store reports lost
// history, and again with backoff until such a re-listing succeeds. It answers
// cheap questions (the incarnation a heartbeat names, instances per service for the cap,
// gauges) and reports every deletion, which is how expiries are detected. The store stays the
// source of truth: anything that must be exact reads the store.
import type { Logger } from 'pino';
import { instanceRecordSchema, serviceName, type InstanceHealth, type InstanceRecord } from '../../lib/model/instance.js';
import type { ListResult, Store, WatchEvent } from '../../lib/store/store.js';
import { ListWatch } from '../../lib/watch/list-watch.js';
import { Backoff, sleep } from '../../lib/registry-client/backoff.js';
import { registryMetrics } from './metrics.js';
import type { StoreCall } from '../../lib/grpc/edge/index.js';

export interface ViewEntry {
  record: InstanceRecord;
  /** Store revision of the record's last change. */
  revision: number;
}

export interface Removal {
  key: string;
  /** The last record seen under the key (from the view, or the store's previous value). */
  prev: InstanceRecord | undefined;
  /** The deletion's store revision, or the re-listing's when it was found by a resync. */
  revision: number;
  via: 'watch' | 'resync';
}

export interface InstanceViewOptions {
  store: Store;
  call: StoreCall;
  /** The cluster's instances prefix. */
  prefix: string;
  logger: Logger;
  onRemoved: (removal: Removal) => void;
}

export class InstanceView {
  private entryMap = new Map<string, ViewEntry>();
  /** `<namespace>/<service>` → live instances, kept with `entries`. */
  private perService = new Map<string, number>();
  private readonly listWatch: ListWatch<unknown, 'retry'>;
  private closed = false;
  /** Set while a lost watch is being re-listed after a failed attempt. */
  private backoff: Backoff | undefined;
  private readonly abort = new AbortController();
  /** Store revision the view reflects. */
  revision = 0;

  constructor(private readonly opts: InstanceViewOptions) {
    this.listWatch = new ListWatch<unknown, 'retry'>({
      store: opts.store,
      prefix: opts.prefix,
      call: (op, fn) => opts.call(op === 'list' ? 'list instances' : 'watch instances', fn),
      logger: opts.logger,
      handler: {
        onSnapshot: (listing) => this.replace(listing),
        onChanges: (events) => this.apply(events),
        onResynced: ({ reason }) => this.resynced(reason),
        onError: (err, reason) => this.retry(err, reason),
      },
    });
  }

  /** First listing and watch; rejects (UnavailableError) if the store cannot be reached. */
  async start(): Promise<void> {
    await this.listWatch.start();
  }

  /** Listed and watching: false from a lost history until the re-listing succeeds. */
  get synced(): boolean {
    return this.listWatch.watching;
  }

  get(key: string): ViewEntry | undefined {
    return this.entryMap.get(key);
  }

  entries(): IterableIterator<[string, ViewEntry]> {
    return this.entryMap.entries();
  }

  get size(): number {
    return this.entryMap.size;
  }

  /** Live instances of `<namespace>/<service>`. */
  countOf(namespace: string, service: string): number {
    return this.perService.get(serviceName(namespace, service)) ?? 0;
  }

  countsByServiceAndHealth(): Map<string, Map<InstanceHealth, number>> {
    const out = new Map<string, Map<InstanceHealth, number>>();
    for (const { record } of this.entryMap.values()) {
      const svc = serviceName(record.namespace, record.service);
      let byHealth = out.get(svc);
      if (!byHealth) out.set(svc, (byHealth = new Map()));
      byHealth.set(record.health, (byHealth.get(record.health) ?? 0) + 1);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await this.listWatch.close();
  }

  /** A listing: the view becomes it, and whatever it no longer holds is reported removed. */
  private replace(listing: ListResult<unknown>): void {
    const next = new Map<string, ViewEntry>();
    for (const kv of listing.items) {
      const record = this.decode(kv.key, kv.value);
      if (record) next.set(kv.key, { record, revision: kv.revision });
    }
    const previous = this.entryMap;
    this.entryMap = next;
    this.perService = new Map();
    for (const { record } of next.values()) this.count(record, 1);
    this.revision = listing.revision;
    for (const [key, entry] of previous) {
      if (!next.has(key)) this.opts.onRemoved({ key, prev: entry.record, revision: listing.revision, via: 'resync' });
    }
  }

  private apply(events: WatchEvent<unknown>[]): void {
    for (const ev of events) {
      this.revision = Math.max(this.revision, ev.revision);
      if (ev.type === 'put') {
        const record = this.decode(ev.key, ev.value);
        this.remove(ev.key);
        if (record) {
          this.entryMap.set(ev.key, { record, revision: ev.revision });
          this.count(record, 1);
        }
      } else {
        const known = this.remove(ev.key);
        const prev = known ?? (ev.prevValue === undefined ? undefined : this.decode(ev.key, ev.prevValue));
        this.opts.onRemoved({ key: ev.key, prev, revision: ev.revision, via: 'watch' });
      }
    }
  }

  private remove(key: string): InstanceRecord | undefined {
    const entry = this.entryMap.get(key);
    if (!entry) return undefined;
    this.entryMap.delete(key);
    this.count(entry.record, -1);
    return entry.record;
  }

  private count(record: InstanceRecord, delta: number): void {
    const svc = serviceName(record.namespace, record.service);
    const n = (this.perService.get(svc) ?? 0) + delta;
    if (n > 0) this.perService.set(svc, n);
    else this.perService.delete(svc);
  }

  private resynced(reason: string): void {
    if (reason === 'start') return;
    this.backoff = undefined;
    this.opts.logger.info({ revision: this.revision, instances: this.entryMap.size }, 'instance view re-synced');
  }

  /** History was lost and the re-listing failed: re-list until the store answers, with backoff. */
  private retry(err: unknown, reason: string): void {
    if (this.closed || reason === 'start') return;
    this.backoff ??= new Backoff({ initialMs: 100, maxMs: 3000 });
    const delay = this.backoff.next();
    this.opts.logger.warn({ err, retryInMs: delay }, 'instance view re-list failed; retrying');
    void sleep(delay, this.abort.signal).then(async () => {
      if (!this.closed) await this.listWatch.resync('retry').catch(() => undefined);
    });
  }

  private decode(key: string, value: unknown): InstanceRecord | undefined {
    const parsed = instanceRecordSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    registryMetrics.malformedRecords.inc();
    this.opts.logger.error({ key, issues: parsed.error.issues.slice(0, 5) }, 'ignoring a malformed instance record');
    return undefined;
  }
}
