// Per-request telemetry: a request is counted, timed, (optionally) access-logged and (when
// tracing is on) its span ended once, when its response closes (finished or cut). JSON
// access-log lines go through pino; spans through OpenTelemetry (request-span.ts).
import type { Span, Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Direction, ProxyMetrics } from './metrics.js';
import { endRequestSpan, startRequestSpan, type RequestSpan, type SpanFacts } from './request-span.js';

/** One exchange as the proxy saw it: what its span records, and what only metrics and logs need. */
export interface ExchangeRecord extends SpanFacts {
  start: number;
  traceId: string;
  span: Span | undefined;
}

export interface TelemetryTracing {
  /** undefined: tracing off (no span work at all). */
  tracer: Tracer | undefined;
  /** The gateway: requests come from outside the mesh, so its spans are SERVER spans. */
  edge?: boolean;
}

export class Telemetry {
  private readonly active: Record<Direction, number> = { outbound: 0, inbound: 0 };

  private readonly tracer: Tracer | undefined;
  private readonly edge: boolean;

  constructor(
    readonly metrics: ProxyMetrics,
    private readonly accessLog: Logger | undefined,
    tracing: TelemetryTracing = { tracer: undefined },
  ) {
    metrics.activeSource = () => this.active;
    this.tracer = tracing.tracer;
    this.edge = tracing.edge === true;
  }

  /** A span for a request arriving with `traceparent`, or undefined when tracing is off. */
  startSpan(direction: Direction, traceparent: string | string[] | undefined): RequestSpan | undefined {
    return this.tracer ? startRequestSpan(this.tracer, direction, this.edge, traceparent) : undefined;
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
    if (r.span) endRequestSpan(r.span, r);
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
