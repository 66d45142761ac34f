// The Store conformance suite on the in-memory backend, plus what only memory can show
// directly (the history ring's bound, clients sharing one state).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { UnavailableError } from '../../lib/errors.js';
import { waitFor } from '../harness/index.js';
import { storeConformance } from './conformance.js';

const HISTORY = 100;
let root: MemoryStore;

before(() => {
  root = new MemoryStore({ historySize: HISTORY });
});
after(async () => {
  await root.close();
});

storeConformance('memory', {
  // Clients of one shared in-memory state, like clients of one etcd.
  make: async () => root.client(),
  // Push the history ring past its bound with writes elsewhere.
  loseHistory: async (store) => {
    for (let i = 0; i <= HISTORY; i++) await store.put('/plexus/v1/memory-churn/meta/k', i);
  },
});

void describe('MemoryStore specifics', () => {
  void it('keeps exactly historySize events for watches from the past', async () => {
    const store = new MemoryStore({ historySize: 3 });
    try {
      const revs: number[] = [];
      for (let i = 0; i < 5; i++) revs.push(await store.put(`/m/k${i}`, i));
      const events: string[] = [];
      const resyncs: string[] = [];
      const handler = { onEvents: (evs: { key: string }[]) => events.push(...evs.map((e) => e.key)), onResync: (r: string) => resyncs.push(r) };
      await store.watch('/m/', revs[2]!, handler);
      await waitFor('replayed events', () => events.length === 3);
      assert.deepEqual(events, ['/m/k2', '/m/k3', '/m/k4']);
      await store.watch('/m/', revs[1]!, handler);
      await waitFor('resync', () => resyncs.length === 1);
      assert.match(resyncs[0]!, /no longer held/);
    } finally {
      await store.close();
    }
  });

  void it('closing one client leaves the others and the shared leases working', async () => {
    const a = new MemoryStore();
    const b = a.client();
    const lease = await a.grantLease(60);
    await a.put('/m/x', 1, { lease: lease.id });
    await a.close();
    await assert.rejects(a.get('/m/x'), UnavailableError);
    await b.keepAlive(lease.id);
    assert.equal((await b.get('/m/x'))?.value, 1);
    await b.close();
  });

  void it('a throwing watch handler does not break the store', async () => {
    const store = new MemoryStore();
    try {
      const seen: string[] = [];
      await store.watch('/m/', 1, { onEvents: () => { throw new Error('handler bug'); }, onResync: () => undefined });
      await store.watch('/m/', 1, { onEvents: (evs) => seen.push(...evs.map((e) => e.key)), onResync: () => undefined });
      await store.put('/m/a', 1);
      await store.put('/m/b', 2);
      await waitFor('second watch to see both', () => seen.length === 2);
    } finally {
      await store.close();
    }
  });
});
