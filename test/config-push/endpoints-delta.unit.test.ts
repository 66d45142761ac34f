// Endpoints deltas (lib/mesh/endpoints-delta.ts) and the proxy applying them
// (proxy/config/endpoints-update.ts through MeshConfig): a delta turns the base into exactly the
// target, and every malformed or ill-fitting delta is refused with a field path, changing nothing.
//
// Attacker table (a hostile or broken config-push, or bytes damaged on the way):
// | input                                   | outcome                                              |
// |-----------------------------------------|------------------------------------------------------|
// | delta not JSON / unknown member         | ValidationError at `delta` / `delta.<member>`         |
// | remove of an id the base does not hold  | ValidationError at `delta.remove[i]`                  |
// | an id named twice                       | ValidationError at `delta.set[i].id` / remove[i]      |
// | new endpoint missing fields, bad values | ValidationError at `delta.set[i].<field>`             |
// | delta from a base the proxy does not hold | FailedPreconditionError (NACK 9, server resends whole) |
// | any of the above in one response        | MeshConfig keeps its endpoints and version unchanged  |
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailedPreconditionError, ValidationError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { applyEndpointsDelta, decodeEndpointsDelta, diffEndpoints, encodeEndpointsDelta } from '../../lib/mesh/endpoints-delta.js';
import { canonicalJson } from '../../lib/mesh/canonical-json.js';
import { encodeResource, type Endpoint, type EndpointsBody } from '../../lib/mesh/resources.js';
import { MeshConfig } from '../../proxy/config/mesh-config.js';
import { ProxyMetrics } from '../../proxy/telemetry/metrics.js';
import { endpoint, endpointsBody } from '../proxy/fixtures.js';

const NAME = 'default/big';

function body(eps: Endpoint[]): EndpointsBody {
  return endpointsBody(NAME, [...eps].sort((a, b) => (a.id < b.id ? -1 : 1)));
}

const many = (n: number): Endpoint[] => Array.from({ length: n }, (_, i) => endpoint(`big-${String(i).padStart(3, '0')}`, 9000 + i, { address: `10.1.${i >> 8}.${i & 255}`, labels: { version: 'v1' } }));

function violations(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
    return err.violations.map((v) => v.path);
  }
  assert.fail('expected a ValidationError');
}

function mesh(): MeshConfig {
  return new MeshConfig({ identity: 'default/web', locality: { zone: 'z', cluster: 'c' }, metrics: new ProxyMetrics(), logger: silentLogger(), onDemandTimeoutMs: 1000 });
}

