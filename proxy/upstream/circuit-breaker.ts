// Circuit-breaking limits for one destination service (Envoy's per-cluster thresholds):
//   maxRequests        requests in flight;
//   maxConnections     upstream connections (enforced by the connection pool); with it,
//   maxPendingRequests requests waiting for a connection (in flight beyond maxConnections);
//   maxRetries         retries in flight.
// A request over a limit fails at once with 503 and flag UO instead of queueing; a retry over
// its limit is not made. null = unlimited. A limit is "open" while it is being hit.
import type { Resilience } from '../../lib/mesh/resources.js';

export type Limits = Resilience['limits'];
export type LimitName = 'maxRequests' | 'maxPendingRequests' | 'maxRetries';

export interface CircuitEvents {
  onStateChange(limit: LimitName, open: boolean): void;
  onOverflow(limit: LimitName): void;
}

export class CircuitBreaker {
  active = 0;
  activeRetries = 0;
  private readonly open: Record<LimitName, boolean> = { maxRequests: false, maxPendingRequests: false, maxRetries: false };

  constructor(
    private limits: Limits,
    private readonly events: CircuitEvents,
  ) {}

  reconfigure(limits: Limits): void {
    this.limits = limits;
    this.refresh();
  }

  get maxConnections(): number | null {
    return this.limits.maxConnections;
  }

  /** Admit a request (then call `release` exactly once) or name the limit it overflows. */
  tryAcquire(): LimitName | undefined {
    const { maxRequests, maxConnections, maxPendingRequests } = this.limits;
    if (maxRequests !== null && this.active >= maxRequests) return this.overflow('maxRequests');
    if (maxConnections !== null && maxPendingRequests !== null && this.active - maxConnections >= maxPendingRequests) {
      return this.overflow('maxPendingRequests');
    }
    this.active++;
    return undefined;
  }

  release(): void {
    this.active--;
    this.refresh();
  }

  tryAcquireRetry(): boolean {
    const { maxRetries } = this.limits;
    if (maxRetries !== null && this.activeRetries >= maxRetries) {
      this.overflow('maxRetries');
      return false;
    }
    this.activeRetries++;
    return true;
  }

  releaseRetry(): void {
    this.activeRetries--;
    this.refresh();
  }

  isOpen(limit: LimitName): boolean {
    return this.open[limit];
  }

  private overflow(limit: LimitName): LimitName {
    this.events.onOverflow(limit);
    this.setOpen(limit, true);
    return limit;
  }

  private refresh(): void {
    const { maxRequests, maxConnections, maxPendingRequests, maxRetries } = this.limits;
    if (this.open.maxRequests && (maxRequests === null || this.active < maxRequests)) this.setOpen('maxRequests', false);
    if (
      this.open.maxPendingRequests &&
      (maxConnections === null || maxPendingRequests === null || this.active - maxConnections < maxPendingRequests)
    ) {
      this.setOpen('maxPendingRequests', false);
    }
    if (this.open.maxRetries && (maxRetries === null || this.activeRetries < maxRetries)) this.setOpen('maxRetries', false);
  }

  private setOpen(limit: LimitName, open: boolean): void {
    if (this.open[limit] === open) return;
    this.open[limit] = open;
    this.events.onStateChange(limit, open);
  }
}
