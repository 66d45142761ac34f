import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rule, serviceBody } from '../../test/proxy/fixtures.js';
import { compileFault } from './fault.js';
import { compileHeaderEdits, type HeaderBag } from './header-edits.js';
import { compileHeaderMatch, compileRouteMatch, compileStringMatch } from './request-match.js';
import { backoffMs, retriableFailure, retriableStatus } from './retry-policy.js';
import { compileRouteTable, selectRoute } from './route-table.js';
import { weightedPicker } from './weighted-pick.js';

const input = (path: string, method = 'GET', headers: Record<string, string> = {}) => ({ path, method, headers });

describe('request matching', () => {
  it('matches strings exactly, by prefix and by whole-value regex', () => {
    assert.ok(compileStringMatch({ type: 'exact', value: '/a' })('/a'));
    assert.ok(!compileStringMatch({ type: 'exact', value: '/a' })('/a/'));
    assert.ok(compileStringMatch({ type: 'prefix', value: '/api/' })('/api/x'));
    assert.ok(!compileStringMatch({ type: 'prefix', value: '/api/' })('/API/x'));
    const re = compileStringMatch({ type: 'regex', value: '/users/[0-9]+' });
    assert.ok(re('/users/42'));
    assert.ok(!re('/users/42/x'), 'regex must match the whole value');
    assert.ok(!re('x/users/42'));
  });

  it('rejects regexes outside the safe subset at compile time', () => {
    assert.throws(() => compileStringMatch({ type: 'regex', value: '(a+)+' }));
  });

  it('matches headers by value, presence and absence', () => {
    assert.ok(compileHeaderMatch({ name: 'x-v', type: 'exact', value: '2' })(input('/', 'GET', { 'x-v': '2' })));
    assert.ok(!compileHeaderMatch({ name: 'x-v', type: 'exact', value: '2' })(input('/')));
    assert.ok(compileHeaderMatch({ name: 'x-v', type: 'present' })(input('/', 'GET', { 'x-v': '' })));
    assert.ok(compileHeaderMatch({ name: 'x-v', type: 'absent' })(input('/')));
    assert.ok(!compileHeaderMatch({ name: 'x-v', type: 'absent' })(input('/', 'GET', { 'x-v': '1' })));
  });

  it('requires every condition of a route match', () => {
    const m = compileRouteMatch({ path: { type: 'prefix', value: '/api' }, methods: ['POST'], headers: [{ name: 'x-a', type: 'present' }] });
    assert.ok(m(input('/api/x', 'POST', { 'x-a': '1' })));
    assert.ok(!m(input('/api/x', 'GET', { 'x-a': '1' })));
    assert.ok(!m(input('/api/x', 'POST')));
    assert.ok(!m(input('/other', 'POST', { 'x-a': '1' })));
    assert.ok(compileRouteMatch({ path: null, methods: [], headers: [] })(input('/anything')));
  });

  it('selects the first matching rule, else the default route with service defaults', () => {
    const retries = { attempts: 2, perTryTimeoutMs: null, retryOn: ['5xx' as const], backoff: null };
    const table = compileRouteTable(
      serviceBody('default/b', {
        timeoutMs: 1500,
        retries,
        routes: [
          rule({ name: 'api', match: { path: { type: 'prefix', value: '/api' }, methods: [], headers: [] }, destinations: [{ subset: { v: '2' }, weight: 100 }], timeoutMs: 100 }),
          rule({ match: { path: null, methods: ['DELETE'], headers: [] }, destinations: [{ subset: {}, weight: 100 }] }),
        ],
      }),
      'v1',
    );
    const api = selectRoute(table, input('/api/x'));
    assert.equal(api.name, 'api');
    assert.equal(api.timeoutMs, 100);
    assert.deepEqual(api.retries, retries, 'rules inherit the default retries');
    assert.deepEqual(api.destinations.pick().subset, { v: '2' });
    assert.equal(selectRoute(table, input('/x', 'DELETE')).name, 'rule-1');
    const fallback = selectRoute(table, input('/x'));
    assert.equal(fallback.name, 'default');
    assert.equal(fallback.timeoutMs, 1500);
  });
});

describe('weighted destinations', () => {
  it('picks in proportion to the weights, never a zero weight', () => {
    const p = weightedPicker([
      { item: 'a', weight: 80 },
      { item: 'z', weight: 0 },
      { item: 'b', weight: 20 },
    ]);
    const counts: Record<string, number> = { a: 0, b: 0, z: 0 };
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 10_000; i++) counts[p.pick(rand)]!++;
    assert.equal(counts.z, 0);
    assert.ok(counts.a! > 7700 && counts.a! < 8300, `a=${counts.a}`);
  });
});

