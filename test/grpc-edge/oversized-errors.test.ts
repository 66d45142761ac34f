// A request with thousands of problems gets INVALID_ARGUMENT promptly from every service, with
// at most 100 violations listed and the count of the rest, and the caller's connection keeps
// working. Unbounded details (trailers above ~64 KB) used to get no answer at all and wedge it.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PolicyClient } from '../../lib/policy-client/index.js';
import { ValidationError, type FieldViolation } from '../../lib/errors.js';
import { serviceClient } from '../../lib/grpc/proto.js';
import { violationsFromStatus } from '../../lib/grpc/status.js';
import { RegistryApi } from '../../lib/registry-client/registry-api.js';
import { createRuntime, type Runtime } from '../../lib/runtime.js';
import { configPushOptions } from '../../services/config-push/config.js';
import { DISCOVERY_PROTO, DISCOVERY_SERVICE, STATUS_PROTO, STATUS_SERVICE, startConfigPush } from '../../services/config-push/config-push-service.js';
import { startPolicyService } from '../../services/policy/policy-service.js';
import { registryOptions } from '../../services/registry/config.js';
import { startRegistry } from '../../services/registry/registry-service.js';

const MANY = 5000;
/** Well inside any deadline a caller would set. */
const PROMPT_MS = 5000;

async function runtimeFor(service: 'registry' | 'policy' | 'config-push'): Promise<Runtime> {
  return createRuntime(service, {
    cluster: 'test',
    zone: 'zone-a',
    instance: `${service}-edge`,
    logLevel: 'silent',
    store: { backend: 'memory' },
    bus: { kind: 'memory' },
    admin: { host: '127.0.0.1', port: 0 },
  });
}

/** The listed violations and the count a trailing `… and N more` entry gives. */
function splitMore(violations: FieldViolation[]): { listed: FieldViolation[]; more: number } {
  const last = violations[violations.length - 1];
  const m = last && last.path === '' ? /^… and (\d+) more$/.exec(last.message) : null;
  return m ? { listed: violations.slice(0, -1), more: Number(m[1]) } : { listed: violations, more: 0 };
}

function assertBounded(violations: FieldViolation[], atLeast: number): void {
  const { listed, more } = splitMore(violations);
  assert.ok(listed.length > 0 && listed.length <= 100, `${listed.length} violations listed`);
  assert.ok(listed.length + more >= atLeast, `${listed.length} listed + ${more} more < ${atLeast}`);
}

describe('oversized INVALID_ARGUMENT answers', { timeout: 60_000 }, () => {
  const runtimes: Runtime[] = [];
  before(async () => {
    for (const s of ['registry', 'policy', 'config-push'] as const) runtimes.push(await runtimeFor(s));
  });
  after(async () => {
    for (const r of runtimes) await r.lifecycle.shutdown('test done');
  });

  it('registry: Register with thousands of bad labels', async () => {
    const runtime = runtimes[0]!;
    const handle = await startRegistry(runtime, {
      cluster: 'test',
      zone: 'zone-a',
      instance: 'registry-edge',
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      registry: registryOptions({ maxRequestBytes: 4 * 1024 * 1024 }),
    });
    const api = new RegistryApi(handle.address, { deadlineMs: 10_000 });
    try {
      const labels = Object.fromEntries(Array.from({ length: MANY }, (_, i) => [`Bad Key ${i} ${'!'.repeat(40)}`, 'v']));
      const started = Date.now();
      const err = await api.register({ service: 'edge', address: '10.0.0.1', port: 80, labels }).then(
        () => assert.fail('Register succeeded'),
        (e: unknown) => e,
      );
      assert.ok(Date.now() - started < PROMPT_MS, `answered after ${Date.now() - started} ms`);
      assert.ok(err instanceof ValidationError, String(err));
      assertBounded(err.violations, MANY);
      // The same connection still answers.
      const page = await api.list({ service: 'edge' });
      assert.deepEqual(page.instances, []);
    } finally {
      api.close();
    }
  });

  it('policy: Apply of a huge invalid document', async () => {
    const runtime = runtimes[1]!;
    const handle = await startPolicyService(runtime, {
      cluster: 'test',
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      auth: { tokens: [], anonymous: 'admin' },
      policy: { maxRequestBytes: 4 * 1024 * 1024 },
    });
    const client = new PolicyClient(handle.address, { deadlineMs: 10_000 });
    try {
      const rules = Array.from({ length: 100 }, (_, r) => ({
        action: 'allow',
        from: Array.from({ length: MANY / 100 }, (_, i) => `Not A Source ${r}-${i} ${'#'.repeat(30)}`),
      }));
      const document = { apiVersion: 'plexus.io/v1', kind: 'Access', metadata: { namespace: 'default', name: 'edge' }, spec: { rules } };
      const started = Date.now();
      const err = await client.apply({ document }).then(
        () => assert.fail('Apply succeeded'),
        (e: unknown) => e,
      );
      assert.ok(Date.now() - started < PROMPT_MS, `answered after ${Date.now() - started} ms`);
      assert.ok(err instanceof ValidationError, String(err));
      assertBounded(err.violations, MANY);
      assert.deepEqual((await client.list()).policies, []);
    } finally {
      client.close();
    }
  });

  it('config-push: a discovery request subscribing thousands of bad names, then a Status call on the same connection', async () => {
    const runtime = runtimes[2]!;
    const handle = await startConfigPush(runtime, {
      cluster: 'test',
      instance: 'config-push-edge',
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      configPush: configPushOptions({ maxRequestBytes: 4 * 1024 * 1024 }),
    });
    const Discovery = serviceClient(DISCOVERY_PROTO, DISCOVERY_SERVICE);
    const Status = serviceClient(STATUS_PROTO, STATUS_SERVICE);
    const discovery = new Discovery(handle.address, grpc.credentials.createInsecure());
    const status = new Status(handle.address, grpc.credentials.createInsecure(), { channelOverride: discovery.getChannel() });
    try {
      const started = Date.now();
      const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
        const stream = (discovery as unknown as { DeltaResources(o: grpc.CallOptions): grpc.ClientDuplexStream<unknown, unknown> }).DeltaResources({
          deadline: Date.now() + 10_000,
        });
        stream.on('data', () => reject(new Error('got a response to an invalid request')));
        stream.on('error', (e: grpc.ServiceError) => resolve(e));
        stream.on('end', () => reject(new Error('stream ended without a status error')));
        stream.write({
          node: { instanceId: 'edge-1', namespace: 'default', service: 'edge', cluster: '', zone: '', labels: {}, proxyVersion: 't' },
          type: 'Service',
          subscribe: Array.from({ length: MANY }, (_, i) => `Not/A Name ${i}`),
        });
      });
      assert.ok(Date.now() - started < PROMPT_MS, `answered after ${Date.now() - started} ms`);
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT, err.message);
      assertBounded(violationsFromStatus(err), MANY);
      assert.match(err.details, /… and \d+ more$/);

      const res = await new Promise<{ proxies: unknown[] }>((resolve, reject) => {
        (status as unknown as {
          ProxyStatus(req: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: { proxies: unknown[] }) => void): void;
        }).ProxyStatus({}, { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r!)));
      });
      assert.deepEqual(res.proxies, []);
    } finally {
      status.close();
      discovery.close();
    }
  });
});
