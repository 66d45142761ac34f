// This replica's view of every instance in the cluster: a list of the instances prefix kept
// current by a store watch, re-listed whenever the store reports lost history. It answers
// cheap questions (the incarnation a heartbeat names, instances per service for the cap,
// gauges) and reports every deletion, which is how expiries are detected. The store stays the
// source of truth: anything that must be exact reads the store.
import type { Logger } from 'pino';
import { instanceRecordSchema, serviceName, type InstanceHealth, type InstanceRecord } from '../../lib/model/instance.js';
import type { Store, Watch, WatchEvent } from '../../lib/store/store.js';
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
  private entries = new Map<string, ViewEntry>();
  /** `<namespace>/<service>` → live instances, kept with `entries`. */
  private perService = new Map<string, number>();
  private watch: Watch | undefined;
  private closed = false;
  private syncing: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Store revision the view reflects. */
  revision = 0;
  synced = false;

  constructor(private readonly opts: InstanceViewOptions) {}

  /** First listing and watch; rejects (UnavailableError) if the store cannot be reached. */
  async start(): Promise<void> {
    await this.sync();
  }

  get(key: string): ViewEntry | undefined {
    return this.entries.get(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Live instances of `<namespace>/<service>`. */
  countOf(namespace: string, service: string): number {
    return this.perService.get(serviceName(namespace, service)) ?? 0;
  }

  countsByServiceAndHealth(): Map<string, Map<InstanceHealth, number>> {
    const out = new Map<string, Map<InstanceHealth, number>>();
    for (const { record } of this.entries.values()) {
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
    const w = this.watch;
    this.watch = undefined;
    await w?.close();
  }

  /** List, report what vanished since the last listing, then watch from the listing on. */
  private sync(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const { store, call, prefix } = this.opts;
    const listing = await call('list instances', () => store.list<unknown>(prefix));
    if (this.closed) return;
    const next = new Map<string, ViewEntry>();
    for (const kv of listing.items) {
      const record = this.decode(kv.key, kv.value);
      if (record) next.set(kv.key, { record, revision: kv.revision });
    }
    const previous = this.entries;
    this.entries = next;
    this.perService = new Map();
    for (const { record } of next.values()) this.count(record, 1);
    this.revision = listing.revision;
    for (const [key, entry] of previous) {
      if (!next.has(key)) this.opts.onRemoved({ key, prev: entry.record, revision: listing.revision, via: 'resync' });
    }
    const watch = await call('watch instances', () =>
      store.watch<unknown>(prefix, listing.revision + 1, {
        onEvents: (events) => this.apply(events),
        onResync: (reason) => this.resync(reason),
      }),
    );
    if (this.closed) {
      await watch.close();
      return;
    }
    this.watch = watch;
    this.synced = true;
  }

  private apply(events: WatchEvent<unknown>[]): void {
    if (this.closed) return;
    for (const ev of events) {
      this.revision = Math.max(this.revision, ev.revision);
      if (ev.type === 'put') {
        const record = this.decode(ev.key, ev.value);
        this.remove(ev.key);
        if (record) {
          this.entries.set(ev.key, { record, revision: ev.revision });
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
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.count(entry.record, -1);
    return entry.record;
  }

  private count(record: InstanceRecord, delta: number): void {
    const svc = serviceName(record.namespace, record.service);
    const n = (this.perService.get(svc) ?? 0) + delta;
    if (n > 0) this.perService.set(svc, n);
    else this.perService.delete(svc);
  }

  /** History was lost: re-list until the store answers, with backoff. */
  private resync(reason: string): void {
    if (this.closed) return;
    this.synced = false;
    this.watch = undefined;
    this.opts.logger.warn({ reason }, 'instance watch lost history; re-listing');
    const backoff = new Backoff({ initialMs: 100, maxMs: 3000 });
    const attempt = async (): Promise<void> => {
      while (!this.closed) {
        try {
          await this.sync();
          this.opts.logger.info({ revision: this.revision, instances: this.entries.size }, 'instance view re-synced');
          return;
        } catch (err) {
          const delay = backoff.next();
          this.opts.logger.warn({ err, retryInMs: delay }, 'instance view re-list failed; retrying');
          await sleep(delay, this.abort.signal);
        }
      }
    };
    void attempt();
  }

  private decode(key: string, value: unknown): InstanceRecord | undefined {
    const parsed = instanceRecordSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    registryMetrics.malformedRecords.inc();
    this.opts.logger.error({ key, issues: parsed.error.issues.slice(0, 5) }, 'ignoring a malformed instance record');
    return undefined;
  }
}
