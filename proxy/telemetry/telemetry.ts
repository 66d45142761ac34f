// Per-request telemetry: a request is counted, timed and (optionally) access-logged once, when
// its response closes (finished or cut). JSON access-log lines go through pino.
import type { Logger } from 'pino';
import type { Direction, ProxyMetrics } from './metrics.js';

export interface ExchangeRecord {
  direction: Direction;
  start: number;
  method: string;
  path: string;
  authority: string;
  protocol: string;
  status: number;
  flags: string;
  source: string;
  destination: string;
  route: string;
  upstreamHost: string;
  requestId: string;
  traceId: string;
  tries: number;
}

export class Telemetry {
  private readonly active: Record<Direction, number> = { outbound: 0, inbound: 0 };

  constructor(
    readonly metrics: ProxyMetrics,
    private readonly accessLog: Logger | undefined,
  ) {
    metrics.activeSource = () => this.active;
  }

  begin(direction: Direction): void {
    this.active[direction]++;
  }

  activeRequests(direction?: Direction): number {
    return direction ? this.active[direction] : this.active.outbound + this.active.inbound;
  }

  end(r: ExchangeRecord): void {
    this.active[r.direction]--;
    const ms = performance.now() - r.start;
    this.metrics.recordRequest(r.direction, r.source, r.destination, r.status, r.flags, ms / 1000);
    if (this.accessLog) {
      this.accessLog.info({
        kind: 'access',
        direction: r.direction,
        method: r.method,
        path: r.path,
        authority: r.authority,
        protocol: r.protocol,
        status: r.status,
        flags: r.flags || '-',
        durationMs: Math.round(ms * 1000) / 1000,
        source: r.source,
        destination: r.destination,
        route: r.route,
        upstreamHost: r.upstreamHost,
        tries: r.tries,
        requestId: r.requestId,
        traceId: r.traceId,
      });
    }
  }
}
