// The input rules on their own: label keys and values, selectors, addresses, and requests with
// wrong JSON types (which gRPC decoding cannot produce but in-process callers could).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../lib/errors.js';
import { labelKeyProblem, labelValueProblem, matchesSelector, parseLabelSelector } from './labels.js';
import { addressProblem, parseHeartbeatBatch, parseList, parseRegister, parseSetHealth, parseWatch, type ValidationContext } from './validation.js';

const ctx: ValidationContext = { defaultZone: 'zone-a', defaultTtlSeconds: 15, minTtlSeconds: 1, maxTtlSeconds: 300, maxMetadataBytes: 1024 };

function paths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    return err.violations.map((v) => v.path).sort();
  }
  assert.fail('expected a ValidationError');
}

describe('registry input validation', () => {
  it('applies defaults for omitted fields', () => {
    const r = parseRegister({ service: 'web', address: '10.0.0.1', port: 80 }, ctx);
    assert.deepEqual(r, {
      namespace: 'default',
      service: 'web',
      id: undefined,
      address: '10.0.0.1',
      port: 80,
      protocol: 'http1',
      zone: 'zone-a',
      labels: {},
      weight: 100,
      metadata: {},
      ttlSeconds: 15,
      health: 'SERVING',
      expectedIncarnation: 0,
    });
  });

  it('reports wrong JSON types with their paths', () => {
    const table: Array<[string, unknown, string[]]> = [
      ['port as string', { service: 'web', address: 'a', port: '80' }, ['port']],
      ['service as number', { service: 5, address: 'a', port: 80 }, ['service']],
      ['labels as array', { service: 'web', address: 'a', port: 80, labels: ['x'] }, ['labels']],
      ['label value as number', { service: 'web', address: 'a', port: 80, labels: { a: 1 } }, ['labels.a']],
      ['metadata as string', { service: 'web', address: 'a', port: 80, metadata: 'x' }, ['metadata']],
      ['fractional weight', { service: 'web', address: 'a', port: 80, weight: 1.5 }, ['weight']],
      ['unknown field', { service: 'web', address: 'a', port: 80, colour: 'red' }, ['colour']],
      ['negative incarnation', { service: 'web', address: 'a', port: 80, expectedIncarnation: -1 }, ['expectedIncarnation']],
      ['not an object', 'register me', ['']],
    ];
    for (const [name, input, expected] of table) assert.deepEqual(paths(() => parseRegister(input, ctx)), expected, name);
  });

  it('bounds metadata by entries, key length and encoded size', () => {
    assert.deepEqual(paths(() => parseRegister({ service: 'w', address: 'a', port: 1, metadata: { big: 'x'.repeat(2000) } }, ctx)), ['metadata']);
    assert.deepEqual(paths(() => parseRegister({ service: 'w', address: 'a', port: 1, metadata: { ['k'.repeat(129)]: 'v' } }, ctx)), [`metadata.${'k'.repeat(129)}`]);
    const many = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, '']));
    assert.deepEqual(paths(() => parseRegister({ service: 'w', address: 'a', port: 1, metadata: many }, { ...ctx, maxMetadataBytes: 100_000 })), ['metadata']);
  });

  it('checks nested references and enums', () => {
    assert.deepEqual(paths(() => parseSetHealth({ instance: { service: 'web', instanceId: 'w-1' }, health: 'HEALTH_SICK' })), ['health']);
    assert.deepEqual(paths(() => parseSetHealth({ instance: null, health: 'HEALTH_SERVING' })), ['instance']);
    assert.deepEqual(paths(() => parseHeartbeatBatch({ seq: 1, instances: [] })), ['instances']);
    assert.deepEqual(paths(() => parseHeartbeatBatch({ seq: 1, instances: [{ service: 'web', instanceId: 'w', incarnation: 0 }] })), ['instances[0].incarnation']);
    assert.deepEqual(paths(() => parseWatch({ fromRevision: -1, namespace: 'Bad' })), ['fromRevision', 'namespace']);
    assert.deepEqual(paths(() => parseList({ health: ['HEALTH_UNSPECIFIED'] }, () => undefined)), ['health[0]']);
  });

  it('accepts IP addresses and host names, and nothing else', () => {
    for (const ok of ['10.0.0.1', '::1', 'fd00::1', 'catalog', 'catalog.default.svc.cluster.local', 'a-b.example.com.']) {
      assert.equal(addressProblem(ok), undefined, ok);
    }
    for (const bad of ['', '256.0.0.1', '1.2.3', 'fd00:::1', 'under_score.example', '-lead.example', 'a..b', `${'a'.repeat(64)}.com`]) {
      assert.ok(addressProblem(bad), `${bad} should be rejected`);
    }
  });

  it('follows Kubernetes label rules', () => {
    for (const ok of ['app', 'app.kubernetes.io/name', 'a_b-c.d', 'x/Y']) assert.equal(labelKeyProblem(ok), undefined, ok);
    for (const bad of ['', '/name', 'UPPER.example/x', 'a/', '-a', `${'a'.repeat(64)}`, 'a/b/c']) assert.ok(labelKeyProblem(bad), `${bad} should be rejected`);
    for (const ok of ['', 'v1', 'a.b_c-d']) assert.equal(labelValueProblem(ok), undefined, ok);
    for (const bad of ['-v', 'v!', 'a'.repeat(64)]) assert.ok(labelValueProblem(bad), `${bad} should be rejected`);
  });

  it('parses and matches label selectors', () => {
    const sel = parseLabelSelector('app=web, tier!=db,canary,!legacy,env==prod');
    assert.ok(sel.ok);
    if (!sel.ok) return;
    assert.equal(matchesSelector({ app: 'web', canary: '', env: 'prod' }, sel.selector), true);
    assert.equal(matchesSelector({ app: 'web', canary: '', env: 'prod', tier: 'db' }, sel.selector), false);
    assert.equal(matchesSelector({ app: 'web', canary: '', env: 'prod', legacy: 'x' }, sel.selector), false);
    assert.equal(matchesSelector({ app: 'web', env: 'prod' }, sel.selector), false);
    for (const bad of ['=x', 'a=b,', 'a!=!', 'a b=c']) assert.equal(parseLabelSelector(bad).ok, false, bad);
    assert.deepEqual(parseLabelSelector(''), { ok: true, selector: [] });
  });
});
