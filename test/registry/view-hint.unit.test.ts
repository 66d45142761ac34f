// Register and Deregister take their first read from the replica's view (instance-registry.ts
// registerHint/refHint). The view can lag the store; these pin a view that has fallen behind
// and check that every answer is still the store's: a lag costs a retry, never a refusal.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { MemoryBus, MemoryHub } from '../../lib/bus/memory-bus.js';
import type { Envelope } from '../../lib/bus/envelope.js';
import { storeGuard } from '../../lib/grpc/edge/index.js';
import { waitFor } from '../../lib/process/index.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { InstanceEvents } from '../../services/registry/events.js';
import { InstanceRegistry } from '../../services/registry/instance-registry.js';
import type { InstanceView, ViewEntry } from '../../services/registry/instance-view.js';
import { LivenessMarkers } from '../../services/registry/liveness-markers.js';
import { RemovalClaims } from '../../services/registry/removal-claims.js';
import type { RegisterInput } from '../../services/registry/validation.js';

const CLUSTER = 'hint';

/** A view that shows only what the test puts in it: one that has not caught up with the store. */
class PinnedView {
  readonly entries = new Map<string, ViewEntry>();
  readonly synced = true;
  get(key: string): ViewEntry | undefined {
    return this.entries.get(key);
  }
  countOf(): number {
    return 0;
  }
}

function setup(): { store: MemoryStore; view: PinnedView; registry: InstanceRegistry; hub: MemoryHub } {
  const store = new MemoryStore();
  const view = new PinnedView();
  const call = storeGuard(2000);
  const logger = pino({ enabled: false });
  const hub = new MemoryHub();
  const events = new InstanceEvents(new MemoryBus({ cluster: CLUSTER, source: 'test/hint', hub }), logger);
  const registry = new InstanceRegistry({
    store,
    call,
    view: view as unknown as InstanceView,
    events,
    cluster: CLUSTER,
    maxInstancesPerService: 100,
    markers: new LivenessMarkers(store, call, CLUSTER),
    claims: new RemovalClaims({ store, call, cluster: CLUSTER, replica: 'hint', claimTtlSeconds: 60, events, logger }),
    outageAllowanceSeconds: 30,
    logger,
  });
  return { store, view, registry, hub };
}

const input = (over: Partial<RegisterInput> = {}): RegisterInput => ({
  namespace: 'default',
  service: 'web',
  id: 'web-1',
  address: '10.0.0.1',
  port: 8080,
  protocol: 'http1',
  zone: 'zone-a',
  labels: {},
  weight: 100,
  metadata: {},
  ttlSeconds: 15,
  health: 'SERVING',
  expectedIncarnation: 0,
  ...over,
});

