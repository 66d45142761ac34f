import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoint } from '../../test/proxy/fixtures.js';
import { ProxyMetrics } from '../telemetry/metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { Cluster } from './cluster.js';
import { Host } from './host.js';
import { HostSelector } from './host-selector.js';
import { ConsistentHashBalancer } from './lb-consistent-hash.js';
import { LeastRequestBalancer } from './lb-least-request.js';
import { RandomBalancer } from './lb-random.js';
import { RoundRobinBalancer } from './lb-round-robin.js';
import { OutlierDetector } from './outlier-detector.js';

function hosts(n: number, over: (i: number) => Partial<Parameters<typeof endpoint>[2]> = () => ({})): Host[] {
  return Array.from({ length: n }, (_, i) => new Host(endpoint(`h${i}`, 9000 + i, over(i))));
}
function lcg(seed = 7): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
}
function tally(pick: () => Host | undefined, n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = pick()!;
    m.set(h.id, (m.get(h.id) ?? 0) + 1);
  }
  return m;
}

describe('load balancers', () => {
  it('round robin rotates evenly and honours weights smoothly', () => {
    const rr = new RoundRobinBalancer();
    const hs = hosts(3);
    rr.update(hs);
    assert.deepEqual([...tally(() => rr.pick({}), 300).values()], [100, 100, 100]);
    const w = hosts(2, (i) => ({ weight: i === 0 ? 300 : 100 }));
    rr.update(w);
    const seq = Array.from({ length: 8 }, () => rr.pick({})!.id);
    assert.equal(seq.filter((id) => id === 'h0').length, 6);
    assert.ok(!seq.join(',').includes('h1,h1'), 'the light host is never picked twice in a row');
  });

  it('random follows the weights', () => {
    const r = new RandomBalancer(lcg());
    r.update(hosts(2, (i) => ({ weight: i === 0 ? 100 : 300 })));
    const t = tally(() => r.pick({}), 8000);
    assert.ok(Math.abs(t.get('h1')! / 8000 - 0.75) < 0.03, `h1 share ${t.get('h1')! / 8000}`);
  });

  it('least request prefers the less loaded host', () => {
    const lr = new LeastRequestBalancer(lcg());
    const hs = hosts(2);
    hs[0]!.active = 10;
    lr.update(hs);
    const t = tally(() => lr.pick({}), 1000);
    assert.equal(t.get('h1'), 1000, 'two choices always compare both hosts');
  });

  it('consistent hash keeps a key on one host and moves few keys when a host goes', () => {
    const ch = new ConsistentHashBalancer(lcg());
    const hs = hosts(5);
    ch.update(hs);
    const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const before = keys.map((k) => ch.pick({ hashKey: k })!.id);
    assert.deepEqual(keys.map((k) => ch.pick({ hashKey: k })!.id), before, 'stable');
    const spread = new Set(before);
    assert.equal(spread.size, 5);
    ch.update(hs.filter((h) => h.id !== 'h2'));
    const after = keys.map((k) => ch.pick({ hashKey: k })!.id);
    let moved = 0;
    keys.forEach((_, i) => {
      if (before[i] !== 'h2' && after[i] !== before[i]) moved++;
    });
    assert.equal(moved, 0, 'keys of the remaining hosts stay put');
    assert.ok(!after.includes('h2'));
  });
});

