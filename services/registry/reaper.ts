// The reaper: liveness judged by a healthy registry, never by the store's clock alone.
//
// An instance record lives on a store lease of TTL + outage allowance; its liveness marker
// (liveness-markers.ts) on a lease of TTL. When no heartbeat reaches any replica for a TTL the
// marker lapses — because the proxy died, or because the whole registry tier or the store was
// down. This replica tells the two apart by its own health: it is healthy while its store
// calls answer and both its watches (instances, markers) are open, and `healthySince` is when
// that last began. A marker lapse is trusted, and its instance deleted at once, only when the
// marker's last renewal is known to fall inside the current healthy period (the marker was
// created, or has been present for longer than its TTL, since then). Any other instance
// without a marker (one whose lapse is not trusted, one never seen) is deleted once
// `max(missing since, healthySince) + TTL + grace` has passed in health: proxies that are still
// alive heartbeat within that time (re-creating their marker) and are kept with no removal at
// all; dead ones go.
//
// Every replica runs a reaper; a deletion is a compare-and-delete on the revision the reaper
// saw, so a re-registration in between wins, two reapers cannot both delete, and the
// `expired` event stays exactly-once through the removal claims (removal-claims.ts). When the
// store lease itself runs out (an outage longer than the allowance) the store removes the
// instance as before, announced as `expired` the same way.
import type { Logger } from 'pino';
import { ConflictError } from '../../lib/errors.js';
import { instanceSubject } from '../../lib/model/instance.js';
import { instancesPrefix } from '../../lib/store/keys.js';
import type { Store, WatchEvent } from '../../lib/store/store.js';
import { ListWatch } from '../../lib/watch/list-watch.js';
import { sleep } from '../../lib/registry-client/backoff.js';
import type { StoreCall } from '../../lib/grpc/edge/index.js';
import type { InstanceView } from './instance-view.js';
import { livenessPrefix, markerIncarnation } from './liveness-markers.js';
import { registryMetrics } from './metrics.js';

export interface ReaperOptions {
  store: Store;
  call: StoreCall;
  view: InstanceView;
  cluster: string;
  /** Time a live proxy is given, after the tier is healthy again, to reach it. */
  graceSeconds: number;
  /** How often deadlines and the store's health are checked. */
  tickMs: number;
  logger: Logger;
  now?: () => number;
}

interface Marker {
  incarnation: number;
  /** Local time from which every renewal of this marker is known to be within the healthy period. */
  trustedFrom: number | undefined;
  /** When this replica first saw the marker (for promotion to trusted). */
  seenAt: number;
}