void describe('registry reads from a lagging view', () => {
  const stores: MemoryStore[] = [];
  after(async () => {
    for (const s of stores) await s.close();
  });

  void it('Register whose view has not seen the record yet replaces it (a retry from the store), never ABORTED', async () => {
    const { store, registry } = setup();
    stores.push(store);
    const first = await registry.register(input());
    const second = await registry.register(input());
    assert.equal(second.replaced, true);
    assert.ok(second.record.incarnation > first.record.incarnation);
    const key = registry.keyOf('default', 'web', 'web-1');
    assert.equal((await store.get<{ incarnation: number }>(key))?.value.incarnation, second.record.incarnation);
    assert.equal((await store.get<{ incarnation: number }>(`/plexus/v1/${CLUSTER}/meta/registry/alive/default/web/web-1`))?.value.incarnation, second.record.incarnation, 'the marker moved with the record');
  });

  void it('Register with an expected incarnation the view has not seen yet is checked against the store', async () => {
    const { store, view, registry } = setup();
    stores.push(store);
    const key = registry.keyOf('default', 'web', 'web-1');
    const first = await registry.register(input());
    view.entries.set(key, { record: first.record, revision: first.revision });
    const second = await registry.register(input({ expectedIncarnation: first.record.incarnation }));
    // The view still shows the first incarnation.
    const third = await registry.register(input({ expectedIncarnation: second.record.incarnation }));
    assert.ok(third.record.incarnation > second.record.incarnation);
    await assert.rejects(registry.register(input({ expectedIncarnation: first.record.incarnation })), { name: 'FailedPreconditionError' }, 'a really stale incarnation is still refused');
  });

  void it('Deregister with an outdated view entry deletes the current record and its marker', async () => {
    const { store, view, registry } = setup();
    stores.push(store);
    const key = registry.keyOf('default', 'web', 'web-1');
    const first = await registry.register(input());
    view.entries.set(key, { record: first.record, revision: first.revision });
    await registry.setHealth({ namespace: 'default', service: 'web', id: 'web-1', incarnation: 0 }, 'NOT_SERVING');
    await registry.deregister({ namespace: 'default', service: 'web', id: 'web-1', incarnation: 0 });
    assert.equal(await store.get(key), undefined);
    assert.deepEqual((await store.list(`/plexus/v1/${CLUSTER}/meta/registry/alive/`)).items, []);
    await assert.rejects(registry.deregister({ namespace: 'default', service: 'web', id: 'web-1', incarnation: 0 }), { name: 'NotFoundError' }, 'the view still shows it; the store says it is gone');
  });

  void it('Deregister claims its removal in the commit that deletes the record and announces it once itself', async () => {
    const { store, registry, hub } = setup();
    stores.push(store);
    const seen: Envelope[] = [];
    await new MemoryBus({ cluster: CLUSTER, source: 'test/collector', hub }).subscribe('instance.*', { onEvent: (e) => seen.push(e), onGap: () => undefined });
    const first = await registry.register(input());
    const marked = await registry.deregister({ namespace: 'default', service: 'web', id: 'web-1', incarnation: first.record.incarnation });
    const claim = await store.get<{ reason: string; replica: string }>(`/plexus/v1/${CLUSTER}/meta/expiry-claims/default/web/web-1.${first.record.incarnation}`);
    assert.equal(claim?.value.reason, 'deregistered');
    assert.equal(claim.value.replica, 'hint');
    assert.equal(await store.get(registry.keyOf('default', 'web', 'web-1')), undefined);
    await waitFor('deregistered event', () => seen.some((e) => e.type === 'dev.plexus.instance.deregistered'));
    const removals = seen.filter((e) => e.type !== 'dev.plexus.instance.registered');
    assert.equal(removals.length, 1);
    assert.equal(removals[0]!.revision, claim.revision, 'announced at the revision of the deletion');
    assert.ok(removals[0]!.revision > marked);
    assert.equal((removals[0]!.data as { instance: { deregistering?: boolean } }).instance.deregistering, true);
  });

  void it('a claims lease the store lost is granted anew: the deregistration still goes through, claimed', async () => {
    const { store, registry } = setup();
    stores.push(store);
    const claimOf = (incarnation: number): Promise<{ lease?: string } | undefined> => store.get(`/plexus/v1/${CLUSTER}/meta/expiry-claims/default/web/web-1.${incarnation}`);
    const first = await registry.register(input());
    await registry.deregister({ namespace: 'default', service: 'web', id: 'web-1', incarnation: 0 });
    const lost = (await claimOf(first.record.incarnation))?.lease;
    assert.ok(lost !== undefined);
    await store.revokeLease(lost);
    const second = await registry.register(input());
    await registry.deregister({ namespace: 'default', service: 'web', id: 'web-1', incarnation: 0 });
    assert.equal(await store.get(registry.keyOf('default', 'web', 'web-1')), undefined);
    const claim = await claimOf(second.record.incarnation);
    assert.ok(claim?.lease !== undefined && claim.lease !== lost, 'claimed on a new lease');
  });
});
