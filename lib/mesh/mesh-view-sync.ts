// Keeps a MeshView equal to the store. Three paths feed it, each applied by revision so their
// order and overlap do not matter (see mesh-view.ts):
//   1. a listing of the cluster prefix (start-up, and re-listing);
//   2. a store watch from the listing's revision — ordered and complete; it advances the
//      view's completeRevision, and a lost history (onResync) triggers a re-list;
//   3. bus events (instance.*, policy.*) — the fast path, often ahead of the watch; a gap the
//      bus reports (sequence jump, reconnect, slow consumer) triggers a re-list.
// A periodic anti-entropy pass re-lists and counts what differed, so the view converges even
// if every notification path failed silently (e.g. a writer died between its store write and
// its publish while the watch was down).
// The watch can be turned off (events + re-lists + anti-entropy only), which tests use to
// show the event path converges on its own.
import type { Logger } from 'pino';
import type { EventBus, Subscription } from '../bus/bus.js';
import type { Envelope } from '../bus/envelope.js';
import { clusterPrefix } from '../store/keys.js';
import type { Store, Watch, WatchEvent } from '../store/store.js';
import { changeFromEvent } from './mesh-events.js';
import type { MeshView } from './mesh-view.js';

export type RelistReason = 'start' | 'bus-gap' | 'watch-resync' | 'anti-entropy' | 'event-refetch' | 'retry' | 'rollout';

export interface MeshViewSyncOptions<P> {
  view: MeshView<P>;
  store: Store;
  /** Omit to run from the store alone. */
  bus?: EventBus;
  logger: Logger;
  /** Use a store watch (default true). */
  watch?: boolean;
  /** Anti-entropy period; 0 disables. Each pass is jittered by up to 20%. */
  antiEntropyMs: number;
  /** Hooks for metrics. */
  onRelist?: (reason: RelistReason, repaired: number, durationMs: number) => void;
  onEvent?: (source: 'bus' | 'watch', outcome: string) => void;
}

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

export class MeshViewSync<P> {
  private readonly opts: MeshViewSyncOptions<P>;
  private readonly prefix: string;
  private watch: Watch | undefined;
  private subscriptions: Subscription[] = [];
  private running: Promise<void> | undefined;
  /** A re-list was asked for while one ran: run again afterwards (it may have missed the gap). */
  private again: RelistReason | undefined;
  private antiEntropyTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  private closed = false;
  /** The last re-list failed (store unreachable); the view is being served as it was. */
  lastError: unknown;

  constructor(opts: MeshViewSyncOptions<P>) {
    this.opts = opts;
    this.prefix = clusterPrefix(opts.view.cluster);
  }

  get watching(): boolean {
    return this.watch !== undefined;
  }

  /**
   * Subscribe to events, list, and watch. Rejects if the first listing fails (the store is
   * unreachable); everything after that retries on its own.
   */
  async start(): Promise<void> {
    const { bus } = this.opts;
    if (bus) {
      // Subscribe before listing: whatever happens between the two is in the listing or arrives
      // as an event, and both are applied by revision.
      for (const pattern of ['instance.*', 'policy.*']) {
        this.subscriptions.push(
          await bus.subscribe(pattern, {
            onEvent: (env) => this.onBusEvent(env),
            onGap: (reason, detail) => {
              this.opts.logger.info({ reason, detail }, 'event gap: re-listing the mesh from the store');
              this.relist('bus-gap');
            },
          }),
        );
      }
    }
    await this.sync('start');
    this.scheduleAntiEntropy();
  }

  /** Re-list now (coalesced with one already running). Never rejects. */
  relist(reason: RelistReason): void {
    void this.sync(reason).catch(() => undefined);
  }

  /** Resolves when no re-list is running or queued. */
  async settled(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.antiEntropyTimer);
    clearTimeout(this.retryTimer);
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.close().catch(() => undefined)));
    await this.running?.catch(() => undefined);
    await this.dropWatch();
  }

  // ------------------------------------------------------------------ internals

  private sync(reason: RelistReason): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again ??= reason;
      return this.running;
    }
    const run = this.doSync(reason).finally(() => {
      this.running = undefined;
      const next = this.again;
      this.again = undefined;
      if (next && !this.closed) this.relist(next);
    });
    this.running = run;
    return run;
  }

  private async doSync(reason: RelistReason): Promise<void> {
    const { store, view, logger } = this.opts;
    const started = performance.now();
    // The watch is only restarted when it is gone (never started, or ended by onResync); a
    // running watch stays valid across a re-list because both apply by revision.
    const needWatch = this.opts.watch !== false && this.watch === undefined;
    try {
      const listing = await store.list<unknown>(this.prefix);
      if (this.closed) return;
      const repaired = view.reconcile(listing.items, listing.revision);
      if (needWatch) {
        this.watch = await store.watch<unknown>(this.prefix, listing.revision + 1, {
          onEvents: (events) => this.onWatchEvents(events),
          onResync: (why) => {
            logger.warn({ reason: why }, 'store watch lost history: re-listing');
            this.watch = undefined;
            this.relist('watch-resync');
          },
        });
        if (this.closed) await this.dropWatch();
      }
      this.lastError = undefined;
      this.retryDelay = RETRY_MIN_MS;
      const ms = performance.now() - started;
      this.opts.onRelist?.(reason, repaired, ms);
      if (repaired > 0 && reason !== 'start') {
        logger.info({ reason, repaired, revision: listing.revision }, 'mesh view repaired from the store');
      } else {
        logger.debug({ reason, revision: listing.revision, ms: Math.round(ms) }, 'mesh view re-listed');
      }
    } catch (err) {
      this.lastError = err;
      if (reason === 'start') throw err;
      logger.warn({ err, reason, retryInMs: this.retryDelay }, 'mesh view re-list failed; serving the last view and retrying');
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const delay = Math.round(this.retryDelay * (0.5 + Math.random() / 2));
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.relist('retry');
    }, delay);
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

  private async dropWatch(): Promise<void> {
    const w = this.watch;
    this.watch = undefined;
    await w?.close().catch(() => undefined);
  }

  private onWatchEvents(events: WatchEvent<unknown>[]): void {
    const { view } = this.opts;
    let last = 0;
    for (const ev of events) {
      const outcome = ev.type === 'put' ? view.put(ev.key, ev.value, ev.revision, 'store') : view.delete(ev.key, ev.revision, 'store');
      if (outcome !== 'ignored') this.opts.onEvent?.('watch', outcome);
      last = Math.max(last, ev.revision);
    }
    // Watch events arrive in revision order, all of them: the view is complete up to here.
    if (last > 0) view.advanceComplete(last);
  }

  private onBusEvent(env: Envelope): void {
    const { view, logger } = this.opts;
    const change = changeFromEvent(view.cluster, env);
    switch (change.op) {
      case 'ignore':
        return;
      case 'refetch':
        logger.warn({ reason: change.reason, id: env.id }, 'event payload unusable: re-listing from the store');
        this.opts.onEvent?.('bus', 'refetch');
        this.relist('event-refetch');
        return;
      case 'put':
        this.opts.onEvent?.('bus', view.put(change.key, change.value, change.revision, 'bus'));
        return;
      case 'delete':
        this.opts.onEvent?.('bus', view.delete(change.key, change.revision, 'bus'));
        return;
    }
  }
}
