// List → watch → resync over one store prefix: the loop every consumer that keeps something
// equal to the store runs (the registry's and policy's Watch streams, the mesh view's sync).
//
// Contract, for a handler:
//   - onSnapshot(listing) is the complete state under the prefix at listing.revision: forget
//     what came before and reconcile. It comes first (unless started from a revision), again
//     when store history is lost (etcd compaction, ZooKeeper session loss), and whenever
//     resync() is called (a bus gap, anti-entropy, an explicit request).
//   - onChanges(events) follows with every change after the last snapshot, in revision order,
//     each revision above the snapshot's; a live watch is kept across an explicit resync and
//     what it delivers while the listing runs is held and passed on after the snapshot.
//   - onError(err, reason) reports a listing or watch that could not be made; the watch is
//     then gone until the next resync(), so retrying is the consumer's policy (the streams end
//     the RPC, the mesh view retries with backoff).
// Backpressure: a consumer that cannot keep up calls pause(); changes are held up to
// maxBuffered events. Past that the store watch is closed and, on resume(), watched again
// from the first change not held — the store buffers instead of this process, and if the
// store no longer has that history the consumer gets a snapshot. Memory stays bounded either way.
import type { Logger } from 'pino';
import type { ListResult, Store, Watch, WatchEvent } from '../store/store.js';

/** Reasons the primitive resyncs on its own; consumers add theirs (`R`). */
export type ListWatchReason = 'start' | 'watch-resync';

/** Wraps each store call, e.g. with a deadline that maps to UNAVAILABLE. */
export type ListWatchCall = <V>(op: 'list' | 'watch', fn: () => Promise<V>) => Promise<V>;

export interface ListWatchHandler<T, R extends string = never> {
  onSnapshot(listing: ListResult<T>, reason: R | ListWatchReason): void;
  onChanges(events: WatchEvent<T>[]): void;
  /** A resync (listing and watch) finished; `durationMs` covers both. */
  onResynced?(info: { reason: R | ListWatchReason; revision: number; durationMs: number }): void;
  onError?(err: unknown, reason: R | ListWatchReason): void;
}

export interface ListWatchOptions<T, R extends string = never> {
  store: Store;
  prefix: string;
  handler: ListWatchHandler<T, R>;
  /** Keep a store watch between listings (default true); false: only resync() lists. */
  watch?: boolean;
  call?: ListWatchCall;
  /** Changes held while paused or while a listing runs (default 10 000 events). */
  maxBuffered?: number;
  logger?: Logger;
}

const DEFAULT_MAX_BUFFERED = 10_000;

export class ListWatch<T = unknown, R extends string = never> {
  private readonly opts: ListWatchOptions<T, R>;
  private readonly maxBuffered: number;
  private watch: Watch | undefined;
  /** Bumped per store watch; a closed watch's late callbacks are ignored. */
  private generation = 0;
  /** Highest revision passed to the handler (a snapshot's, or a change's). */
  private cursor = 0;
  /** The last snapshot's revision (or the start revision - 1): nothing at or below it is passed on. */
  private floor = 0;
  /** Changes received but not yet passed on (paused, or a listing is running). */
  private held: WatchEvent<T>[] = [];
  /** Set when the watch was closed on overflow: watch again from here. */
  private resumeFrom: number | undefined;
  private listing = false;
  private paused = false;
  private running: Promise<void> | undefined;
  private queued: { reason: R | ListWatchReason; promise: Promise<void> } | undefined;
  private closed = false;

  constructor(opts: ListWatchOptions<T, R>) {
    this.opts = opts;
    this.maxBuffered = Math.max(1, opts.maxBuffered ?? DEFAULT_MAX_BUFFERED);
  }

  /** True while a store watch is open. */
  get watching(): boolean {
    return this.watch !== undefined;
  }

  /** The highest revision handed to the consumer: resume a later ListWatch from `revision + 1`. */
  get revision(): number {
    return this.cursor;
  }

  /**
   * fromRevision 0: list, then watch. Otherwise resume: watch from that revision without a
   * listing (a snapshot still comes if the store no longer holds it). Rejects if the first
   * listing or watch cannot be made.
   */
  async start(fromRevision = 0): Promise<void> {
    if (fromRevision <= 0) return this.resync('start');
    this.cursor = this.floor = fromRevision - 1;
    try {
      await this.attach(fromRevision);
    } catch (err) {
      this.opts.handler.onError?.(err, 'start');
      throw err;
    }
  }

