// The mesh view and resource cache without servers: ordering by revision across sources,
// reconciliation, resource bodies, versions and change notifications.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeshView, ResourceCache, meshResourceBuilder, policyCodec, decodeResource, type ResourceChange } from '../../lib/mesh/index.js';
import type { Policy } from '../../lib/policy/index.js';
import { instanceKey, policyKey } from '../../lib/store/keys.js';
import { accessPolicy, instanceRecord, meshPolicy, policyRecord, routePolicy } from './fixtures.js';

const C = 'test';

function setup(): { view: MeshView<Policy>; cache: ResourceCache<Policy>; changes: ResourceChange[] } {
  const view = new MeshView<Policy>({ cluster: C, policyCodec });
  const cache = new ResourceCache<Policy>({ view, builder: meshResourceBuilder, debounceMs: 1000, maxDelayMs: 1000 });
  const changes: ResourceChange[] = [];
  cache.onChanges((c) => changes.push(...c));
  return { view, cache, changes };
}

describe('mesh view', () => {
  it('is initialized by a listing of an empty store (revision 0), and not before', () => {
    const { view } = setup();
    assert.equal(view.initialized, false);
    view.reconcile([], 0);
    assert.equal(view.initialized, true);
  });

  it('applies changes by revision whatever the source order', () => {
    const { view } = setup();
    const key = instanceKey(C, 'default', 'web', 'i1');
    assert.equal(view.put(key, instanceRecord('default', 'web', 'i1', { port: 1 }), 10, 'bus'), 'applied');
    assert.equal(view.put(key, instanceRecord('default', 'web', 'i1', { port: 2 }), 9, 'store'), 'stale');
    assert.equal(view.instancesOf('default/web').get('i1')?.port, 1);
    assert.equal(view.delete(key, 8, 'bus'), 'stale');
    assert.equal(view.delete(key, 11, 'bus'), 'applied');
    assert.equal(view.instancesOf('default/web').size, 0);
    // A late bus put older than the deletion stays deleted…
    assert.equal(view.put(key, instanceRecord('default', 'web', 'i1'), 10, 'bus'), 'stale');
    // …but the bus deletion's revision may be an upper bound: the store's own re-creation at an
    // earlier revision is not hidden by it.
    assert.equal(view.put(key, instanceRecord('default', 'web', 'i1', { port: 3 }), 11, 'store'), 'applied');
    assert.equal(view.instancesOf('default/web').get('i1')?.port, 3);
  });

  it('ignores keys outside the layout and treats unusable values as absent', () => {
    const invalid: string[] = [];
    const view = new MeshView<Policy>({ cluster: C, policyCodec, onInvalid: (k) => invalid.push(k) });
    assert.equal(view.put(`/plexus/v1/${C}/meta/leader`, {}, 3, 'store'), 'ignored');
    const key = instanceKey(C, 'default', 'web', 'i1');
    view.put(key, instanceRecord('default', 'web', 'i1'), 4, 'store');
    assert.equal(view.put(key, { id: 'i1', port: 'eighty' }, 5, 'store'), 'invalid');
    assert.equal(view.instancesOf('default/web').size, 0);
    assert.deepEqual(invalid, [key]);
    // A record stored under another instance's key is not trusted either.
    assert.equal(view.put(instanceKey(C, 'default', 'web', 'i2'), instanceRecord('default', 'web', 'i3'), 6, 'store'), 'invalid');
    const pkey = policyKey(C, 'Route', 'default', 'web');
    assert.equal(view.put(pkey, policyRecord(routePolicy('default', 'other')), 7, 'store'), 'invalid');
  });

  it('reconciles with a listing: puts what is newer, deletes what vanished, keeps newer events', () => {
    const { view } = setup();
    const k1 = instanceKey(C, 'default', 'web', 'i1');
    const k2 = instanceKey(C, 'default', 'web', 'i2');
    const k3 = instanceKey(C, 'default', 'web', 'i3');
    view.put(k1, instanceRecord('default', 'web', 'i1'), 5, 'bus');
    view.put(k2, instanceRecord('default', 'web', 'i2'), 6, 'bus');
    view.put(k3, instanceRecord('default', 'web', 'i3'), 30, 'bus'); // newer than the listing
    const repaired = view.reconcile([{ key: k1, value: instanceRecord('default', 'web', 'i1', { port: 9 }), revision: 7 }], 20);
    assert.equal(repaired, 2); // k1 updated, k2 deleted
    assert.deepEqual([...view.instancesOf('default/web').keys()].sort(), ['i1', 'i3']);
    assert.equal(view.instancesOf('default/web').get('i1')?.port, 9);
    assert.equal(view.completeRevision, 20);
    assert.equal(view.reconcile([{ key: k1, value: instanceRecord('default', 'web', 'i1', { port: 9 }), revision: 7 }, { key: k3, value: instanceRecord('default', 'web', 'i3'), revision: 30 }], 31), 0);
  });

  it('reports the gen at which it reflects a key revision', () => {
    const { view } = setup();
    const key = policyKey(C, 'Route', 'default', 'web');
    assert.equal(view.reflects(key, 5), undefined);
    view.put(key, policyRecord(routePolicy('default', 'web')), 5, 'bus');
    const gen = view.reflects(key, 5);
    assert.equal(gen, view.gen);
    view.delete(key, 9, 'bus');
    assert.equal(view.reflects(key, 9), view.gen);
    assert.equal(view.reflects(key, 10), undefined);
    view.advanceComplete(12);
    assert.equal(view.reflects(key, 10), view.gen);
  });
});