export class Reaper {
  private readonly markers = new Map<string, Marker>();
  /**
   * Instance key → since when it has had no marker of its incarnation (0 when its marker was
   * seen to lapse: a proxy alive through an outage heartbeats within TTL + grace of its end).
   */
  private readonly missing = new Map<string, { since: number; incarnation: number; noticedAt: number; lapsed: boolean }>();
  /** How many instances were unconfirmed at the last judgement (for the log line on a change). */
  private unconfirmedCount = 0;
  private readonly listWatch: ListWatch<unknown, 'retry'>;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private healthySinceValue: number | undefined;
  private storeAnswers = false;
  private readonly reaping = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly opts: ReaperOptions) {
    this.now = opts.now ?? Date.now;
    this.listWatch = new ListWatch<unknown, 'retry'>({
      store: opts.store,
      prefix: livenessPrefix(opts.cluster),
      call: (op, fn) => opts.call(op === 'list' ? 'list liveness markers' : 'watch liveness markers', fn),
      logger: opts.logger,
      handler: {
        onSnapshot: (listing) => {
          this.markers.clear();
          for (const kv of listing.items) this.markerPut(kv.key, kv.value, false);
        },
        onChanges: (events) => this.apply(events),
        onError: () => undefined, // the tick sees the watch gone and re-lists
      },
    });
  }

  /** Since when this replica has been healthy (store answers, watches open); undefined: not now. */
  get healthySince(): number | undefined {
    return this.healthySinceValue;
  }

  /** Instances without a live marker that are being held (not yet judged dead). */
  get held(): number {
    return this.missing.size;
  }

  /** Whether the instance at `key` currently has no live marker (held or about to be reaped). */
  isHeld(key: string): boolean {
    return this.missing.has(key);
  }

  /**
   * Since when the instance at `key` has been unconfirmed: kept although no heartbeat reached
   * the registry for its TTL (its marker was seen to lapse, or has been missing for a TTL).
   * Undefined while it is confirmed (or a new instance whose marker has not been seen yet).
   */
  unconfirmedSince(key: string): number | undefined {
    const miss = this.missing.get(key);
    const entry = this.opts.view.get(key);
    if (!miss || !entry || entry.record.incarnation !== miss.incarnation) return undefined;
    if (miss.lapsed) return miss.noticedAt;
    const ttlMs = entry.record.ttlSeconds * 1000;
    return this.now() - miss.noticedAt >= ttlMs ? miss.noticedAt + ttlMs : undefined;
  }

  /** Instances unconfirmed now (see unconfirmedSince). */
  get unconfirmed(): number {
    let n = 0;
    for (const key of this.missing.keys()) if (this.unconfirmedSince(key) !== undefined) n++;
    return n;
  }

  async start(): Promise<void> {
    await this.listWatch.start().catch((err: unknown) => this.opts.logger.warn({ err }, 'liveness markers not watched yet; retrying'));
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.listWatch.close();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      await this.tick().catch((err: unknown) => this.opts.logger.warn({ err }, 'reaper pass failed'));
      await sleep(this.opts.tickMs, this.abort.signal).catch(() => undefined);
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.opts.call('reaper store probe', () => this.opts.store.currentRevision());
      this.storeAnswers = true;
    } catch {
      this.storeAnswers = false;
    }
    if (this.storeAnswers && !this.listWatch.watching) await this.listWatch.resync('retry').catch(() => undefined);
    this.updateHealth();
    this.judge();
  }

  private updateHealth(): void {
    const healthy = this.storeAnswers && this.listWatch.watching && this.opts.view.synced;
    const now = this.now();
    if (healthy && this.healthySinceValue === undefined) {
      this.healthySinceValue = now;
      this.opts.logger.info({ held: this.missing.size }, 'reaper: registry healthy; instances without a heartbeat are judged from now on');
    } else if (!healthy && this.healthySinceValue !== undefined) {
      this.healthySinceValue = undefined;
      // Renewals may now be missed: no marker lapse is trusted until health has lasted a TTL.
      for (const m of this.markers.values()) m.trustedFrom = undefined;
      this.opts.logger.warn('reaper: store or watches unhealthy; nothing expires until the registry has been healthy for TTL + grace');
    }
  }

  /** The log line when instances start or stop being unconfirmed (the metric is read at scrape). */
  private reportUnconfirmed(): void {
    const count = this.unconfirmed;
    if (count > 0 && this.unconfirmedCount === 0) {
      this.opts.logger.warn(
        { unconfirmed: count, healthy: this.healthySinceValue !== undefined },
        'reaper: instances without a heartbeat for their TTL are kept, unconfirmed, until judged (TTL + grace while the registry is healthy); `plexctl registry list` marks them',
      );
    } else if (count === 0 && this.unconfirmedCount > 0) {
      this.opts.logger.info('reaper: no unconfirmed instances left');
    }
    this.unconfirmedCount = count;
  }

  private judge(): void {
    this.reportUnconfirmed();
    const since = this.healthySinceValue;
    const now = this.now();
    const graceMs = this.opts.graceSeconds * 1000;
    for (const key of this.missing.keys()) if (!this.opts.view.get(key)) this.missing.delete(key);
    for (const [key, { record, revision }] of this.opts.view.entries()) {
      const ttlMs = record.ttlSeconds * 1000;
      const marker = this.markers.get(this.markerKeyOf(key));
      if (marker?.incarnation === record.incarnation) {
        this.missing.delete(key);
        // Present for longer than its TTL within the healthy period: it was renewed within it.
        if (marker.trustedFrom === undefined && since !== undefined && now - Math.max(since, marker.seenAt) >= ttlMs + graceMs) {
          marker.trustedFrom = now;
        }
        continue;
      }
      let miss = this.missing.get(key);
      if (miss?.incarnation !== record.incarnation) {
        miss = { since: now, incarnation: record.incarnation, noticedAt: now, lapsed: false };
        this.missing.set(key, miss);
      }
      if (since === undefined) continue;
      if (now >= Math.max(miss.since, since) + ttlMs + graceMs) this.reap(key, revision, 'no heartbeat for TTL + grace while the registry was healthy');
    }
  }

  private apply(events: WatchEvent<unknown>[]): void {
    for (const ev of events) {
      if (ev.type === 'put') {
        this.markerPut(ev.key, ev.value, true);
        continue;
      }
      const marker = this.markers.get(ev.key);
      this.markers.delete(ev.key);
      if (!marker) continue;
      const key = this.instanceKeyOf(ev.key);
      const entry = this.opts.view.get(key);
      if (!entry || entry.record.incarnation !== marker.incarnation) continue;
      // Lapsed now: the judge's deadline is healthySince + TTL + grace (since 0), which is past
      // when health has lasted that long, as the last renewal then fell inside it.
      this.missing.set(key, { since: 0, incarnation: marker.incarnation, noticedAt: this.now(), lapsed: true });
      if (marker.trustedFrom !== undefined && this.healthySinceValue !== undefined && !entry.record.deregistering) {
        this.reap(key, entry.revision, 'no heartbeat for TTL');
      }
    }
  }

  private markerPut(markerKey: string, value: unknown, live: boolean): void {
    const incarnation = markerIncarnation(value);
    if (incarnation === undefined) return;
    const now = this.now();
    // Created or re-created now, by a heartbeat or registration this replica can vouch for.
    const trustedFrom = live && this.healthySinceValue !== undefined ? now : undefined;
    this.markers.set(markerKey, { incarnation, trustedFrom, seenAt: now });
    this.missing.delete(this.instanceKeyOf(markerKey));
  }

  private reap(key: string, revision: number, why: string): void {
    if (this.reaping.has(key)) return;
    const entry = this.opts.view.get(key);
    if (!entry) return;
    this.reaping.add(key);
    const { record } = entry;
    const subject = instanceSubject(record.namespace, record.service, record.id);
    void (async () => {
      try {
        await this.opts.call('reap instance', () => this.opts.store.delete(key, { expectedRevision: revision }));
        registryMetrics.reaped.inc();
        this.opts.logger.info({ instance: subject, incarnation: record.incarnation, why }, 'reaper: instance removed');
        await this.opts.call('revoke lease', () => this.opts.store.revokeLease(record.leaseId)).catch(() => undefined);
      } catch (err) {
        // Re-registered, changed or already gone: the next pass judges what is there now.
        if (!(err instanceof ConflictError)) this.opts.logger.warn({ err, instance: subject }, 'reaper: could not remove an instance');
      } finally {
        this.reaping.delete(key);
      }
    })();
  }

  private markerKeyOf(instanceKey: string): string {
    return livenessPrefix(this.opts.cluster) + instanceKey.slice(instancesPrefix(this.opts.cluster).length);
  }

  private instanceKeyOf(markerKey: string): string {
    return instancesPrefix(this.opts.cluster) + markerKey.slice(livenessPrefix(this.opts.cluster).length);
  }
}
