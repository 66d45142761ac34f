// CommitBatcher (lib/store/commit-batcher.ts) over a real MemoryStore and a real etcd: groups
// submitted together share one Store.commit, and every caller still gets the outcome its own
// writes earn.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, LeaseNotFoundError, UnavailableError } from '../../lib/errors.js';
import { CommitBatcher } from '../../lib/store/commit-batcher.js';
import { EtcdStore } from '../../lib/store/etcd-store.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import type { Store, WriteOp } from '../../lib/store/store.js';
import { startEtcd, type EtcdServer } from '../harness/index.js';

/** A batcher on `store` that records the size of every commit it sends. */
function counting(store: Store, opts: { maxInFlight?: number } = {}): { batcher: CommitBatcher; commits: number[] } {
  const commits: number[] = [];
  const batcher = new CommitBatcher((ops) => {
    commits.push(ops.length);
    return store.commit(ops);
  }, opts);
  return { batcher, commits };
}

function batcherCases(name: string, open: () => Promise<Store>): void {
  void describe(`CommitBatcher on ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    void it('an idle batcher sends a write at once; the groups submitted meanwhile go out as one commit at one revision', async () => {
      const { batcher, commits } = counting(store, { maxInFlight: 1 });
      const p = `/plexus/v1/batch-${name}/together/`;
      const revisions = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit([{ type: 'put', key: `${p}k${i}`, value: i, expectedRevision: 0 }])));
      assert.deepEqual(commits, [1, 9]);
      assert.equal(new Set(revisions.slice(1)).size, 1);
      assert.ok(revisions[1]! > revisions[0]!);
      const listing = await store.list(p);
      assert.deepEqual(listing.items.map((kv) => kv.value), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.ok(listing.items.slice(1).every((kv) => kv.revision === revisions[1]));
      assert.deepEqual(batcher.stats, { batches: 2, groups: 10, split: 0 });
    });

    void it('a lone write on an idle batcher is sent before the event loop turns', async () => {
      const { batcher, commits } = counting(store);
      const p = `/plexus/v1/batch-${name}/lone/`;
      const written = batcher.submit([{ type: 'put', key: `${p}k`, value: 1 }]);
      assert.deepEqual(commits, [1], 'sent synchronously, no added wait');
      await written;
      assert.equal((await store.get(`${p}k`))?.value, 1);
    });

    void it('a conflict or a lost lease fails only the group it is in, with its own error; the others are written', async () => {
      const { batcher } = counting(store, { maxInFlight: 1 });
      const p = `/plexus/v1/batch-${name}/conflict/`;
      const taken = await store.put(`${p}taken`, 'first');
      const gone = await store.grantLease(30);
      await store.revokeLease(gone.id);
      const [ok1, stale, lost, ok2] = await Promise.allSettled([
        batcher.submit([{ type: 'put', key: `${p}a`, value: 1, expectedRevision: 0 }, { type: 'put', key: `${p}a-marker`, value: 1 }]),
        batcher.submit([{ type: 'put', key: `${p}taken`, value: 'second', expectedRevision: 0 }, { type: 'put', key: `${p}taken-marker`, value: 1 }]),
        batcher.submit([{ type: 'put', key: `${p}leased`, value: 1, lease: gone.id }]),
        batcher.submit([{ type: 'delete', key: `${p}nothing` }, { type: 'put', key: `${p}b`, value: 2 }]),
      ]);
      assert.equal(ok1.status, 'fulfilled');
      assert.equal(ok2.status, 'fulfilled');
      assert.ok(stale.status === 'rejected' && stale.reason instanceof ConflictError && stale.reason.key === `${p}taken`, String(stale.status === 'rejected' ? stale.reason : 'written'));
      assert.ok(lost.status === 'rejected' && lost.reason instanceof LeaseNotFoundError && lost.reason.leaseId === gone.id, String(lost.status === 'rejected' ? lost.reason : 'written'));
      const keys = (await store.list(p)).items.map((kv) => kv.key.slice(p.length));
      assert.deepEqual(keys, ['a', 'a-marker', 'b', 'taken'], 'nothing of a refused group, everything of the others');
      assert.equal((await store.get(`${p}taken`))?.revision, taken);
      assert.equal(batcher.stats.split, 1);
    });

    void it('two groups writing one key never share a commit, and apply in the order submitted', async () => {
      const { batcher, commits } = counting(store, { maxInFlight: 1 });
      const p = `/plexus/v1/batch-${name}/order/`;
      const [r1, r2, r3] = await Promise.all([
        batcher.submit([{ type: 'put', key: `${p}k`, value: 1 }]),
        batcher.submit([{ type: 'put', key: `${p}k`, value: 2 }, { type: 'put', key: `${p}j`, value: 2 }]),
        batcher.submit([{ type: 'put', key: `${p}j`, value: 3 }]),
      ]);
      assert.deepEqual(commits, [1, 2, 1]);
      assert.ok(r1 < r2 && r2 < r3);
      assert.equal((await store.get(`${p}k`))?.value, 2);
      assert.equal((await store.get(`${p}j`))?.value, 3, 'a later group does not overtake a waiting one on its key');
    });

    void it('a store that fails the batch fails every group in it with that error, and the next batch goes through', async () => {
      let down = true;
      const batcher = new CommitBatcher((ops) => (down ? Promise.reject(new UnavailableError('store unavailable: commit failed')) : store.commit(ops)));
      const p = `/plexus/v1/batch-${name}/down/`;
      const results = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit([{ type: 'put', key: `${p}k${i}`, value: i }])));
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof UnavailableError));
      down = false;
      await batcher.submit([{ type: 'put', key: `${p}after`, value: 1 }]);
      assert.deepEqual((await store.list(p)).items.map((kv) => kv.key.slice(p.length)), ['after']);
    });

    void it('a group too large for one batch goes alone and is refused by the store as it stands', async () => {
      const { batcher, commits } = counting(store);
      const p = `/plexus/v1/batch-${name}/large/`;
      const big: WriteOp[] = Array.from({ length: 40 }, (_, i) => ({ type: 'put', key: `${p}k${i}`, value: i }));
      await assert.rejects(batcher.submit(big), { name: 'ValidationError' });
      assert.deepEqual(commits, [40]);
      assert.deepEqual((await store.list(p)).items, []);
    });
  });
}

batcherCases('memory', async () => new MemoryStore());

let etcd: EtcdServer | undefined;
after(async () => {
  await etcd?.stop();
});
batcherCases('etcd', async () => {
  etcd = await startEtcd();
  return new EtcdStore({ endpoints: [etcd.endpoint] });
});