describe('resource cache', () => {
  it('builds Service, Endpoints and Inbound for known services, SERVING endpoints only', () => {
    const { view, cache } = setup();
    view.put(instanceKey(C, 'default', 'web', 'b'), instanceRecord('default', 'web', 'b', { labels: { version: 'v2' }, zone: 'z2' }), 2, 'store');
    view.put(instanceKey(C, 'default', 'web', 'a'), instanceRecord('default', 'web', 'a'), 3, 'store');
    view.put(instanceKey(C, 'default', 'web', 'c'), instanceRecord('default', 'web', 'c', { health: 'DRAINING' }), 4, 'store');
    view.put(instanceKey(C, 'default', 'web', 'd'), instanceRecord('default', 'web', 'd', { health: 'NOT_SERVING' }), 5, 'store');
    view.put(policyKey(C, 'Route', 'default', 'web'), policyRecord(routePolicy('default', 'web', '250ms')), 6, 'store');
    view.put(policyKey(C, 'Access', 'default', 'api'), policyRecord(accessPolicy('default', 'api', ['default/web'])), 7, 'store');
    cache.flush();
    assert.deepEqual([...cache.names('Endpoints')].sort(), ['default/api', 'default/web']);
    const eps = decodeResource('Endpoints', cache.get('Endpoints', 'default/web')!.body);
    assert.deepEqual(eps.endpoints.map((e) => e.id), ['a', 'b']);
    assert.equal(eps.endpoints[1]?.zone, 'z2');
    assert.deepEqual(eps.endpoints[1]?.labels, { version: 'v2' });
    const svc = decodeResource('Service', cache.get('Service', 'default/web')!.body);
    assert.equal(svc.routes.length, 2);
    assert.equal(svc.routes[0]?.timeoutMs, 250);
    assert.deepEqual(svc.routes[0]?.match.headers, [{ name: 'x-test', type: 'exact', value: 'a' }]);
    assert.equal(svc.timeoutMs, 15_000); // Mesh default without a Mesh policy
    assert.deepEqual(svc.sources, [{ kind: 'Route', namespace: 'default', name: 'web' }]);
    const inbound = decodeResource('Inbound', cache.get('Inbound', 'default/api')!.body);
    assert.equal(inbound.defaultAction, 'deny');
    assert.deepEqual(inbound.rules, [{ action: 'allow', from: ['default/web'], paths: [], methods: [] }]);
    assert.equal(decodeResource('Endpoints', cache.get('Endpoints', 'default/api')!.body).endpoints.length, 0);
  });

  it('notifies only real changes and coalesces a burst', () => {
    const { view, cache, changes } = setup();
    for (let i = 0; i < 50; i++) view.put(instanceKey(C, 'default', 'web', `i${i}`), instanceRecord('default', 'web', `i${i}`), 10 + i, 'store');
    cache.flush();
    const types = changes.map((c) => `${c.type} ${c.name}`).sort();
    assert.deepEqual(types, ['Endpoints default/web', 'Inbound default/web', 'Service default/web']);
    changes.length = 0;
    const before = cache.get('Endpoints', 'default/web')!.version;
    // Identical content at a new revision: recomputed, same version, nothing notified.
    view.put(instanceKey(C, 'default', 'web', 'i0'), instanceRecord('default', 'web', 'i0'), 100, 'store');
    cache.flush();
    assert.equal(changes.length, 0);
    assert.equal(cache.get('Endpoints', 'default/web')!.version, before);
    // Health change: one Endpoints change, nothing else.
    view.put(instanceKey(C, 'default', 'web', 'i0'), instanceRecord('default', 'web', 'i0', { health: 'DRAINING' }), 101, 'store');
    cache.flush();
    assert.deepEqual(changes.map((c) => `${c.type} ${c.name}`), ['Endpoints default/web']);
  });

  it('applies a Mesh policy to every Service and Inbound; removal when a service is gone', () => {
    const { view, cache, changes } = setup();
    view.put(instanceKey(C, 'default', 'a', 'i'), instanceRecord('default', 'a', 'i'), 2, 'store');
    view.put(instanceKey(C, 'default', 'b', 'i'), instanceRecord('default', 'b', 'i'), 3, 'store');
    cache.flush();
    changes.length = 0;
    view.put(policyKey(C, 'Mesh', 'default', 'default'), policyRecord(meshPolicy('deny', '2s')), 4, 'store');
    cache.flush();
    assert.deepEqual(changes.map((c) => `${c.type} ${c.name}`).sort(), ['Inbound default/a', 'Inbound default/b', 'Service default/a', 'Service default/b']);
    assert.equal(decodeResource('Service', cache.get('Service', 'default/a')!.body).timeoutMs, 2000);
    assert.equal(decodeResource('Inbound', cache.get('Inbound', 'default/b')!.body).defaultAction, 'deny');
    changes.length = 0;
    view.delete(instanceKey(C, 'default', 'b', 'i'), 5, 'store');
    cache.flush();
    assert.deepEqual(changes.map((c) => `${c.type} ${c.name} ${c.resource ? 'put' : 'removed'}`).sort(), [
      'Endpoints default/b removed',
      'Inbound default/b removed',
      'Service default/b removed',
    ]);
  });

  it('a Mesh change rebuilds only the types the Mesh policy feeds (Service, Inbound), never an Endpoints', () => {
    const view = new MeshView<Policy>({ cluster: C, policyCodec });
    const built: string[] = [];
    const builder: typeof meshResourceBuilder = {
      affected: (c) => meshResourceBuilder.affected(c),
      build: (type, name, v) => {
        built.push(type);
        return meshResourceBuilder.build(type, name, v);
      },
    };
    const cache = new ResourceCache<Policy>({ view, builder, debounceMs: 1000, maxDelayMs: 1000 });
    for (const s of ['a', 'b', 'c']) view.put(instanceKey(C, 'default', s, 'i'), instanceRecord('default', s, 'i'), 2, 'store');
    cache.flush();
    built.length = 0;
    view.put(policyKey(C, 'Mesh', 'default', 'default'), policyRecord(meshPolicy('deny', '2s')), 4, 'store');
    cache.flush();
    assert.deepEqual([...new Set(built)].sort(), ['Inbound', 'Service']);
    assert.equal(built.length, 6);
    assert.equal(decodeResource('Service', cache.get('Service', 'default/c')!.body).timeoutMs, 2000);
    cache.rebuildAll();
    assert.ok(built.includes('Endpoints'), 'a full rebuild still builds every type');
  });

  it('remembers which versions include a change (rollout question)', () => {
    const { view, cache } = setup();
    view.put(instanceKey(C, 'default', 'web', 'i'), instanceRecord('default', 'web', 'i'), 2, 'store');
    cache.flush();
    const v1 = cache.get('Service', 'default/web')!.version;
    view.put(policyKey(C, 'Route', 'default', 'web'), policyRecord(routePolicy('default', 'web', '1s')), 3, 'store');
    const gen = view.reflects(policyKey(C, 'Route', 'default', 'web'), 3)!;
    cache.flush();
    const v2 = cache.get('Service', 'default/web')!.version;
    assert.notEqual(v1, v2);
    assert.ok(cache.lastCurrentGen('Service', 'default/web', v1)! < gen);
    assert.equal(cache.lastCurrentGen('Service', 'default/web', v2), Infinity);
  });

  it('debounces: a burst waits for quiet, bounded by the maximum delay', async () => {
    const view = new MeshView<Policy>({ cluster: C, policyCodec });
    const cache = new ResourceCache<Policy>({ view, builder: meshResourceBuilder, debounceMs: 30, maxDelayMs: 80 });
    const flushes: number[] = [];
    const t0 = performance.now();
    cache.onChanges(() => flushes.push(performance.now() - t0));
    // A change every 10 ms for 200 ms: the quiet period never comes, the max delay fires.
    for (let i = 0; i < 20; i++) {
      view.put(instanceKey(C, 'default', 'web', `i${i}`), instanceRecord('default', 'web', `i${i}`), i + 1, 'store');
      await new Promise((r) => setTimeout(r, 10));
    }
    await cache.whenComputed(view.gen);
    cache.close();
    assert.ok(flushes.length >= 2, `expected the max delay to force flushes during the burst, got ${flushes.length}`);
    assert.ok(flushes.length < 20, `expected coalescing, got ${flushes.length} flushes`);
  });
});

