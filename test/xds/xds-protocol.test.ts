// The ADS protocol rules, with a hand-written client: delta (subscribe, unsubscribe, wildcard,
// removal, unknown names, resume with initial_resource_versions, NACK) and state of the world
// (complete sets, stale nonces ignored, version_info).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TYPE_URL, unpackAny } from '../../services/config-push/xds/xds-proto.js';
import { instanceRecord, policy } from '../config-push/fixtures.js';
import { AdsClient, node } from './ads-client.js';
import { inventoryRoute, split, startXdsPlane, until, type XdsPlane } from './support.js';

const L = TYPE_URL.Listener;
const C = TYPE_URL.Cluster;
const E = TYPE_URL.ClusterLoadAssignment;

describe('xDS: ADS protocol', () => {
  let plane: XdsPlane;
  let ads: AdsClient;

  before(async () => {
    plane = await startXdsPlane('xds-proto');
    await plane.writer.putInstance(instanceRecord('default', 'inventory', 'inv-1', { port: 9001, labels: { version: 'v1' } }));
    await plane.writer.putInstance(instanceRecord('default', 'inventory', 'inv-2', { port: 9002, labels: { version: 'v2' }, zone: 'zone-b' }));
    await plane.writer.putInstance(instanceRecord('default', 'other', 'oth-1', { port: 9003 }));
    await plane.writer.applyPolicy(split(50, 50));
    await until('cache built', () => plane.replica.handle.cache.get('Service', 'default/inventory') !== undefined);
    ads = new AdsClient(plane.address);
  });

  after(async () => {
    ads.close();
    await plane.close();
  });

  it('delta: explicit subscribe, unknown names as removed, ACK, unsubscribe', async () => {
    const s = ads.delta();
    s.send({ node: node('d1'), type_url: L, resource_names_subscribe: ['inventory.default', 'nope.default'] });
    const r1 = await s.next();
    assert.deepEqual(r1.resources.map((r) => r.name), ['inventory.default']);
    assert.deepEqual(r1.removed_resources, ['nope.default']);
    assert.ok(r1.resources[0]!.resource!.type_url.endsWith('Listener'));
    s.send({ type_url: L, response_nonce: r1.nonce });
    // Unsubscribe, then a change to the service: nothing comes for it.
    s.send({ type_url: L, resource_names_unsubscribe: ['inventory.default'], resource_names_subscribe: ['other.default'] });
    const r2 = await s.next();
    assert.deepEqual(r2.resources.map((r) => r.name), ['other.default']);
    s.send({ type_url: L, response_nonce: r2.nonce });
    // A fault rule changes the inventory Listener (it gains the fault filter).
    await plane.writer.applyPolicy(inventoryRoute({ rules: [{ destinations: [{ subset: {} }], fault: { abort: { httpStatus: 503, percent: 1 } } }] }));
    await until('listener rebuilt', () => plane.replica.handle.xds.resources.get(L, 'inventory.default')?.deps[0]?.version === plane.replica.handle.cache.get('Service', 'default/inventory')?.version);
    await until('stream idle', () => {
      const st = plane.replica.handle.xds.connected().find((x) => x.node?.instanceId === 'd1')?.xds?.state(L);
      return st !== undefined && st.dirty.size === 0 && st.inflight.size === 0;
    });
    assert.equal(s.buffered, 0, 'no response for an unsubscribed name');
    s.close();
    await plane.writer.applyPolicy(split(50, 50));
  });

  it('delta: wildcard Cluster subscription, per-resource versions, removal when a service goes away', async () => {
    const s = ads.delta();
    s.send({ node: node('d2'), type_url: C });
    const r1 = await s.next();
    const names = r1.resources.map((r) => r.name).sort();
    assert.deepEqual(names, ['inventory.default', 'inventory.default|version=v1', 'inventory.default|version=v2', 'other.default']);
    for (const r of r1.resources) assert.match(r.version, /^[0-9a-f]{16}$/);
    s.send({ type_url: C, response_nonce: r1.nonce });
    await plane.writer.deleteInstance(instanceRecord('default', 'other', 'oth-1', { port: 9003 }));
    const r2 = await s.next();
    assert.deepEqual(r2.removed_resources, ['other.default']);
    assert.equal(r2.resources.length, 0);
    s.close();
  });

  it('delta: resume with initial_resource_versions sends only what differs', async () => {
    const s = ads.delta();
    const names = ['inventory.default|version=v1', 'inventory.default|version=v2'];
    s.send({ node: node('d3'), type_url: E, resource_names_subscribe: names });
    const r1 = await s.next();
    assert.equal(r1.resources.length, 2);
    s.send({ type_url: E, response_nonce: r1.nonce });
    s.close();

    const held = Object.fromEntries(r1.resources.map((r) => [r.name, r.version]));
    held['inventory.default|version=v2'] = 'stale0000000000';
    const s2 = ads.delta();
    s2.send({ node: node('d3'), type_url: E, resource_names_subscribe: names, initial_resource_versions: held });
    const r2 = await s2.next();
    assert.deepEqual(r2.resources.map((r) => r.name), ['inventory.default|version=v2']);
    s2.close();
  });

  it('delta: a NACK is recorded and the rejected version not resent', async () => {
    const s = ads.delta();
    s.send({ node: node('d4'), type_url: L, resource_names_subscribe: ['inventory.default'] });
    const r1 = await s.next();
    s.send({ type_url: L, response_nonce: r1.nonce, error_detail: { code: 3, message: 'test rejects it' } });
    await until('NACK recorded', () => {
      const st = plane.replica.handle.xds.connected().find((x) => x.node?.instanceId === 'd4')?.xds?.state(L);
      return st?.lastNack?.message === 'test rejects it';
    });
    const shadow = plane.replica.handle.server.proxyOf('d4')!.session.state('Service');
    assert.equal(shadow.lastNack?.message, 'test rejects it');
    assert.equal(s.buffered, 0);
    s.close();
  });

  it('EDS: endpoints grouped by zone into localities; failover priorities follow the client zone', async () => {
    await plane.writer.applyPolicy({
      ...policy({ kind: 'Resilience', metadata: { namespace: 'default', name: 'inventory' }, spec: { localityFailover: true } }),
    });
    const s = ads.delta();
    s.send({ node: node('d5', 'zone-b'), type_url: E, resource_names_subscribe: ['inventory.default'] });
    let cla: Record<string, unknown> | undefined;
    await until('priorities', async () => {
      const r = await s.next();
      s.send({ type_url: E, response_nonce: r.nonce });
      cla = unpackAny(r.resources[0]!.resource!);
      const eps = cla.endpoints as Array<{ locality: { zone: string }; priority: number }>;
      return eps.length === 2 && eps.find((e) => e.locality.zone === 'zone-b')?.priority === 0;
    });
    const eps = cla!.endpoints as Array<{ locality: { zone: string }; priority: number; lb_endpoints: Array<{ health_status: string }> }>;
    assert.equal(eps.find((e) => e.locality.zone === 'zone-a')?.priority, 1);
    assert.equal(eps[0]!.lb_endpoints[0]!.health_status, 'HEALTHY');
    s.close();
  });

  it('SotW: complete Listener set, stale nonce ignored, version_info is a digest', async () => {
    const s = ads.sotw();
    s.send({ node: node('s1'), type_url: L, resource_names: ['inventory.default', 'missing.default'] });
    const r1 = await s.next();
    assert.equal(r1.resources.length, 1, 'an absent listener is simply not in the set');
    assert.match(r1.version_info, /^[0-9a-f]{16}$/);
    // A request answering a nonce we never sent is stale: its new subscription is ignored.
    s.send({ type_url: L, response_nonce: 'bogus', version_info: r1.version_info, resource_names: ['inventory.default', 'other2.default'] });
    s.send({ type_url: L, response_nonce: r1.nonce, version_info: r1.version_info, resource_names: ['inventory.default'] });
    await until('ACK recorded', () => plane.replica.handle.xds.connected().find((x) => x.node?.instanceId === 's1')?.ackedVersionInfo(L) === r1.version_info);
    const st = plane.replica.handle.xds.connected().find((x) => x.node?.instanceId === 's1')!.xds!.state(L);
    assert.ok(!st.names.has('other2.default'));
    // A new subscription is answered with the complete set.
    s.send({ type_url: L, response_nonce: r1.nonce, version_info: r1.version_info, resource_names: ['inventory.default', 'other.default'] });
    await plane.writer.putInstance(instanceRecord('default', 'other', 'oth-1', { port: 9003 }));
    const names = new Set<string>();
    await until('both listeners in one response', async () => {
      const r = await s.next();
      s.send({ type_url: L, response_nonce: r.nonce, version_info: r.version_info, resource_names: ['inventory.default', 'other.default'] });
      names.clear();
      for (const a of r.resources) names.add(unpackAny(a).name as string);
      return names.size === 2;
    });
    s.close();
  });
});
