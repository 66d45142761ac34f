// Traces end to end, on the dev mesh in this process with every proxy and service exporting to
// an in-process OTLP/HTTP receiver: one request through the gateway is one trace whose spans
// chain gateway → frontend → catalog → pricing with every parent link intact, and a policy
// Apply is one trace from the policy service's Apply span through config-push's rollout to a
// push → ACK span per affected proxy. A caller's traceparent is continued, and a proxy without
// a collector configured makes no spans (its traceparent still flows).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaneChannel, rootsOnlySource } from '../../lib/grpc/tls.js';
import { PolicyClient } from '../../lib/policy-client/index.js';
import { pino } from 'pino';
import { startDevMesh, type DevMesh } from '../../deploy/dev/dev-mesh.js';
import { waitFor, REPO } from '../harness/index.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const ports = () => ({
  registry: 0,
  policy: 0,
  configPush: 0,
  registryAdmin: 0,
  policyAdmin: 0,
  configPushAdmin: 0,
  identity: 0,
  identityAdmin: 0,
  console: 0,
  gateway: 0,
});

describe('OpenTelemetry traces to an OTLP/HTTP collector', () => {
  let receiver: OtlpReceiver;
  let mesh: DevMesh;

  before(async () => {
    receiver = await startOtlpReceiver();
    const p = ports();
    mesh = await startDevMesh({
      cluster: 'local',
      store: { backend: 'memory' },
      bus: { kind: 'memory' },
      host: '127.0.0.1',
      gatewayPort: p.gateway,
      ports: p,
      logger: pino({ level: 'silent' }),
      tracing: { otlpEndpoint: receiver.url, sampleRatio: 1, exportDelayMs: 50 },
    });
    await mesh.gateway.ready();
  });
  after(async () => {
    await mesh?.close();
    await receiver?.close();
  });

  const trace = (traceId: string): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);

  test('one request through the gateway is one trace: gateway → frontend → catalog → pricing, parents intact', async (t) => {
    const started = Date.now();
    const traceId = 'a'.repeat(16) + 'b'.repeat(16);
    const callerSpan = 'c'.repeat(16);
    const res = await get(`${mesh.gatewayUrl}/`, { traceparent: `00-${traceId}-${callerSpan}-01` });
    assert.equal(res.status, 200, res.body);
    // inbound+outbound for frontend and catalog, inbound for pricing, one for the gateway.
    await waitFor('the six spans of the request', () => trace(traceId).length >= 6, { timeoutMs: 20_000 });
    t.diagnostic(`spans arrived ${Date.now() - started} ms after the request`);
    const spans = trace(traceId);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const gw = spans.find((s) => s.service === 'ingress-gateway');
    assert.ok(gw, JSON.stringify(spans, null, 1));
    assert.equal(gw.parentSpanId, callerSpan, 'the gateway continues the caller’s traceparent');
    for (const s of spans) {
      if (s === gw) continue;
      assert.ok(byId.has(s.parentSpanId), `span ${s.service} ${s.name} has a parent in the trace`);
    }
    // Walk from pricing's inbound span up to the gateway.
    const chain: string[] = [];
    let cur = spans.find((s) => s.service === 'pricing' && s.attributes['plexus.direction'] === 'inbound');
    while (cur) {
      chain.unshift(`${cur.service}:${String(cur.attributes['plexus.direction'])}`);
      cur = byId.get(cur.parentSpanId);
    }
    assert.deepEqual(chain, [
      'ingress-gateway:outbound',
      'frontend:inbound',
      'frontend:outbound',
      'catalog:inbound',
      'catalog:outbound',
      'pricing:inbound',
    ]);
    const out = spans.find((s) => s.service === 'frontend' && s.attributes['plexus.direction'] === 'outbound')!;
    assert.equal(out.attributes['plexus.destination'], 'default/catalog');
    assert.equal(out.attributes['peer.service'], 'default/catalog');
    assert.equal(out.attributes['http.response.status_code'], 200);
    assert.equal(out.attributes['plexus.response_flags'], '-');
    assert.equal(out.attributes['plexus.retry_attempts'], 0);
    assert.equal(typeof out.attributes['plexus.route'], 'string');
    const inbound = spans.find((s) => s.service === 'catalog' && s.attributes['plexus.direction'] === 'inbound')!;
    assert.equal(inbound.attributes['peer.service'], 'default/frontend');
  });

  test('a policy Apply is one trace: Apply → config-push rollout → push → ACK per affected proxy', async () => {
    const doc = parseYaml(readFileSync(join(REPO, 'examples', 'canary.yaml'), 'utf8')) as unknown;
    const client = new PolicyClient(mesh.controlPlane.addresses.policy, {
      credentials: controlPlaneChannel({ tls: rootsOnlySource(mesh.controlPlane.rootPem) }, 'policy'),
    });
    // The caller's trace: plexctl-like clients may send traceparent as gRPC metadata.
    const traceId = 'd'.repeat(32);
    const md = new grpc.Metadata();
    md.set('traceparent', `00-${traceId}-${'e'.repeat(16)}-01`);
    try {
      await new Promise<void>((resolve, reject) =>
        client.raw.Apply({ document: JSON.stringify(doc), dryRun: false }, md, (err) => (err ? reject(err) : resolve())),
      );
    } finally {
      client.close();
    }
    await waitFor(
      'the rollout span and the ACK span of the catalog caller',
      () => {
        const spans = trace(traceId);
        return spans.some((s) => s.name.startsWith('config-push rollout')) && spans.some((s) => s.name.startsWith('push → ACK'));
      },
      { timeoutMs: 20_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify(trace(traceId), null, 1)}`);
    }
    );
    // Let the rollout span itself end and arrive.
    await waitFor('the finished rollout', () => trace(traceId).some((s) => s.name.startsWith('config-push rollout') && s.attributes['plexus.rollout.outcome'] !== undefined), { timeoutMs: 35_000 });
    const spans = trace(traceId);
    const apply = spans.find((s) => s.service === 'policy' && s.name.startsWith('policy Apply'));
    assert.ok(apply, JSON.stringify(spans, null, 1));
    assert.equal(apply.parentSpanId, 'e'.repeat(16));
    assert.equal(apply.attributes['plexus.policy'], 'Route/default/catalog');
    const rollout = spans.find((s) => s.name.startsWith('config-push rollout'))!;
    assert.equal(rollout.service, 'config-push');
    assert.equal(rollout.parentSpanId, apply.spanId, 'config-push joins the Apply span through the event');
    assert.equal(rollout.attributes['plexus.rollout.outcome'], 'COMPLETE');
    const acks = spans.filter((s) => s.name.startsWith('push → ACK'));
    for (const a of acks) {
      assert.equal(a.parentSpanId, rollout.spanId);
      assert.equal(a.attributes['plexus.push.result'], 'acked');
    }
    // The Route feeds the Service resource of default/catalog, which its caller (frontend) holds.
    assert.equal(acks.length, rollout.attributes['plexus.rollout.affected']);
    const proxies = acks.map((a) => String(a.attributes['plexus.proxy'])).sort();
    assert.ok(proxies.includes('frontend-v1'), proxies.join(', '));
    assert.equal(receiver.rejected, 0);
  });
});
