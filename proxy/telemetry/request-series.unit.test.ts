import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProxyMetrics } from './metrics.js';
import { RequestSeries } from './request-series.js';

describe('per-request series', () => {
  test('buckets are cumulative, a value on a bound counts in that bound, the rest only in +Inf', () => {
    const s = new RequestSeries([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 1, 7]) s.record('outbound', 'ns/a', 'ns/b', 200, '', v);
    const text = s.renderHistogram('d', 'help');
    const l = 'reporter="source",source_workload="ns/a",destination_service="ns/b"';
    assert.match(text, new RegExp(`^d_bucket\\{${l},le="0.1"\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^d_bucket\\{${l},le="1"\\} 4$`, 'm'));
    assert.match(text, new RegExp(`^d_bucket\\{${l},le="\\+Inf"\\} 5$`, 'm'));
    assert.match(text, new RegExp(`^d_sum\\{${l}\\} 8.65$`, 'm'));
    assert.match(text, new RegExp(`^d_count\\{${l}\\} 5$`, 'm'));
    assert.equal(new RequestSeries([1]).renderHistogram('d', 'help'), '', 'no series, no family');
  });

  test('counts reach the counter once per scrape, by outcome; label values are escaped', async () => {
    const m = new ProxyMetrics();
    m.recordRequest('outbound', 'ns/a', 'ns/b', 200, '', 0.001);
    m.recordRequest('outbound', 'ns/a', 'ns/b', 200, '', 0.001);
    m.recordRequest('outbound', 'ns/a', 'ns/b', 503, 'UF,URX', 0.001);
    m.recordRequest('inbound', 'ns/"q\\', 'ns/b', 200, '', 0.001);
    const first = (await m.render()).text;
    assert.match(first, /^plexus_proxy_requests_total\{reporter="source",source_workload="ns\/a",destination_service="ns\/b",response_code="200",response_flags="-"\} 2$/m);
    assert.match(first, /^plexus_proxy_requests_total\{reporter="source",source_workload="ns\/a",destination_service="ns\/b",response_code="503",response_flags="UF,URX"\} 1$/m);
    assert.match(first, /^plexus_proxy_request_duration_seconds_count\{reporter="destination",source_workload="ns\/\\"q\\\\",destination_service="ns\/b"\} 1$/m);
    m.recordRequest('outbound', 'ns/a', 'ns/b', 200, '', 0.001);
    const second = (await m.render()).text;
    assert.match(second, /^plexus_proxy_requests_total\{reporter="source",source_workload="ns\/a",destination_service="ns\/b",response_code="200",response_flags="-"\} 3$/m);
    assert.match(second, /^plexus_proxy_requests_total\{[^}]*response_code="503"[^}]*\} 1$/m, 'not counted twice');
    assert.match(second, /^plexus_proxy_request_duration_seconds_count\{reporter="source",source_workload="ns\/a",destination_service="ns\/b"\} 4$/m);
  });
});
