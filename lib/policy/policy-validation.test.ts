// Validation table for every policy kind: each bad document must be rejected with exactly the
// expected field path(s); valid documents normalise idempotently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy, type Policy } from './index.js';

type Doc = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);

const route = (): Doc => ({
  apiVersion: 'plexus.dev/v1',
  kind: 'Route',
  metadata: { name: 'catalog', namespace: 'default', labels: { team: 'a' } },
  spec: {
    rules: [
      {
        name: 'r0',
        match: { path: { prefix: '/api/' }, methods: ['get'], headers: [{ name: 'X-User', exact: 'a' }] },
        destinations: [
          { subset: { version: 'v1' }, weight: 90 },
          { subset: { version: 'v2' }, weight: 10 },
        ],
        timeout: '1.5s',
        retries: { attempts: 2, perTryTimeout: '250ms', retryOn: ['5xx'], backoff: { baseInterval: '10ms', maxInterval: '1s' } },
        fault: { delay: { fixedDelay: '100ms', percent: 5 }, abort: { httpStatus: 503, percent: 1 } },
        headers: { request: { set: { 'X-A': 'b' }, remove: ['x-b'] } },
        mirror: { subset: { version: 'v2' }, percent: 10 },
      },
    ],
  },
});
const resilience = (): Doc => ({
  apiVersion: 'plexus.dev/v1',
  kind: 'Resilience',
  metadata: { name: 'catalog' },
  spec: {
    loadBalancer: { policy: 'consistent_hash', hashHeader: 'x-session' },
    circuitBreaker: { maxConnections: 10 },
    outlierDetection: { consecutive5xx: 3, interval: '5s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    panicThreshold: 40,
    localityFailover: false,
  },
});
const access = (): Doc => ({
  apiVersion: 'plexus.dev/v1',
  kind: 'Access',
  metadata: { name: 'catalog' },
  spec: { defaultAction: 'deny', rules: [{ action: 'allow', from: ['default/frontend', 'shop/*'], to: { paths: ['/products/*'], methods: ['GET'] } }] },
});
const mesh = (): Doc => ({
  apiVersion: 'plexus.dev/v1',
  kind: 'Mesh',
  metadata: { name: 'default' },
  spec: { defaultAccess: 'deny', defaultTimeout: '10s', defaultRetries: { attempts: 1 }, mtls: { mode: 'STRICT' } },
});

/** Apply `mutate` to a copy of `base()`; the result must fail with exactly `paths`. */
interface BadCase {
  name: string;
  base: () => Doc;
  mutate: (d: Doc & { spec: any; metadata: any }) => void;
  paths: string[];
  message?: RegExp;
}

const BAD: BadCase[] = [
  // envelope
  { name: 'wrong apiVersion', base: route, mutate: (d) => (d.apiVersion = 'v1'), paths: ['apiVersion'] },
  { name: 'unknown kind', base: route, mutate: (d) => (d.kind = 'Gateway'), paths: ['kind'] },
  { name: 'unknown top-level field', base: route, mutate: (d) => (d.status = {}), paths: ['status'], message: /unknown field/ },
  { name: 'missing metadata.name', base: route, mutate: (d) => delete d.metadata.name, paths: ['metadata.name'], message: /required/ },
  { name: 'upper-case name', base: route, mutate: (d) => (d.metadata.name = 'Catalog'), paths: ['metadata.name'] },
  { name: 'bad namespace', base: route, mutate: (d) => (d.metadata.namespace = 'a_b'), paths: ['metadata.namespace'] },
  { name: 'bad label key', base: route, mutate: (d) => (d.metadata.labels = { 'bad key': 'x' }), paths: ['metadata.labels.bad key'] },
  { name: 'bad label value', base: route, mutate: (d) => (d.metadata.labels = { team: 'has space' }), paths: ['metadata.labels.team'] },
  { name: 'missing spec', base: route, mutate: (d) => delete d.spec, paths: ['spec'], message: /required/ },
  // Route
  { name: 'no rules', base: route, mutate: (d) => (d.spec.rules = []), paths: ['spec.rules'] },
  { name: 'weights sum to 110', base: route, mutate: (d) => (d.spec.rules[0].destinations[0].weight = 100), paths: ['spec.rules[0].destinations'], message: /sum to 100 \(got 110\)/ },
  { name: 'weight missing with two destinations', base: route, mutate: (d) => delete d.spec.rules[0].destinations[1].weight, paths: ['spec.rules[0].destinations[1].weight'] },
  { name: 'weight above 100', base: route, mutate: (d) => (d.spec.rules[0].destinations[0].weight = 101), paths: ['spec.rules[0].destinations[0].weight'] },
  { name: 'fractional weight', base: route, mutate: (d) => (d.spec.rules[0].destinations[0].weight = 89.5), paths: ['spec.rules[0].destinations[0].weight'] },
  { name: 'duplicate subsets', base: route, mutate: (d) => (d.spec.rules[0].destinations[1].subset = { version: 'v1' }), paths: ['spec.rules[0].destinations[1].subset'] },
  { name: 'lone destination with weight 50', base: route, mutate: (d) => (d.spec.rules[0].destinations = [{ weight: 50 }]), paths: ['spec.rules[0].destinations[0].weight'] },
  { name: 'duration without unit suffix text', base: route, mutate: (d) => (d.spec.rules[0].timeout = '1.5 seconds'), paths: ['spec.rules[0].timeout'] },
  { name: 'duration too long', base: route, mutate: (d) => (d.spec.rules[0].timeout = '11m'), paths: ['spec.rules[0].timeout'], message: /between 1ms and 10m/ },
  { name: 'zero timeout', base: route, mutate: (d) => (d.spec.rules[0].timeout = '0s'), paths: ['spec.rules[0].timeout'] },
  { name: 'sub-millisecond duration', base: route, mutate: (d) => (d.spec.rules[0].timeout = '0.5ms'), paths: ['spec.rules[0].timeout'] },
  { name: 'path match with two kinds', base: route, mutate: (d) => (d.spec.rules[0].match.path = { exact: '/a', prefix: '/b' }), paths: ['spec.rules[0].match.path'], message: /exactly one/ },
  { name: 'path not starting with /', base: route, mutate: (d) => (d.spec.rules[0].match.path = { prefix: 'api' }), paths: ['spec.rules[0].match.path.prefix'] },
  { name: 'nested quantifier regex', base: route, mutate: (d) => (d.spec.rules[0].match.path = { regex: '/(a+)+b' }), paths: ['spec.rules[0].match.path.regex'], message: /nested quantifier/ },
  { name: 'backreference regex', base: route, mutate: (d) => (d.spec.rules[0].match.path = { regex: '/(a)\\1' }), paths: ['spec.rules[0].match.path.regex'], message: /backreference/ },
  { name: 'lookahead regex', base: route, mutate: (d) => (d.spec.rules[0].match.headers[0] = { name: 'x', regex: '(?=a)a' }), paths: ['spec.rules[0].match.headers[0].regex'], message: /lookahead/ },
  { name: 'regex too long', base: route, mutate: (d) => (d.spec.rules[0].match.headers[0] = { name: 'x', regex: 'a'.repeat(300) }), paths: ['spec.rules[0].match.headers[0].regex'], message: /at most 256/ },
  { name: 'unbalanced regex', base: route, mutate: (d) => (d.spec.rules[0].match.headers[0] = { name: 'x', regex: '(ab' }), paths: ['spec.rules[0].match.headers[0].regex'] },
  { name: 'invalid header name', base: route, mutate: (d) => (d.spec.rules[0].match.headers[0].name = 'x user'), paths: ['spec.rules[0].match.headers[0].name'] },
  { name: 'header match with no condition', base: route, mutate: (d) => (d.spec.rules[0].match.headers[0] = { name: 'x' }), paths: ['spec.rules[0].match.headers[0]'] },
  { name: 'unknown method', base: route, mutate: (d) => (d.spec.rules[0].match.methods = ['GET', 'FETCH']), paths: ['spec.rules[0].match.methods[1]'] },
  { name: 'duplicate methods', base: route, mutate: (d) => (d.spec.rules[0].match.methods = ['GET', 'get']), paths: ['spec.rules[0].match.methods'], message: /duplicates/ },
  { name: 'retry attempts 11', base: route, mutate: (d) => (d.spec.rules[0].retries.attempts = 11), paths: ['spec.rules[0].retries.attempts'] },
  { name: 'unknown retryOn', base: route, mutate: (d) => (d.spec.rules[0].retries.retryOn = ['5xx', 'timeout']), paths: ['spec.rules[0].retries.retryOn[1]'] },
  { name: 'backoff base above max', base: route, mutate: (d) => (d.spec.rules[0].retries.backoff = { baseInterval: '2s', maxInterval: '1s' }), paths: ['spec.rules[0].retries.backoff.maxInterval'] },
  { name: 'fault percent above 100', base: route, mutate: (d) => (d.spec.rules[0].fault.delay.percent = 150), paths: ['spec.rules[0].fault.delay.percent'] },
  { name: 'fault abort status 99', base: route, mutate: (d) => (d.spec.rules[0].fault.abort.httpStatus = 99), paths: ['spec.rules[0].fault.abort.httpStatus'] },
  { name: 'empty fault', base: route, mutate: (d) => (d.spec.rules[0].fault = {}), paths: ['spec.rules[0].fault'] },
  { name: 'set a framing header', base: route, mutate: (d) => (d.spec.rules[0].headers.request.set = { 'Content-Length': '1' }), paths: ['spec.rules[0].headers.request.set.Content-Length'] },
  { name: 'header value with newline', base: route, mutate: (d) => (d.spec.rules[0].headers.request.set = { 'x-a': 'a\r\nb' }), paths: ['spec.rules[0].headers.request.set.x-a'] },
  { name: 'mirror percent negative', base: route, mutate: (d) => (d.spec.rules[0].mirror.percent = -1), paths: ['spec.rules[0].mirror.percent'] },
  { name: 'unknown rule field', base: route, mutate: (d) => (d.spec.rules[0].weight = 5), paths: ['spec.rules[0].weight'], message: /unknown field/ },
  // Resilience
  { name: 'unknown lb policy', base: resilience, mutate: (d) => (d.spec.loadBalancer = { policy: 'fastest' }), paths: ['spec.loadBalancer.policy'] },
  { name: 'consistent hash without header', base: resilience, mutate: (d) => delete d.spec.loadBalancer.hashHeader, paths: ['spec.loadBalancer.hashHeader'] },
  { name: 'hash header with round robin', base: resilience, mutate: (d) => (d.spec.loadBalancer.policy = 'round_robin'), paths: ['spec.loadBalancer.hashHeader'] },
  { name: 'zero max connections', base: resilience, mutate: (d) => (d.spec.circuitBreaker.maxConnections = 0), paths: ['spec.circuitBreaker.maxConnections'] },
  { name: 'ejection percent 101', base: resilience, mutate: (d) => (d.spec.outlierDetection.maxEjectionPercent = 101), paths: ['spec.outlierDetection.maxEjectionPercent'] },
  { name: 'outlier interval too short', base: resilience, mutate: (d) => (d.spec.outlierDetection.interval = '10ms'), paths: ['spec.outlierDetection.interval'] },
  { name: 'panic threshold as text', base: resilience, mutate: (d) => (d.spec.panicThreshold = '40%'), paths: ['spec.panicThreshold'] },
  { name: 'locality failover as text', base: resilience, mutate: (d) => (d.spec.localityFailover = 'yes'), paths: ['spec.localityFailover'] },
  // Access
  { name: 'unknown action', base: access, mutate: (d) => (d.spec.rules[0].action = 'permit'), paths: ['spec.rules[0].action'] },
  { name: 'bad source identity', base: access, mutate: (d) => (d.spec.rules[0].from = ['frontend']), paths: ['spec.rules[0].from[0]'] },
  { name: 'empty from', base: access, mutate: (d) => (d.spec.rules[0].from = []), paths: ['spec.rules[0].from'] },
  { name: 'wildcard in the middle of a path', base: access, mutate: (d) => (d.spec.rules[0].to.paths = ['/a/*/b']), paths: ['spec.rules[0].to.paths[0]'] },
  { name: 'bad default action', base: access, mutate: (d) => (d.spec.defaultAction = 'reject'), paths: ['spec.defaultAction'] },
  // Mesh
  { name: 'second mesh policy name', base: mesh, mutate: (d) => (d.metadata.name = 'other'), paths: ['metadata.name'], message: /single Mesh/ },
  { name: 'mesh in a namespace', base: mesh, mutate: (d) => (d.metadata.namespace = 'shop'), paths: ['metadata.namespace'] },
  { name: 'unknown mtls mode', base: mesh, mutate: (d) => (d.spec.mtls = { mode: 'on' }), paths: ['spec.mtls.mode'] },
  { name: 'mesh default timeout unparsable', base: mesh, mutate: (d) => (d.spec.defaultTimeout = 'soon'), paths: ['spec.defaultTimeout'] },
  { name: 'mesh unknown field', base: mesh, mutate: (d) => (d.spec.tracing = true), paths: ['spec.tracing'] },
];

void describe('policy validation table', () => {
  void it('has at least 30 bad documents across the four kinds', () => {
    assert.ok(BAD.length >= 30);
    for (const kind of [route, resilience, access, mesh]) assert.ok(BAD.some((c) => c.base === kind));
  });

  for (const c of BAD) {
    void it(`rejects: ${c.name}`, () => {
      const doc = clone(c.base()) as Doc & { spec: any; metadata: any };
      c.mutate(doc);
      const result = parsePolicy(doc);
      assert.equal(result.ok, false, 'document should be rejected');
      if (result.ok) return;
      assert.deepEqual(result.violations.map((v) => v.path).sort(), [...c.paths].sort(), JSON.stringify(result.violations));
      if (c.message) assert.match(result.violations.map((v) => v.message).join(' | '), c.message);
    });
  }

  void it('reports every problem of one document at once', () => {
    const doc = route() as Doc & { spec: any; metadata: any };
    doc.apiVersion = 'x';
    doc.metadata.name = 'Bad';
    doc.spec.rules[0].timeout = 'never';
    doc.spec.rules[0].destinations[0].weight = 50;
    doc.spec.rules[0].match.headers[0].regex = '(a|aa)*';
    delete doc.spec.rules[0].match.headers[0].exact;
    const result = parsePolicy(doc);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.violations.map((v) => v.path).sort(),
      ['apiVersion', 'metadata.name', 'spec.rules[0].destinations', 'spec.rules[0].match.headers[0].regex', 'spec.rules[0].timeout'].sort(),
    );
  });

  void it('rejects a __proto__ key by name instead of dropping it', () => {
    const doc = JSON.parse('{"apiVersion":"plexus.dev/v1","kind":"Route","metadata":{"name":"a"},"spec":{"rules":[{"destinations":[{}],"headers":{"request":{"set":{"__proto__":"x"}}}}]}}') as unknown;
    const r = parsePolicy(doc);
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.violations.map((v) => v.path), ['spec.rules[0].headers.request.set.__proto__']);
  });

  void it('rejects non-objects at the root', () => {
    for (const bad of [null, 3, 'Route', [route()]]) {
      const r = parsePolicy(bad);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.violations[0]!.path, '');
    }
  });
});

