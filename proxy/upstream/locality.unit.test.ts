// The locality picker: tiers by zone, cluster and other clusters' priority, failover by the
// healthy share of a tier, last resorts (unconfirmed, stale), subsets by cluster, retries, panic
// and the east-west gateway's local-only view.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../../lib/mesh/resources.js';
import { endpoint } from '../../test/proxy/fixtures.js';
import { Host } from './host.js';
import { HostSelector, type SelectorConfig } from './host-selector.js';
import { buildTiers } from './locality-tiers.js';

const config: SelectorConfig = {
  policy: 'round_robin',
  panicThresholdPercent: 50,
  localityFailover: true,
  localZone: 'z1',
  localCluster: 'west',
  failoverThresholdPercent: 71,
  localOnly: false,
};

let port = 9000;
function host(id: string, over: Partial<Endpoint> = {}): Host {
  return new Host(endpoint(id, port++, { zone: 'z1', cluster: 'west', ...over }), 'catalog.default');
}
const remote = (id: string, over: Partial<Endpoint> = {}): Host =>
  host(id, { zone: 'e1', cluster: 'east', address: '10.9.0.1', gateway: { address: '127.0.0.2', port: 15443 }, ...over });

function lcg(seed = 11): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
}
function shares(sel: HostSelector, n = 2000, selector: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  const key = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  for (let i = 0; i < n; i++) {
    const h = sel.pick(key, selector, {});
    const k = h ? h.cluster : 'none';
    out[k] = (out[k] ?? 0) + 1;
  }
  for (const k in out) out[k] = Math.round((out[k]! / n) * 1000) / 1000;
  return out;
}

