// Keeps a MeshView equal to its sources. A source is one store prefix with its own revision
// space and cursor: today the cluster's own prefix (clusterSource); later, state imported from
// federation peers (`imports/<peer>/...`), each re-listed and watched on its own. Per source,
// three paths feed the view, each applied by revision so their order and overlap do not matter
// (see mesh-view.ts):
//   1. a listing of the prefix (start-up, and re-listing) — lib/watch/list-watch.ts;
//   2. a store watch from the listing's revision — ordered and complete; it advances the
//      target's completeRevision, and a lost history triggers a re-list (also list-watch.ts);
//   3. bus events — the fast path, often ahead of the watch; a gap the bus reports (sequence
//      jump, reconnect, slow consumer) triggers a re-list of that source.
// A periodic anti-entropy pass re-lists every source and counts what differed, so the view
// converges even if every notification path failed silently (e.g. a writer died between its
// store write and its publish while the watch was down).
// The watch can be turned off (events + re-lists + anti-entropy only), which tests use to
// show the event path converges on its own.
import type { Logger } from 'pino';
import type { EventBus, Subscription } from '../bus/bus.js';
import type { Envelope } from '../bus/envelope.js';
import { clusterPrefix } from '../store/keys.js';
import type { Store, WatchEvent } from '../store/store.js';
import { ListWatch } from '../watch/list-watch.js';
import { changeFromEvent, type EventChange } from './mesh-events.js';
import type { ApplyOutcome, ChangeSource, MeshView } from './mesh-view.js';

export type RelistReason = 'start' | 'bus-gap' | 'watch-resync' | 'anti-entropy' | 'event-refetch' | 'retry' | 'rollout';

/** Where a source's state lands; the MeshView is the target of the cluster's own source. */
export interface MeshSyncTarget {
  /** Apply a complete listing; returns how many keys differed. */
  reconcile(items: ReadonlyArray<{ key: string; value: unknown; revision: number }>, listRevision: number): number;
  put(key: string, raw: unknown, revision: number, source: ChangeSource): ApplyOutcome;
  delete(key: string, revision: number, source: ChangeSource): ApplyOutcome;
  /** The ordered store watch has delivered everything up to `revision`. */
  advanceComplete(revision: number): void;
}

export interface MeshSyncSource {
  /** Unique among the sources: `local` for the cluster's own prefix, later `imports/<peer>`. */
  id: string;
  store: Store;
  prefix: string;
  target: MeshSyncTarget;
  /** Fast notifications for this source; omit to run from the store alone. */
  events?: { bus: EventBus; patterns: string[]; change: (env: Envelope) => EventChange };
}

/** The cluster's own instances and policies: its prefix, its bus events, applied to the view. */
export function clusterSource<P>(view: MeshView<P>, store: Store, bus?: EventBus): MeshSyncSource {
  return {
    id: 'local',
    store,
    prefix: clusterPrefix(view.cluster),
    target: view,
    ...(bus ? { events: { bus, patterns: ['instance.*', 'policy.*'], change: (env: Envelope) => changeFromEvent(view.cluster, env) } } : {}),
  };
}

export interface MeshViewSyncOptions {
  sources: MeshSyncSource[];
  logger: Logger;
  /** Use a store watch (default true). */
  watch?: boolean;
  /** Anti-entropy period; 0 disables. Each pass is jittered by up to 20%. */
  antiEntropyMs: number;
  /** Hooks for metrics. */
  onRelist?: (reason: RelistReason, repaired: number, durationMs: number, source: string) => void;
  onEvent?: (source: 'bus' | 'watch', outcome: string, sourceId: string) => void;
}

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

export class MeshViewSync {
  private readonly opts: MeshViewSyncOptions;
  private readonly syncs: SourceSync[];
  private antiEntropyTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(opts: MeshViewSyncOptions) {
    if (new Set(opts.sources.map((s) => s.id)).size !== opts.sources.length) throw new Error('mesh sync source ids must be unique');
    this.opts = opts;
    this.syncs = opts.sources.map((source) => new SourceSync(source, opts, () => this.closed));
  }

  /** Every source has a running store watch. */
  get watching(): boolean {
    return this.syncs.every((s) => s.listWatch.watching);
  }

  /** A source's last re-list failed (store unreachable); the view is served as it was. */
  get lastError(): unknown {
    return this.syncs.find((s) => s.lastError !== undefined)?.lastError;
  }

  /** Per source: the highest revision applied in order (its resume point). */
  cursors(): Record<string, number> {
    return Object.fromEntries(this.syncs.map((s) => [s.source.id, s.listWatch.revision]));
  }

  /**
   * Subscribe to events, list, and watch, source by source. Rejects if a first listing fails
   * (the store is unreachable); everything after that retries on its own.
   */
  async start(): Promise<void> {
    for (const s of this.syncs) await s.start();
    this.scheduleAntiEntropy();
  }

  /** Re-list every source now (coalesced with one already running). Never rejects. */
  relist(reason: RelistReason): void {
    for (const s of this.syncs) s.relist(reason);
  }

