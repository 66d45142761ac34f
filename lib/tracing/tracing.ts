// OpenTelemetry tracing for every Plexus process: spans go out over OTLP/HTTP (JSON) to the
// collector named in config (`tracing.otlpEndpoint`, or PLEXUS_TRACING__OTLP_ENDPOINT). With no
// endpoint there is no tracer at all: callers test `tracing.tracer` once and skip span work, so
// the hot path pays one property read. Each process (or each proxy, when several share a
// process) gets its own provider, so spans carry the right `service.name`; nothing is
// registered globally and no context manager is installed: parents are passed explicitly.
//
// The OpenTelemetry packages (API, SDK, exporter: ~350 modules with their source maps) are
// loaded on first use, not at import: a process with tracing off never loads them (a proxy's
// idle memory is mostly the code it loaded). They are CommonJS packages, so `require` loads
// them synchronously and createTracing stays synchronous.
import { createRequire } from 'node:module';
import type * as OtelApiModule from '@opentelemetry/api';
import type { Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import type * as OtlpExporterModule from '@opentelemetry/exporter-trace-otlp-http';
import type * as ResourcesModule from '@opentelemetry/resources';
import type * as SdkTraceModule from '@opentelemetry/sdk-trace-base';
import type * as SemconvModule from '@opentelemetry/semantic-conventions';
import { z } from 'zod';

type OtelApi = typeof OtelApiModule;

const requireOtel = createRequire(import.meta.url);
let api: OtelApi | undefined;

/** The OpenTelemetry API, loaded on first use (only code that has a tracer needs it). */
export function otelApi(): OtelApi {
  return (api ??= requireOtel('@opentelemetry/api') as OtelApi);
}

/** W3C trace-flags bit 0 (TraceFlags.SAMPLED), without loading the API for it. */
const SAMPLED = 1;

export const TRACING_DEFAULTS = { sampleRatio: 1, exportDelayMs: 1000 } as const;

export const tracingConfigSchema = z
  .object({
    /**
     * The collector's OTLP/HTTP endpoint: a base URL (`http://otel-collector:4318`, to which
     * `/v1/traces` is added) or the full traces URL. Unset: tracing is off.
     */
    otlpEndpoint: z
      .string()
      .url('must be an http(s) URL')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
      .optional(),
    /** Share of new traces recorded (0–1); a caller's sampling decision is always followed. */
    sampleRatio: z.number().min(0, 'must be 0–1').max(1, 'must be 0–1').default(TRACING_DEFAULTS.sampleRatio),
    /** How long finished spans wait to be sent in a batch. */
    exportDelayMs: z.number().int().min(10).max(60_000).default(TRACING_DEFAULTS.exportDelayMs),
  })
  .strict();

export type TracingConfig = z.output<typeof tracingConfigSchema>;

export interface TracingIdentity {
  /** `service.name`, e.g. `policy` or `frontend`. */
  service: string;
  namespace?: string;
  instance: string;
  cluster: string;
  version?: string;
}

export interface Tracing {
  /** undefined when tracing is off: skip all span work. */
  readonly tracer: Tracer | undefined;
  /** Send every finished span now (tests; shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const TRACING_OFF: Tracing = { tracer: undefined, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/** The traces URL for an endpoint given as a base URL or as the full URL. */
export function otlpTracesUrl(endpoint: string): string {
  const u = new URL(endpoint);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/traces';
  return u.toString();
}

export function createTracing(config: Partial<TracingConfig> | undefined, id: TracingIdentity): Tracing {
  if (!config?.otlpEndpoint) return TRACING_OFF;
  const { OTLPTraceExporter } = requireOtel('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpExporterModule;
  const { resourceFromAttributes } = requireOtel('@opentelemetry/resources') as typeof ResourcesModule;
  const sdk = requireOtel('@opentelemetry/sdk-trace-base') as typeof SdkTraceModule;
  const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = requireOtel('@opentelemetry/semantic-conventions') as typeof SemconvModule;
  const exporter = new OTLPTraceExporter({ url: otlpTracesUrl(config.otlpEndpoint) });
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: id.service,
      [ATTR_SERVICE_VERSION]: id.version ?? '0.1.0',
      'service.namespace': id.namespace ?? 'plexus',
      'service.instance.id': id.instance,
      'plexus.cluster': id.cluster,
    }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.sampleRatio ?? TRACING_DEFAULTS.sampleRatio) }),
    spanProcessors: [
      new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: config.exportDelayMs ?? TRACING_DEFAULTS.exportDelayMs, maxQueueSize: 8192 }),
    ],
  });
  return {
    tracer: provider.getTracer('plexus'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a W3C traceparent names, or undefined when absent or malformed. */
export function spanContextFromTraceparent(value: string | string[] | undefined): SpanContext | undefined {
  const v = v0(value);
  const m = v === undefined ? null : TRACEPARENT.exec(v.trim());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) & SAMPLED, isRemote: true };
}

function v0(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A context whose parent is the traceparent's span (the root context when there is none). */
export function contextFromTraceparent(value: string | string[] | undefined): Context {
  const sc = spanContextFromTraceparent(value);
  const { trace, ROOT_CONTEXT } = otelApi();
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** The traceparent that makes `span` the parent of what receives it. */
export function traceparentOf(span: Span | SpanContext): string {
  const sc = 'spanContext' in span ? span.spanContext() : span;
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & SAMPLED ? '01' : '00'}`;
}