describe('locality picker', () => {
  it('keeps every request in the own zone while enough of it is healthy, then spills to the cluster and other clusters', () => {
    const hs = [host('w1'), host('w2'), host('w3'), host('w4', { zone: 'z2' }), remote('e1'), remote('e2')];
    const sel = new HostSelector(config, () => hs, lcg());
    assert.deepEqual(
      [...new Set(Array.from({ length: 30 }, () => sel.pick('', {}, {})!.id))].sort(),
      ['w1', 'w2', 'w3'],
      'own zone only',
    );
    hs[0]!.ejected = true; // 2 of 3 healthy = 67 % < 71 %: the zone keeps 67/71 ≈ 94 %
    sel.invalidate();
    const t = sel.describe('', {}).tiers;
    assert.deepEqual(t.map((x) => x.level), [0, 1]);
    assert.ok(Math.abs(t[0]!.load - 93.9) < 0.2, JSON.stringify(t));
    hs[1]!.ejected = hs[2]!.ejected = true; // zone empty: the other zone of the cluster takes all
    sel.invalidate();
    assert.deepEqual(sel.describe('', {}).tiers.map((x) => [x.level, x.load]), [[1, 100]]);
    hs[3]!.ejected = true; // the whole cluster down: the other cluster
    sel.invalidate();
    assert.deepEqual(shares(sel, 200), { east: 1 });
    hs[0]!.ejected = hs[1]!.ejected = hs[2]!.ejected = hs[3]!.ejected = false; // back: traffic returns
    sel.invalidate();
    assert.deepEqual(shares(sel, 200), { west: 1 });
  });

  it('splits by health like Envoy priority levels: a third of the local cluster healthy sends about half away', () => {
    const hs = [host('w1'), host('w2'), host('w3'), remote('e1'), remote('e2'), remote('e3')];
    const sel = new HostSelector({ ...config, panicThresholdPercent: 0 }, () => hs, lcg());
    hs[0]!.ejected = hs[1]!.ejected = true;
    sel.invalidate();
    const s = shares(sel, 4000);
    // local health 33 % × 100/71 = 46.9 %; the rest (53.1 %) to east
    assert.ok(Math.abs(s.west! - 0.469) < 0.04, JSON.stringify(s));
    assert.ok(Math.abs(s.east! - 0.531) < 0.04, JSON.stringify(s));
  });

  it('orders other clusters by priority, and normalises when every tier is short', () => {
    const hs = [host('w1'), remote('n1', { cluster: 'north', priority: 2 }), remote('e1', { priority: 1 }), remote('e2', { priority: 1 })];
    const sel = new HostSelector({ ...config, panicThresholdPercent: 0 }, () => hs, lcg());
    hs[0]!.ejected = true;
    sel.invalidate();
    assert.deepEqual(shares(sel, 300), { east: 1 }, 'priority 1 before priority 2');
    hs[2]!.ejected = true; // east 50 % → health 70.4; north 100: waterfall 70.4 / 29.6
    sel.invalidate();
    assert.deepEqual(sel.describe('', {}).tiers.map((x) => [x.level, x.load]), [[3, 70.4], [4, 29.6]]);
    const { tiers } = buildTiers([host('a', { cluster: 'x' }), host('b', { cluster: 'x', priority: 1 })].map((h, i) => Object.assign(h, { ejected: i === 0 })), {
      ...config,
      panicThresholdPercent: 0,
      failoverThresholdPercent: 100,
    });
    assert.deepEqual(tiers.map((x) => [x.level, x.load]), [[3, 100]], 'an empty tier gets nothing');
  });

  it('uses stale endpoints last, after unconfirmed ones, and only when nothing fresh is healthy', () => {
    const hs = [host('w1'), host('u1', { unconfirmed: true }), remote('s1', { stale: true }), remote('e1')];
    const sel = new HostSelector({ ...config, panicThresholdPercent: 0 }, () => hs, lcg());
    assert.deepEqual(shares(sel, 100), { west: 1 });
    assert.equal(sel.pick('', {}, {})!.id, 'w1', 'neither unconfirmed nor stale while a fresh local host is healthy');
    hs[0]!.ejected = true;
    sel.invalidate();
    assert.deepEqual([...new Set(Array.from({ length: 20 }, () => sel.pick('', {}, {})!.id))], ['e1'], 'a fresh remote before any last resort');
    hs[3]!.ejected = true;
    sel.invalidate();
    assert.deepEqual([...new Set(Array.from({ length: 20 }, () => sel.pick('', {}, {})!.id))], ['u1']);
    hs[1]!.ejected = true;
    sel.invalidate();
    assert.deepEqual([...new Set(Array.from({ length: 20 }, () => sel.pick('', {}, {})!.id))], ['s1']);
  });

  it('does not let panic mode undo failover: a dead local cluster with a healthy remote is not a panic', () => {
    const hs = [host('w1'), host('w2'), host('w3'), remote('e1'), remote('e2')];
    const sel = new HostSelector(config, () => hs, lcg());
    hs[0]!.ejected = hs[1]!.ejected = hs[2]!.ejected = true; // 2 of 5 healthy overall, but east is whole
    sel.invalidate();
    assert.equal(sel.describe('', {}).panic, false);
    assert.deepEqual(shares(sel, 100), { east: 1 });
    hs[3]!.ejected = true; hs[4]!.ejected = true;
    sel.invalidate();
    assert.equal(sel.describe('', {}).panic, true, 'nothing healthy: panic spreads over every host');
    assert.equal(new Set(Array.from({ length: 50 }, () => sel.pick('', {}, {})!.id)).size, 5);
  });

  it('selects by cluster with the virtual plexus.dev/cluster label, which a registered label cannot fake', () => {
    const hs = [host('w1'), remote('e1'), host('liar', { labels: { 'plexus.dev/cluster': 'east' } })];
    const sel = new HostSelector(config, () => hs, lcg());
    const east = { 'plexus.dev/cluster': 'east' };
    assert.deepEqual([...new Set(Array.from({ length: 20 }, () => sel.pick('plexus.dev/cluster=east', east, {})!.id))], ['e1']);
    assert.equal(sel.hasHealthy('plexus.dev/cluster=east', east), true);
    hs[1]!.ejected = true;
    sel.invalidate();
    assert.equal(sel.hasHealthy('plexus.dev/cluster=east', east), false, 'subset fallback sees the cluster subset empty');
    assert.deepEqual([...new Set(Array.from({ length: 20 }, () => sel.pick('z', { 'plexus.dev/zone': 'z1' }, {})!.id))].sort(), ['liar', 'w1']);
  });

  it('a retry prefers another host, crossing to the next tier when its own is all tried', () => {
    const hs = [host('w1'), host('w2'), remote('e1')];
    const sel = new HostSelector(config, () => hs, lcg());
    assert.equal(sel.pick('', {}, { exclude: new Set([hs[0]!]) })!.id, 'w2');
    assert.equal(sel.pick('', {}, { exclude: new Set([hs[0]!, hs[1]!]) })!.id, 'e1');
    assert.ok(sel.pick('', {}, { exclude: new Set(hs) }), 'all tried: any host beats none');
  });

  it('dials the gateway for a remote endpoint and names the service in the authority', () => {
    const r = remote('e1');
    assert.equal(r.key, '127.0.0.2:15443');
    assert.equal(r.address, '127.0.0.2');
    assert.equal(r.instanceAddress, '10.9.0.1');
    assert.equal(r.authority, 'catalog.default');
    assert.equal(host('w1').authority, undefined);
    assert.equal(r.sameAs(endpoint('e1', r.port, { address: '10.9.0.1', gateway: { address: '127.0.0.3', port: 15443 } })), false, 'a new gateway is a new host');
  });

  it('the east-west gateway view holds only its own cluster\'s directly reachable hosts', () => {
    const hs = [host('w1'), remote('e1'), host('odd', { cluster: 'west', gateway: { address: '127.0.0.9', port: 1 } })];
    const sel = new HostSelector({ ...config, localOnly: true }, () => hs, lcg());
    assert.deepEqual(sel.describe('', {}).candidates.map((h) => h.id), ['w1']);
    hs[0]!.ejected = true;
    sel.invalidate();
    assert.deepEqual(sel.describe('', {}).candidates.map((h) => h.id), ['w1'], 'panic over its own hosts, never the remote one');
  });
});

describe('locality picker: retries and last resorts', () => {
  it('a retry that tried every fresh host tries a stale one rather than repeat a failure', () => {
    const hs = [host('w1'), remote('s1', { stale: true })];
    const sel = new HostSelector({ ...config, panicThresholdPercent: 0 }, () => hs, lcg());
    assert.equal(sel.pick('', {}, {})!.id, 'w1');
    assert.equal(sel.pick('', {}, { exclude: new Set([hs[0]!]) })!.id, 's1');
  });
});