describe('outlier detection', () => {
  const config = { consecutive5xx: 3, consecutiveConnectErrors: 2, intervalMs: 1000, baseEjectionTimeMs: 1000, maxEjectionPercent: 50 };

  it('ejects after consecutive errors, caps the ejected share, returns hosts after base × count', () => {
    let now = 0;
    const hs = hosts(4);
    const ejected: string[] = [];
    let changes = 0;
    const od = new OutlierDetector(config, () => hs, { onChange: () => changes++, onEject: (h) => ejected.push(h.id), onReturn: () => undefined }, () => now);
    try {
      od.report(hs[0]!, 'error5xx');
      od.report(hs[0]!, 'error5xx');
      od.report(hs[0]!, 'success');
      od.report(hs[0]!, 'error5xx');
      assert.equal(hs[0]!.ejected, false, 'a success resets the streak');
      od.report(hs[0]!, 'error5xx');
      od.report(hs[0]!, 'error5xx');
      assert.equal(hs[0]!.ejected, true);
      assert.equal(hs[0]!.ejectedUntil, 1000);
      od.report(hs[1]!, 'connect-error');
      od.report(hs[1]!, 'connect-error');
      assert.equal(hs[1]!.ejected, true, 'connect errors have their own threshold');
      for (let i = 0; i < 5; i++) od.report(hs[2]!, 'error5xx');
      assert.equal(hs[2]!.ejected, false, 'max 50% of 4 hosts = 2 ejected');
      assert.deepEqual(ejected, ['h0', 'h1']);
      now = 999;
      od.tick();
      assert.equal(hs[0]!.ejected, true);
      now = 1000;
      od.tick();
      assert.equal(hs[0]!.ejected, false, 'returned after the base ejection time');
      // ejected again: twice the time
      for (let i = 0; i < 3; i++) od.report(hs[0]!, 'error5xx');
      assert.equal(hs[0]!.ejected, true);
      assert.equal(hs[0]!.ejectedUntil, 3000);
      assert.ok(changes >= 4);
    } finally {
      od.close();
    }
  });

  it('always allows one ejection, and returns everything when turned off', () => {
    const hs = hosts(2);
    const od = new OutlierDetector({ ...config, maxEjectionPercent: 10 }, () => hs, { onChange: () => undefined, onEject: () => undefined, onReturn: () => undefined });
    for (let i = 0; i < 3; i++) od.report(hs[0]!, 'error5xx');
    assert.equal(hs[0]!.ejected, true);
    for (let i = 0; i < 3; i++) od.report(hs[1]!, 'error5xx');
    assert.equal(hs[1]!.ejected, false);
    od.reconfigure(null);
    assert.equal(hs[0]!.ejected, false);
    od.close();
  });
});

describe('host selection', () => {
  const base = { policy: 'round_robin' as const, panicThresholdPercent: 50, localityFailover: true, localZone: 'z1', localCluster: 'c1', failoverThresholdPercent: 71, localOnly: false };

  it('filters by subset and skips ejected hosts', () => {
    const hs = hosts(4, (i) => ({ labels: { v: i < 2 ? '1' : '2' }, zone: 'z1', cluster: 'c1' }));
    const sel = new HostSelector(base, () => hs);
    const v2 = tally(() => sel.pick('v=2', { v: '2' }, {}), 100);
    assert.deepEqual([...v2.keys()].sort(), ['h2', 'h3']);
    hs[2]!.ejected = true;
    sel.invalidate();
    assert.deepEqual([...tally(() => sel.pick('v=2', { v: '2' }, {}), 10).keys()], ['h3']);
  });

  it('enters panic mode below the threshold and balances over all hosts', () => {
    const hs = hosts(4, () => ({ zone: 'z1', cluster: 'c1' }));
    const sel = new HostSelector(base, () => hs);
    hs[0]!.ejected = hs[1]!.ejected = hs[2]!.ejected = true;
    sel.invalidate();
    assert.equal(sel.describe('', {}).panic, true);
    assert.equal(tally(() => sel.pick('', {}, {}), 400).size, 4);
    hs[0]!.ejected = false;
    sel.invalidate();
    assert.equal(sel.describe('', {}).panic, false, '2 of 4 healthy = 50%: not below');
  });

  it('prefers the local zone, fails over to the cluster, then to other clusters', () => {
    const hs = hosts(3, (i) => ({ zone: ['z1', 'z2', 'z9'][i]!, cluster: i === 2 ? 'c2' : 'c1' }));
    const sel = new HostSelector({ ...base, panicThresholdPercent: 0 }, () => hs);
    assert.deepEqual([...tally(() => sel.pick('', {}, {}), 10).keys()], ['h0']);
    hs[0]!.ejected = true;
    sel.invalidate();
    assert.deepEqual([...tally(() => sel.pick('', {}, {}), 10).keys()], ['h1']);
    hs[1]!.ejected = true;
    sel.invalidate();
    assert.deepEqual([...tally(() => sel.pick('', {}, {}), 10).keys()], ['h2']);
    hs[2]!.ejected = true;
    sel.invalidate();
    assert.equal(sel.pick('', {}, {}), undefined, 'no panic threshold: nothing healthy, nothing picked');
    sel.reconfigure({ ...base, localityFailover: false, panicThresholdPercent: 0 });
    hs[0]!.ejected = hs[1]!.ejected = hs[2]!.ejected = false;
    assert.equal(tally(() => sel.pick('', {}, {}), 30).size, 3);
  });

  it('prefers hosts a retry has not tried yet', () => {
    const hs = hosts(3, () => ({ zone: 'z1', cluster: 'c1' }));
    const sel = new HostSelector(base, () => hs);
    const exclude = new Set([hs[0]!, hs[1]!]);
    for (let i = 0; i < 10; i++) assert.equal(sel.pick('', {}, { exclude })!.id, 'h2');
  });
});

