// Passive outlier detection (after Envoy's): every response or failure of a host is reported;
// after `consecutive5xx` 5xx-class results, or `consecutiveConnectErrors` connection failures,
// in a row the host is ejected for baseEjectionTime × (its ejection count), capped at 5 min or
// the base time when that is larger. No more than maxEjectionPercent of the hosts are ejected
// at once, except that one host may always be ejected. Every interval, hosts whose time is up
// return, and hosts that stayed healthy through an interval see their ejection count decay.
import type { Resilience } from '../../lib/mesh/resources.js';
import type { Host } from './host.js';

export type OutlierConfig = NonNullable<Resilience['outlierDetection']>;

/** How one try of a request ended, as far as outlier detection is concerned. */
export type HostResult =
  | 'success'
  /** The host answered 5xx, or a try timed out or was reset after connecting. */
  | 'error5xx'
  /** No connection could be made (refused, connect timeout, reset before any response). */
  | 'connect-error';

const MAX_EJECTION_MS = 300_000;
const MIN_INTERVAL_MS = 10;

export interface OutlierEvents {
  /** The set of ejected hosts changed (selector caches must be rebuilt). */
  onChange(): void;
  onEject(host: Host): void;
  onReturn(host: Host): void;
}

export class OutlierDetector {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private config: OutlierConfig | null,
    private readonly hosts: () => readonly Host[],
    private readonly events: OutlierEvents,
    private readonly now: () => number = Date.now,
  ) {
    this.schedule();
  }

  get enabled(): boolean {
    return this.config !== null;
  }

  reconfigure(config: OutlierConfig | null): void {
    const intervalChanged = config?.intervalMs !== this.config?.intervalMs;
    this.config = config;
    if (config === null) {
      // Detection turned off: return every host now.
      let changed = false;
      for (const h of this.hosts()) {
        if (h.ejected) {
          this.returnHost(h);
          changed = true;
        }
        h.ejectionCount = 0;
      }
      if (changed) this.events.onChange();
    }
    if (intervalChanged) this.schedule();
  }

  report(host: Host, result: HostResult): void {
    const cfg = this.config;
    if (result === 'success') {
      host.consecutive5xx = 0;
      host.consecutiveConnectErrors = 0;
      return;
    }
    host.totalFailures++;
    host.consecutive5xx++;
    if (result === 'connect-error') host.consecutiveConnectErrors++;
    else host.consecutiveConnectErrors = 0;
    if (cfg === null || host.ejected) return;
    const by5xx = cfg.consecutive5xx !== null && host.consecutive5xx >= cfg.consecutive5xx;
    const byConnect = cfg.consecutiveConnectErrors !== null && host.consecutiveConnectErrors >= cfg.consecutiveConnectErrors;
    if (by5xx || byConnect) this.tryEject(host, cfg);
  }

  private tryEject(host: Host, cfg: OutlierConfig): void {
    const all = this.hosts();
    let ejected = 0;
    for (const h of all) if (h.ejected) ejected++;
    const allowed = Math.max(1, Math.floor((all.length * cfg.maxEjectionPercent) / 100));
    if (cfg.maxEjectionPercent === 0 || ejected >= allowed) return;
    host.ejectionCount++;
    host.ejected = true;
    const cap = Math.max(MAX_EJECTION_MS, cfg.baseEjectionTimeMs);
    host.ejectedUntil = this.now() + Math.min(cap, cfg.baseEjectionTimeMs * host.ejectionCount);
    host.consecutive5xx = 0;
    host.consecutiveConnectErrors = 0;
    this.events.onEject(host);
    this.events.onChange();
  }

  private returnHost(h: Host): void {
    h.ejected = false;
    h.ejectedUntil = 0;
    h.consecutive5xx = 0;
    h.consecutiveConnectErrors = 0;
    this.events.onReturn(h);
  }

  /** One interval's pass: return hosts whose ejection ended, decay the counts of healthy ones. */
  tick(): void {
    const now = this.now();
    let changed = false;
    for (const h of this.hosts()) {
      if (h.ejected) {
        if (now >= h.ejectedUntil) {
          this.returnHost(h);
          changed = true;
        }
      } else if (h.ejectionCount > 0 && h.consecutive5xx === 0) {
        h.ejectionCount--;
      }
    }
    if (changed) this.events.onChange();
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.config === null) return;
    this.timer = setInterval(() => this.tick(), Math.max(MIN_INTERVAL_MS, this.config.intervalMs));
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
