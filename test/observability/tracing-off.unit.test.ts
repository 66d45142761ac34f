// Without a collector there is no tracer: no SDK objects, no span work per request, and the
// trace context still flows (the proxy's own traceparent handling).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTracing, otlpTracesUrl, spanContextFromTraceparent, TRACING_OFF } from '../../lib/tracing/tracing.js';
import { ProxyMetrics } from '../../proxy/telemetry/metrics.js';
import { Telemetry } from '../../proxy/telemetry/telemetry.js';

describe('tracing off', () => {
  test('no endpoint: no tracer, and a proxy starts no spans', () => {
    assert.equal(createTracing(undefined, { service: 's', instance: 'i', cluster: 'c' }), TRACING_OFF);
    assert.equal(createTracing({ sampleRatio: 1 }, { service: 's', instance: 'i', cluster: 'c' }).tracer, undefined);
    const telemetry = new Telemetry(new ProxyMetrics(), undefined);
    assert.equal(telemetry.startSpan('inbound', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`), undefined);
  });

  test('endpoint forms and traceparent parsing', () => {
    assert.equal(otlpTracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
    assert.equal(otlpTracesUrl('http://collector:4318/v1/traces'), 'http://collector:4318/v1/traces');
    assert.equal(spanContextFromTraceparent('00-' + '0'.repeat(32) + '-' + 'b'.repeat(16) + '-01'), undefined);
    assert.equal(spanContextFromTraceparent('garbage'), undefined);
    assert.equal(spanContextFromTraceparent(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`)?.traceFlags, 0);
  });
});