describe('circuit breaker', () => {
  it('refuses requests over maxRequests and pending over maxConnections + maxPendingRequests', () => {
    const events: string[] = [];
    const cb = new CircuitBreaker(
      { maxRequests: 3, maxConnections: null, maxPendingRequests: null, maxRetries: 1 },
      { onOverflow: (l) => events.push(`overflow ${l}`), onStateChange: (l, open) => events.push(`${l} ${open ? 'open' : 'closed'}`) },
    );
    assert.equal(cb.tryAcquire(), undefined);
    assert.equal(cb.tryAcquire(), undefined);
    assert.equal(cb.tryAcquire(), undefined);
    assert.equal(cb.tryAcquire(), 'maxRequests');
    assert.equal(cb.isOpen('maxRequests'), true);
    cb.release();
    assert.equal(cb.isOpen('maxRequests'), false);
    assert.equal(cb.tryAcquireRetry(), true);
    assert.equal(cb.tryAcquireRetry(), false);
    cb.releaseRetry();
    assert.deepEqual(events, ['overflow maxRequests', 'maxRequests open', 'maxRequests closed', 'overflow maxRetries', 'maxRetries open', 'maxRetries closed']);
    cb.reconfigure({ maxRequests: null, maxConnections: 1, maxPendingRequests: 1, maxRetries: null });
    // 2 in flight already; 1 connection + 1 pending = 2
    assert.equal(cb.tryAcquire(), 'maxPendingRequests');
  });
});

describe('hosts behind an east-west gateway', () => {
  // A full body and a delta must build the same hosts: a host added by a delta once lost the
  // SNI `<service>.<namespace>`, so the gateway's passthrough refused it (bad-sni).
  it('name the service (SNI/authority) whether they came in a full Endpoints body or a delta', () => {
    const remote = (id: string) => endpoint(id, 8080, { cluster: 'east', priority: 1, gateway: { address: '127.0.0.1', port: 15443 } });
    const cluster = new Cluster('default/catalog', { zone: 'w1', cluster: 'west' }, new ProxyMetrics());
    cluster.setEndpoints([remote('east/c1')]);
    cluster.updateEndpoints([remote('east/c2'), { ...remote('east/c1'), port: 8081 }], []);
    assert.deepEqual(cluster.hosts.map((h) => [h.id, h.address, h.port, h.authority]), [
      ['east/c1', '127.0.0.1', 15443, 'catalog.default'],
      ['east/c2', '127.0.0.1', 15443, 'catalog.default'],
    ]);
    cluster.updateEndpoints([endpoint('c3', 9000)], []);
    assert.equal(cluster.hosts.find((h) => h.id === 'c3')!.authority, undefined, 'a local host dials its instance directly');
    cluster.close();
  });
});