describe('self-preservation', () => {
  const opts = { enabled: true, windowMs: 60_000, serviceShare: 0.5, meshShare: 1, graceMs: 0 };
  function withInstances(n: number): { view: MeshView<Policy>; events: string[] } {
    const events: string[] = [];
    const view = new MeshView<Policy>({ cluster: C, policyCodec, selfPreservation: opts, onPreservation: (e, h) => events.push(`${e} ${h.instance.id}`) });
    view.reconcile([], 0);
    for (let i = 1; i <= n; i++) view.put(instanceKey(C, 'default', 'web', `i${i}`), instanceRecord('default', 'web', `i${i}`), i, 'store');
    return { view, events };
  }

  it('keeps instances that expire en masse, unconfirmed, and lets a lone expiry go', () => {
    const { view, events } = withInstances(4);
    view.delete(instanceKey(C, 'default', 'web', 'i1'), 10, 'store');
    assert.equal(view.instancesOf('default/web').has('i1'), false, 'one of four is not a mass expiry');
    view.delete(instanceKey(C, 'default', 'web', 'i2'), 11, 'store');
    view.delete(instanceKey(C, 'default', 'web', 'i3'), 12, 'store');
    assert.equal(view.instancesOf('default/web').has('i3'), true);
    assert.equal(view.isUnconfirmed('default/web', 'i3'), true);
    const body = meshResourceBuilder.build('Endpoints', 'default/web', view)!;
    assert.deepEqual(body.endpoints.map((e) => [e.id, e.unconfirmed ?? false]), [['i3', true], ['i4', false]]);
    assert.deepEqual(events, ['held i3']);
  });

  it('confirms an instance that registers again and releases the rest after the grace period', () => {
    const { view, events } = withInstances(3);
    for (const [i, id] of ['i1', 'i2', 'i3'].entries()) view.delete(instanceKey(C, 'default', 'web', id), 10 + i, 'store');
    assert.equal(view.unconfirmedCount, 2);
    view.put(instanceKey(C, 'default', 'web', 'i2'), instanceRecord('default', 'web', 'i2'), 20, 'store');
    assert.equal(view.isUnconfirmed('default/web', 'i2'), false);
    view.sweepUnconfirmed(performance.now() + 1);
    assert.equal(view.unconfirmedCount, 0);
    assert.deepEqual([...view.instancesOf('default/web').keys()], ['i2']);
    assert.ok(events.includes('returned i2') && events.some((e) => e.startsWith('released')), events.join(', '));
  });

  it('lets the lone instance of a service expire: one crash is not an outage', () => {
    const events: string[] = [];
    const view = new MeshView<Policy>({ cluster: C, policyCodec, selfPreservation: opts, onPreservation: (e, h) => events.push(`${e} ${h.instance.id}`) });
    view.reconcile([], 0);
    view.put(instanceKey(C, 'default', 'solo', 'only'), instanceRecord('default', 'solo', 'only'), 1, 'store');
    view.delete(instanceKey(C, 'default', 'solo', 'only'), 2, 'store');
    assert.equal(view.instancesOf('default/solo').has('only'), false);
    assert.deepEqual(events, []);
  });

  it('does not keep instances that deregistered', () => {
    const { view } = withInstances(2);
    for (const [i, id] of ['i1', 'i2'].entries()) {
      const key = instanceKey(C, 'default', 'web', id);
      view.put(key, { ...instanceRecord('default', 'web', id), health: 'DRAINING', deregistering: true }, 10 + 2 * i, 'store');
      view.delete(key, 11 + 2 * i, 'store');
    }
    assert.equal(view.instancesOf('default/web').size, 0);
  });
});