void describe('policy normalisation', () => {
  for (const [name, make] of [['Route', route], ['Resilience', resilience], ['Access', access], ['Mesh', mesh]] as const) {
    void it(`${name}: valid, and normalising the normalised form changes nothing`, () => {
      const first = parsePolicy(make());
      assert.ok(first.ok, JSON.stringify(!first.ok && first.violations));
      const again = parsePolicy(JSON.parse(JSON.stringify(first.policy)));
      assert.ok(again.ok);
      assert.deepEqual(again.policy, first.policy);
    });
  }

  void it('fills defaults, converts durations to ms and normalises case', () => {
    const r = parsePolicy(route());
    assert.ok(r.ok);
    const p = r.policy as Extract<Policy, { kind: 'Route' }>;
    const rule = p.spec.rules[0]!;
    assert.equal(rule.timeout, 1500);
    assert.equal(rule.retries?.perTryTimeout, 250);
    assert.deepEqual(rule.retries?.backoff, { baseInterval: 10, maxInterval: 1000 });
    assert.equal(rule.fault?.delay?.fixedDelay, 100);
    assert.deepEqual(rule.match?.methods, ['GET']);
    assert.equal(rule.match?.headers?.[0]?.name, 'x-user');
    assert.deepEqual(rule.headers?.request?.set, { 'x-a': 'b' });
    assert.equal(p.metadata.namespace, 'default');

    const lone = parsePolicy({ apiVersion: 'plexus.dev/v1', kind: 'Route', metadata: { name: 'a' }, spec: { rules: [{ destinations: [{}] }] } });
    assert.ok(lone.ok);
    assert.deepEqual((lone.policy as Extract<Policy, { kind: 'Route' }>).spec.rules[0]!.destinations, [{ subset: {}, weight: 100 }]);

    const res = parsePolicy({ apiVersion: 'plexus.dev/v1', kind: 'Resilience', metadata: { name: 'a' }, spec: {} });
    assert.ok(res.ok);
    assert.deepEqual(res.policy.spec, { loadBalancer: { policy: 'round_robin' }, panicThreshold: 50, localityFailover: true });

    const m = parsePolicy({ apiVersion: 'plexus.dev/v1', kind: 'Mesh', metadata: { name: 'default' }, spec: {} });
    assert.ok(m.ok);
    assert.deepEqual(m.policy.spec, {
      defaultAccess: 'allow',
      defaultTimeout: 15000,
      defaultRetries: { attempts: 2, retryOn: ['gateway-error', 'connect-failure', 'reset'], backoff: { baseInterval: 25, maxInterval: 250 } },
      mtls: { mode: 'STRICT' },
    });
  });
});