  /** Resolves when no re-list is running or queued. */
  async settled(): Promise<void> {
    await Promise.all(this.syncs.map((s) => s.listWatch.settled()));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.antiEntropyTimer);
    await Promise.all(this.syncs.map((s) => s.close()));
  }

  private scheduleAntiEntropy(): void {
    const period = this.opts.antiEntropyMs;
    if (this.closed || period <= 0) return;
    const delay = Math.round(period * (0.8 + Math.random() * 0.2));
    this.antiEntropyTimer = setTimeout(() => {
      this.relist('anti-entropy');
      this.scheduleAntiEntropy();
    }, delay);
    this.antiEntropyTimer.unref();
  }
}

/** One source: its list-watch (cursor), bus subscriptions and retry backoff. */
class SourceSync {
  readonly listWatch: ListWatch<unknown, RelistReason>;
  private subscriptions: Subscription[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  /** What the last listing repaired, reported once its watch is up. */
  private repaired = 0;
  lastError: unknown;

  constructor(
    readonly source: MeshSyncSource,
    private readonly opts: MeshViewSyncOptions,
    private readonly closed: () => boolean,
  ) {
    this.listWatch = new ListWatch<unknown, RelistReason>({
      store: source.store,
      prefix: source.prefix,
      watch: opts.watch !== false,
      logger: opts.logger,
      handler: {
        onSnapshot: (listing) => {
          this.repaired = source.target.reconcile(listing.items, listing.revision);
        },
        onChanges: (events) => this.onWatchEvents(events),
        onResynced: ({ reason, revision, durationMs }) => this.onRelisted(reason, revision, durationMs),
        onError: (err, reason) => this.onRelistFailed(err, reason),
      },
    });
  }

  async start(): Promise<void> {
    const { events } = this.source;
    if (events) {
      // Subscribe before listing: whatever happens between the two is in the listing or arrives
      // as an event, and both are applied by revision.
      for (const pattern of events.patterns) {
        this.subscriptions.push(
          await events.bus.subscribe(pattern, {
            onEvent: (env) => this.onBusEvent(env),
            onGap: (reason, detail) => {
              this.opts.logger.info({ reason, detail, source: this.source.id }, 'event gap: re-listing the mesh from the store');
              this.relist('bus-gap');
            },
          }),
        );
      }
    }
    await this.listWatch.start();
  }

  relist(reason: RelistReason): void {
    if (this.closed()) return;
    void this.listWatch.resync(reason).catch(() => undefined);
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.close().catch(() => undefined)));
    await this.listWatch.close();
  }

  private onRelisted(reason: RelistReason, revision: number, ms: number): void {
    const { logger } = this.opts;
    const repaired = this.repaired;
    this.lastError = undefined;
    this.retryDelay = RETRY_MIN_MS;
    this.opts.onRelist?.(reason, repaired, ms, this.source.id);
    if (repaired > 0 && reason !== 'start') {
      logger.info({ reason, repaired, revision, source: this.source.id }, 'mesh view repaired from the store');
    } else {
      logger.debug({ reason, revision, ms: Math.round(ms), source: this.source.id }, 'mesh view re-listed');
    }
  }

  private onRelistFailed(err: unknown, reason: RelistReason): void {
    this.lastError = err;
    // The first listing's failure is start()'s to report.
    if (reason === 'start') return;
    this.opts.logger.warn({ err, reason, retryInMs: this.retryDelay, source: this.source.id }, 'mesh view re-list failed; serving the last view and retrying');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed() || this.retryTimer) return;
    const delay = Math.round(this.retryDelay * (0.5 + Math.random() / 2));
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.relist('retry');
    }, delay);
  }

  private onWatchEvents(events: WatchEvent<unknown>[]): void {
    const { target } = this.source;
    let last = 0;
    for (const ev of events) {
      const outcome = ev.type === 'put' ? target.put(ev.key, ev.value, ev.revision, 'store') : target.delete(ev.key, ev.revision, 'store');
      if (outcome !== 'ignored') this.opts.onEvent?.('watch', outcome, this.source.id);
      last = Math.max(last, ev.revision);
    }
    // Watch events arrive in revision order, all of them: the target is complete up to here.
    if (last > 0) target.advanceComplete(last);
  }

  private onBusEvent(env: Envelope): void {
    const { logger } = this.opts;
    const { target, events } = this.source;
    const change = events!.change(env);
    switch (change.op) {
      case 'ignore':
        return;
      case 'refetch':
        logger.warn({ reason: change.reason, id: env.id, source: this.source.id }, 'event payload unusable: re-listing from the store');
        this.opts.onEvent?.('bus', 'refetch', this.source.id);
        this.relist('event-refetch');
        return;
      case 'put':
        this.opts.onEvent?.('bus', target.put(change.key, change.value, change.revision, 'bus'), this.source.id);
        return;
      case 'delete':
        this.opts.onEvent?.('bus', target.delete(change.key, change.revision, 'bus'), this.source.id);
        return;
    }
  }
}
