// The proxy's /metrics text, written by lib/metrics instead of prom-client: the same families
// render as prom-client renders them (differential check), hostile label values (a service name
// is network input from the control plane) cannot break out of their quotes, and the whole page
// passes `promtool check metrics`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import client from 'prom-client';
import { MetricSet } from '../../lib/metrics/exposition.js';
import { ProxyMetrics } from '../../proxy/telemetry/metrics.js';

const PROMTOOL = '/usr/bin/promtool';

/** Label values an attacker-named service or workload could carry. */
const HOSTILE = ['plain', 'a"b', 'back\\slash', 'line\nfeed', '"} 1\nplexus_fake 2 #', 'ünïcode', '', '\\"'];

/** One sample line: name, optional {labels}, value. Label values are quoted with \\ \" \n escapes only. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$/;

function parseStrict(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a valid sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1]!, labels, value: Number(m[3] === '+Inf' ? Infinity : m[3]) });
  }
  return out;
}

describe('proxy metrics exposition', () => {
  it('counters and gauges render as prom-client renders them, label escaping included', async () => {
    const ours = new MetricSet();
    const registry = new client.Registry();
    const c = ours.counter('t_requests_total', 'Requests\nwith a \\ in help', ['destination', 'code']);
    const pc = new client.Counter({ name: 't_requests_total', help: 'Requests\nwith a \\ in help', labelNames: ['destination', 'code'], registers: [registry] });
    const g = ours.gauge('t_open', 'Open', ['destination']);
    const pg = new client.Gauge({ name: 't_open', help: 'Open', labelNames: ['destination'], registers: [registry] });
    const plainC = ours.counter('t_plain_total', 'No labels');
    const pPlainC = new client.Counter({ name: 't_plain_total', help: 'No labels', registers: [registry] });
    const plainG = ours.gauge('t_connected', 'No labels, never set');
    new client.Gauge({ name: 't_connected', help: 'No labels, never set', registers: [registry] });
    for (const [i, d] of HOSTILE.entries()) {
      c.inc({ destination: d, code: 200 }, i + 1);
      pc.inc({ destination: d, code: 200 }, i + 1);
      g.set({ destination: d }, i);
      pg.set({ destination: d }, i);
    }
    g.remove({ destination: 'plain' });
    pg.remove({ destination: 'plain' });
    plainC.inc();
    pPlainC.inc();
    plainC.inc(2.5);
    pPlainC.inc(2.5);
    assert.equal(plainG.name, 't_connected');
    assert.equal(ours.render().trimEnd(), (await registry.metrics()).replace(/\n\n/g, '\n').trimEnd());
    assert.throws(() => c.inc({ destination: 'x' }, -1), /only goes up/);
  });

  it('hostile service names stay inside their label values; the page passes promtool', async (t) => {
    const m = new ProxyMetrics();
    for (const name of HOSTILE) {
      m.recordRequest('outbound', `default/${name}`, `ns/${name}`, 503, 'UH', 0.002);
      m.retries.inc({ destination: name });
      m.setConfigVersion('Service', name, `v-${name}`);
    }
    m.setConfigVersion('Service', 'plain', undefined);
    m.controlPlaneConnected.set(1);
    const { text, contentType } = await m.render();
    assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const samples = parseStrict(text);
    assert.ok(!samples.some((s) => s.name === 'plexus_fake'), 'an injected sample line');
    const requests = samples.filter((s) => s.name === 'plexus_proxy_requests_total');
    assert.deepEqual(requests.map((s) => s.labels.destination_service).sort(), HOSTILE.map((n) => `ns/${n}`).sort());
    assert.ok(requests.every((s) => s.value === 1 && s.labels.response_flags === 'UH' && s.labels.reporter === 'source'));
    const buckets = samples.filter((s) => s.name === 'plexus_proxy_request_duration_seconds_bucket' && s.labels.destination_service === 'ns/a"b');
    assert.equal(buckets.find((s) => s.labels.le === '0.0025')?.value, 1);
    const versions = samples.filter((s) => s.name === 'plexus_proxy_config_version_info').map((s) => s.labels.name);
    assert.deepEqual(versions.sort(), HOSTILE.filter((n) => n !== 'plain').sort(), 'the removed resource has no series left');
    assert.ok(samples.some((s) => s.name === 'plexus_proxy_control_plane_connected' && s.value === 1));
    for (const name of ['plexus_process_cpu_user_seconds_total', 'plexus_process_resident_memory_bytes', 'plexus_nodejs_heap_size_used_bytes', 'plexus_nodejs_eventloop_lag_p99_seconds']) {
      assert.ok(samples.some((s) => s.name === name && Number.isFinite(s.value)), name);
    }
    if (!existsSync(PROMTOOL)) return t.skip(`${PROMTOOL} missing (apt-get install prometheus)`);
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