  /**
   * Re-list now; a request while one runs is coalesced into one more run after it (the
   * running one may have listed before the reason for this one). Rejects if that run fails.
   */
  resync(reason: R | ListWatchReason): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.running) return this.run(reason);
    if (!this.queued) {
      const promise = this.running
        .catch(() => undefined)
        .then(() => {
          const queued = this.queued;
          this.queued = undefined;
          return queued && !this.closed ? this.run(queued.reason) : undefined;
        });
      this.queued = { reason, promise };
    }
    return this.queued.promise;
  }

  /** Resolves when no resync is running or queued. */
  async settled(): Promise<void> {
    while (this.running || this.queued) await (this.queued?.promise ?? this.running)?.catch(() => undefined);
  }

  /** Hold changes (up to maxBuffered) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.closed || this.listing) return;
    this.flush();
    // A resync running now attaches its own watch; a second attach supersedes it harmlessly.
    if (this.resumeFrom !== undefined && !this.watch) this.rewatch(this.resumeFrom);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.held = [];
    this.queued = undefined;
    await this.dropWatch();
    await this.running?.catch(() => undefined);
  }

  // ------------------------------------------------------------------ internals

  private run(reason: R | ListWatchReason): Promise<void> {
    const run = this.doResync(reason).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async doResync(reason: R | ListWatchReason): Promise<void> {
    const { store, prefix, handler } = this.opts;
    const started = performance.now();
    this.listing = true;
    try {
      const listing = await this.call('list', () => store.list<T>(prefix));
      if (this.closed) return;
      this.cursor = this.floor = listing.revision;
      this.held = this.held.filter((ev) => ev.revision > listing.revision);
      handler.onSnapshot(listing, reason);
      this.listing = false;
      if (this.closed) return;
      if (!this.paused) this.flush();
      // A running watch stays valid across a listing: what it delivers is above the snapshot.
      if (this.opts.watch !== false && !this.watch) {
        this.resumeFrom = undefined;
        await this.attach(this.nextRevision());
        if (this.closed) return;
      }
      handler.onResynced?.({ reason, revision: listing.revision, durationMs: performance.now() - started });
    } catch (err) {
      if (!this.closed) handler.onError?.(err, reason);
      throw err;
    } finally {
      this.listing = false;
    }
  }

  /** The lowest revision neither passed on nor held. */
  private nextRevision(): number {
    const last = this.held[this.held.length - 1];
    return Math.max(this.cursor, last?.revision ?? 0) + 1;
  }

  private async attach(fromRevision: number): Promise<void> {
    const gen = ++this.generation;
    const watch = await this.call('watch', () =>
      this.opts.store.watch<T>(this.opts.prefix, fromRevision, {
        onEvents: (events) => this.onEvents(gen, events),
        onResync: (why) => this.onHistoryLost(gen, why),
      }),
    );
    if (this.closed || gen !== this.generation) {
      await watch.close().catch(() => undefined);
      return;
    }
    this.watch = watch;
  }

  /** After an overflow: watch again from where the held changes end. */
  private rewatch(fromRevision: number): void {
    this.attach(fromRevision).then(
      () => {
        if (this.watch) this.resumeFrom = undefined;
      },
      (err: unknown) => this.opts.handler.onError?.(err, 'watch-resync'),
    );
  }

  private onEvents(gen: number, events: WatchEvent<T>[]): void {
    if (this.closed || gen !== this.generation || events.length === 0) return;
    if (!this.paused && !this.listing) {
      this.deliver(events);
      return;
    }
    if (this.held.length + events.length <= this.maxBuffered) {
      this.held.push(...events);
      return;
    }
    // Too much held: let the store keep the rest. Whole revisions only, so the new watch
    // starts at this batch's first revision and nothing at or above it stays held.
    const first = events[0]!.revision;
    this.held = this.held.filter((ev) => ev.revision < first);
    this.resumeFrom = first;
    this.opts.logger?.debug({ prefix: this.opts.prefix, held: this.held.length, resumeFrom: first }, 'list-watch consumer is behind: watch closed until it resumes');
    void this.dropWatch();
  }

  private onHistoryLost(gen: number, why: string): void {
    if (this.closed || gen !== this.generation) return;
    // The store has closed this watch; it may not even have been handed to attach() yet.
    this.watch = undefined;
    this.generation++;
    this.opts.logger?.info({ prefix: this.opts.prefix, reason: why }, 'store watch lost history: re-listing');
    this.resync('watch-resync').catch(() => undefined);
  }

  private flush(): void {
    const events = this.held.filter((ev) => ev.revision > this.floor);
    this.held = [];
    if (events.length > 0) this.deliver(events);
  }

  private deliver(events: WatchEvent<T>[]): void {
    // A live watch may still deliver what a newer snapshot already holds.
    const fresh = events[0]!.revision > this.floor ? events : events.filter((ev) => ev.revision > this.floor);
    if (fresh.length === 0) return;
    this.cursor = Math.max(this.cursor, fresh[fresh.length - 1]!.revision);
    this.opts.handler.onChanges(fresh);
  }

  private async dropWatch(): Promise<void> {
    const w = this.watch;
    this.watch = undefined;
    this.generation++;
    await w?.close().catch((err: unknown) => this.opts.logger?.debug({ err }, 'closing a store watch failed'));
  }

  private call<V>(op: 'list' | 'watch', fn: () => Promise<V>): Promise<V> {
    return this.opts.call ? this.opts.call(op, fn) : fn();
  }
}