describe('retry policy', () => {
  const policy = (retryOn: Array<'5xx' | 'gateway-error' | 'connect-failure' | 'reset'>) => ({ attempts: 3, perTryTimeoutMs: null, retryOn, backoff: { baseMs: 10, maxMs: 40 } });
  it('classifies statuses and failures like Envoy', () => {
    assert.ok(retriableStatus(policy(['5xx']), 500));
    assert.ok(!retriableStatus(policy(['gateway-error']), 500));
    assert.ok(retriableStatus(policy(['gateway-error']), 503));
    assert.ok(!retriableStatus(policy(['connect-failure', 'reset']), 503));
    assert.ok(!retriableStatus(policy(['5xx']), 404));
    assert.ok(retriableFailure(policy(['connect-failure']), 'connect-failure'));
    assert.ok(!retriableFailure(policy(['connect-failure']), 'reset'));
    assert.ok(retriableFailure(policy(['reset']), 'per-try-timeout'));
    assert.ok(retriableFailure(policy(['gateway-error']), 'connect-failure'));
    assert.ok(!retriableFailure(policy(['gateway-error']), 'reset'));
    assert.ok(retriableFailure(policy(['5xx']), 'reset'));
  });
  it('backs off exponentially with full jitter, capped', () => {
    const p = policy(['5xx']);
    assert.equal(backoffMs(p, 1, () => 0.999), 9);
    assert.equal(backoffMs(p, 2, () => 0.999), 19);
    assert.equal(backoffMs(p, 5, () => 0.999), 39);
    assert.equal(backoffMs(p, 3, () => 0), 0);
  });
});

describe('faults and header edits', () => {
  it('injects delay and abort by percentage', () => {
    const f = compileFault({ delay: { durationMs: 50, percent: 50 }, abort: { httpStatus: 503, percent: 100 } })!;
    assert.deepEqual(f(() => 0.1), { delayMs: 50, abortStatus: 503 });
    assert.deepEqual(f(() => 0.9), { delayMs: 0, abortStatus: 503 });
    assert.equal(compileFault(null), null);
    const never = compileFault({ delay: null, abort: { httpStatus: 500, percent: 0 } })!;
    assert.equal(never(() => 0), undefined);
  });
  it('removes, then sets, then appends headers', () => {
    const edit = compileHeaderEdits({ remove: ['x-drop'], set: { 'X-Set': 'v' }, add: { 'x-add': 'b' } })!;
    const h: HeaderBag = { 'x-drop': '1', 'x-set': 'old', 'x-add': 'a' };
    edit(h);
    assert.deepEqual(h, { 'x-set': 'v', 'x-add': ['a', 'b'] });
    assert.equal(compileHeaderEdits({ remove: [], set: {}, add: {} }), null);
  });
});

describe('subset fallback', () => {
  const canary = (subsetFallback?: false) =>
    compileRouteTable(
      serviceBody('default/catalog', {
        routes: [rule({ destinations: [{ subset: { version: 'v1' }, weight: 90 }, { subset: { version: 'v2' }, weight: 10 }], ...(subsetFallback === false ? { subsetFallback } : {}) })],
      }),
      'v',
    );
  const picks = (table: ReturnType<typeof canary>, n: number): Map<string, number> => {
    const out = new Map<string, number>();
    let seed = 0;
    const random = (): number => ((seed = (seed * 9301 + 49297) % 233280) / 233280);
    for (let i = 0; i < n; i++) {
      const d = selectRoute(table, input('/')).destinations.pick(random);
      out.set(d.key, (out.get(d.key) ?? 0) + 1);
    }
    return out;
  };

  it('sends the share of a subset with no healthy endpoint to the other destinations', () => {
    const table = canary();
    table.available = (d) => d.key !== 'version=v1';
    assert.deepEqual([...picks(table, 500)], [['version=v2', 500]]);
  });

  it('keeps the weights while every subset is available, and the choice when none is', () => {
    const table = canary();
    table.available = () => true;
    const split = picks(table, 1000);
    assert.ok((split.get('version=v1') ?? 0) > 800, JSON.stringify([...split]));
    table.available = () => false;
    assert.equal(picks(table, 100).size, 2);
  });

  it('can be turned off per Route', () => {
    const table = canary(false);
    table.available = (d) => d.key !== 'version=v1';
    assert.ok((picks(table, 1000).get('version=v1') ?? 0) > 800);
  });
});
