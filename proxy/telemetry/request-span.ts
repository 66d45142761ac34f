// A span per request a proxy carries (OpenTelemetry), only when tracing is on. The span starts
// when the request arrives, as a child of the caller's traceparent; its id becomes the parent-id
// of the traceparent sent upstream, so the next hop's span hangs under this one. It ends when
// the response closes, with the attributes of the exchange (HTTP semconv names where they
// exist, `plexus.*` for the mesh's own: peer, route, response flags, retry attempts). The
// OpenTelemetry API is reached through otelApi(): it is loaded only once a tracer exists.
import type { Span, Tracer } from '@opentelemetry/api';
import { contextFromTraceparent, otelApi, spanContextFromTraceparent } from '../../lib/tracing/tracing.js';
import type { Direction } from './metrics.js';
import type { TraceContext } from './trace-context.js';

export interface RequestSpan {
  span: Span;
  trace: TraceContext;
}

export function startRequestSpan(tracer: Tracer, direction: Direction, edge: boolean, header: string | string[] | undefined): RequestSpan {
  const { SpanKind, TraceFlags } = otelApi();
  const parent = spanContextFromTraceparent(header);
  const kind = direction === 'inbound' || edge ? SpanKind.SERVER : SpanKind.CLIENT;
  const span = tracer.startSpan(direction, { kind }, contextFromTraceparent(header));
  const sc = span.spanContext();
  const flags = sc.traceFlags & TraceFlags.SAMPLED ? '01' : '00';
  return {
    span,
    trace: { traceId: sc.traceId, spanId: sc.spanId, parentId: parent?.spanId, flags, traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` },
  };
}

export interface SpanFacts {
  direction: Direction;
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
  tries: number;
}

export function endRequestSpan(span: Span, r: SpanFacts): void {
  if (span.isRecording()) {
    const peer = r.direction === 'inbound' ? r.source : r.destination;
    span.updateName(`${r.direction} ${r.method} ${r.destination}`);
    span.setAttributes({
      'http.request.method': r.method,
      'url.path': r.path.split('?')[0] ?? r.path,
      'server.address': r.authority,
      'network.protocol.version': r.protocol.replace(/^HTTP\//, ''),
      'http.response.status_code': r.status,
      'peer.service': peer,
      'plexus.direction': r.direction,
      'plexus.source': r.source,
      'plexus.destination': r.destination,
      'plexus.route': r.route,
      'plexus.response_flags': r.flags || '-',
      'plexus.retry_attempts': Math.max(0, r.tries - 1),
      'plexus.upstream_host': r.upstreamHost,
      'plexus.request_id': r.requestId,
    });
    if (r.status === 0 || r.status >= 500) span.setStatus({ code: otelApi().SpanStatusCode.ERROR, message: r.flags || `status ${r.status}` });
  }
  span.end();
}