describe('endpoints delta', () => {
  it('diff then apply gives exactly the target: adds, removals, weight, labels, unconfirmed set and unset', () => {
    const base = body(many(50));
    const eps = many(50);
    eps.splice(7, 1); // removed
    eps[3] = { ...eps[3]!, weight: 5 };
    eps[4] = { ...eps[4]!, labels: { version: 'v2' } };
    eps[5] = { ...eps[5]!, unconfirmed: true };
    eps.push(endpoint('big-new', 7000, { address: '10.9.9.9', zone: 'z2' }));
    const mid = body(eps);
    const d1 = diffEndpoints(base, mid);
    assert.deepEqual(d1.remove, ['big-007']);
    assert.deepEqual(d1.set.map((p) => Object.keys(p).sort().join(',')), ['id,weight', 'id,labels', 'id,unconfirmed', 'address,cluster,id,labels,port,protocol,weight,zone']);
    const wire = encodeEndpointsDelta(d1);
    assert.equal(canonicalJson(applyEndpointsDelta(base, decodeEndpointsDelta(wire)).body), canonicalJson(mid));
    // Unset an optional field: null on the wire.
    const back = body(mid.endpoints.map((e) => (e.id === 'big-005' ? { ...e, unconfirmed: undefined } : e)));
    const d2 = diffEndpoints(mid, back);
    assert.deepEqual(d2.set, [{ id: 'big-005', unconfirmed: null }]);
    const applied = applyEndpointsDelta(mid, decodeEndpointsDelta(encodeEndpointsDelta(d2)));
    assert.equal(canonicalJson(applied.body), canonicalJson(back));
    assert.equal(applied.body.endpoints.find((e) => e.id === 'big-005')!.unconfirmed, undefined);
    // Equal changes encode to equal bytes; no change is an empty delta.
    assert.deepEqual(encodeEndpointsDelta(diffEndpoints(base, mid)), wire);
    assert.deepEqual(diffEndpoints(base, base), { set: [], remove: [] });
  });

  it('one endpoint change of a 200-endpoint service is under 1 % of the whole body', () => {
    const base = body(many(200));
    const target = body(base.endpoints.map((e) => (e.id === 'big-100' ? { ...e, weight: 7 } : e)));
    const delta = encodeEndpointsDelta(diffEndpoints(base, target));
    const whole = encodeResource(target).body;
    assert.ok(delta.length < whole.length / 100, `delta ${delta.length} B vs whole ${whole.length} B`);
  });

  it('refuses malformed and ill-fitting deltas with field paths', () => {
    const base = body(many(3));
    assert.deepEqual(violations(() => decodeEndpointsDelta(Buffer.from('{nope'))), ['delta']);
    assert.deepEqual(violations(() => decodeEndpointsDelta(Buffer.from('{"set":[],"remove":[],"evil":1}'))), ['delta']);
    assert.deepEqual(violations(() => decodeEndpointsDelta(Buffer.from('{"set":[{"id":"big-000","weight":5000}],"remove":[]}'))), ['delta.set[0].weight']);
    assert.deepEqual(violations(() => decodeEndpointsDelta(Buffer.from('{"set":[{"id":"x","shell":"rm"}],"remove":[]}'))), ['delta.set[0]']);
    assert.deepEqual(violations(() => applyEndpointsDelta(base, { set: [], remove: ['ghost'] })), ['delta.remove[0]']);
    assert.deepEqual(violations(() => applyEndpointsDelta(base, { set: [{ id: 'big-001', weight: 3 }, { id: 'big-001', weight: 4 }], remove: [] })), ['delta.set[1].id']);
    assert.deepEqual(violations(() => applyEndpointsDelta(base, { set: [], remove: ['big-001', 'big-001'] })), ['delta.remove[1]']);
    const missing = violations(() => applyEndpointsDelta(base, { set: [{ id: 'new-one', weight: 3 }], remove: [] }));
    assert.ok(missing.includes('delta.set[0].address') && missing.includes('delta.set[0].port'), missing.join(' '));
    // Unsetting a required field is refused like any invalid endpoint.
    assert.deepEqual(violations(() => applyEndpointsDelta(base, { set: [{ id: 'big-001', port: null }], remove: [] })), ['delta.set[0].port']);
  });

  it('MeshConfig applies a delta to the held version and updates only the changed hosts; refusals change nothing', async () => {
    const m = mesh();
    const base = body(many(20));
    const enc = encodeResource(base);
    m.apply('Endpoints', [enc], []);
    const routing = await m.resolve(NAME);
    const cluster = routing!.cluster;
    const kept = cluster.hosts.find((h) => h.id === 'big-002')!;
    const changedHost = cluster.hosts.find((h) => h.id === 'big-003')!;

    const eps = base.endpoints.filter((e) => e.id !== 'big-010').map((e) => (e.id === 'big-003' ? { ...e, weight: 9 } : e));
    eps.push(endpoint('big-zzz', 7000, { address: '10.7.7.7' }));
    const target = body(eps);
    const tEnc = encodeResource(target);
    const delta = encodeEndpointsDelta(diffEndpoints(base, target));
    m.apply('Endpoints', [{ name: NAME, version: tEnc.version, body: Buffer.alloc(0), baseVersion: enc.version.slice(0, 8), delta }], []);

    assert.equal(m.held('Endpoints')[NAME], tEnc.version);
    assert.deepEqual(cluster.hosts.map((h) => h.id), target.endpoints.map((e) => e.id));
    assert.equal(cluster.hosts.find((h) => h.id === 'big-002'), kept, 'an unchanged host keeps its Host object');
    assert.equal(cluster.hosts.find((h) => h.id === 'big-003'), changedHost, 'a weight change updates the Host in place');
    assert.equal(changedHost.weight, 9);
    assert.equal(canonicalJson((m.dump().services as Record<string, { endpoints: { body: unknown } }>)[NAME]!.endpoints.body), canonicalJson(target));

    // A delta from a base it does not hold (or naming too little of it): FAILED_PRECONDITION, nothing changes.
    for (const base of [enc.version, enc.version.slice(0, 8), tEnc.version.slice(0, 3), '']) {
      assert.throws(() => m.apply('Endpoints', [{ name: NAME, version: 'ffff', body: Buffer.alloc(0), baseVersion: base, delta }], []), FailedPreconditionError, `base ${base}`);
    }
    // A delta that does not fit: ValidationError naming the resource, nothing changes.
    const bad = encodeEndpointsDelta({ set: [], remove: ['ghost'] });
    assert.equal(bad.toString(), '{"remove":["ghost"]}', 'empty lists are left out');
    assert.throws(() => m.apply('Endpoints', [{ name: NAME, version: 'eeee', body: Buffer.alloc(0), baseVersion: tEnc.version.slice(0, 8), delta: bad }], []), (err: unknown) => err instanceof ValidationError && err.violations[0]!.path === `resources[0](${NAME}).delta.remove[0]`);
    assert.equal(m.held('Endpoints')[NAME], tEnc.version);
    assert.deepEqual(cluster.hosts.map((h) => h.id), target.endpoints.map((e) => e.id));
  });
});
