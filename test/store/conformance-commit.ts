// Store.commit, part of the conformance suite (conformance.ts runs it for every backend): a
// batch of puts and deletes is applied whole at one revision or not at all, and a refusal
// names what was refused. Also the revision a lease grant reports, which Register uses in
// place of currentRevision() beside its commit.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConflictError, LeaseNotFoundError, ResourceExhaustedError, ValidationError } from '../../lib/errors.js';
import { STORE_LIMITS, type Store, type WriteOp } from '../../lib/store/store.js';
import { waitFor } from '../harness/index.js';
import { WatchRecorder } from './watch-recorder.js';

export interface CommitSuiteDeps {
  client(): Promise<Store>;
  watch(store: Store, prefix: string, from: number, rec: WatchRecorder): Promise<unknown>;
  freshPrefix(): string;
  timeout: number;
}

async function refused<E extends Error>(p: Promise<unknown>, type: new (...a: never[]) => E, what: string): Promise<E> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof type, `${what}: expected ${type.name}, got ${caught === undefined ? 'success' : String(caught)}`);
  return caught;
}

export function commitConformance({ client, watch, freshPrefix, timeout }: CommitSuiteDeps): void {
  void it('commit applies puts and deletes together at one revision, and a watch sees them in order', { timeout }, async () => {
    const store = await client();
    const p = freshPrefix();
    const ra = await store.put(`${p}a`, 'a1');
    await store.put(`${p}c`, 'c1');
    const rec = new WatchRecorder();
    await watch(store, p, (await store.currentRevision()) + 1, rec);
    const rev = await store.commit([
      { type: 'put', key: `${p}b`, value: { n: 1 }, expectedRevision: 0 },
      { type: 'put', key: `${p}a`, value: 'a2', expectedRevision: ra },
      { type: 'delete', key: `${p}c` },
      { type: 'delete', key: `${p}missing` },
      { type: 'put', key: `${p}d/deep`, value: 'd' },
    ]);
    assert.ok(rev > ra);
    assert.deepEqual((await store.get(`${p}b`))?.value, { n: 1 });
    assert.equal((await store.get(`${p}b`))?.revision, rev);
    assert.equal((await store.get(`${p}a`))?.revision, rev);
    assert.equal((await store.get(`${p}a`))?.createRevision, ra, 'an update in a commit keeps the create revision');
    assert.equal((await store.get(`${p}d/deep`))?.revision, rev);
    assert.equal(await store.get(`${p}c`), undefined);
    await waitFor('the commit watched', () => rec.events.length >= 4);
    assert.deepEqual(
      rec.events.map((e) => `${e.type} ${e.key.slice(p.length)}@${e.revision === rev ? 'rev' : e.revision}`),
      ['put b@rev', 'put a@rev', 'delete c@rev', 'put d/deep@rev'],
    );
  });

  void it('a commit with one failing compare writes nothing and names that key', { timeout }, async () => {
    const store = await client();
    const p = freshPrefix();
    const ra = await store.put(`${p}a`, 1);
    const rb = await store.put(`${p}b`, 1);
    const err = await refused(
      store.commit([
        { type: 'put', key: `${p}new`, value: 'x', expectedRevision: 0 },
        { type: 'put', key: `${p}a`, value: 2, expectedRevision: ra },
        { type: 'delete', key: `${p}b`, expectedRevision: rb + 1000 },
      ]),
      ConflictError,
      'stale delete',
    );
    assert.equal(err.key, `${p}b`);
    assert.equal(err.expectedRevision, rb + 1000);
    const again = await refused(store.commit([{ type: 'put', key: `${p}a`, value: 3, expectedRevision: 0 }, { type: 'put', key: `${p}c`, value: 3 }]), ConflictError, 'create of an existing key');
    assert.equal(again.key, `${p}a`);
    assert.equal(await store.get(`${p}new`), undefined, 'nothing of a refused commit is written');
    assert.equal(await store.get(`${p}c`), undefined);
    assert.deepEqual(await store.get(`${p}a`), { key: `${p}a`, value: 1, revision: ra, createRevision: ra });
    assert.equal((await store.get(`${p}b`))?.revision, rb);
  });

  void it('a commit naming an unknown lease writes nothing and names that lease; keys it put on a lease go with the lease', { timeout }, async () => {
    const store = await client();
    const p = freshPrefix();
    const live = await store.grantLease(30);
    const gone = await store.grantLease(30);
    await store.revokeLease(gone.id);
    const err = await refused(
      store.commit([
        { type: 'put', key: `${p}a`, value: 1, lease: live.id },
        { type: 'put', key: `${p}b`, value: 1, lease: gone.id },
      ]),
      LeaseNotFoundError,
      'a revoked lease',
    );
    assert.equal(err.leaseId, gone.id);
    assert.equal(await store.get(`${p}a`), undefined);
    assert.equal(await store.get(`${p}b`), undefined);
    await store.commit([
      { type: 'put', key: `${p}a`, value: 1, lease: live.id },
      { type: 'put', key: `${p}b`, value: 1, lease: live.id },
      { type: 'put', key: `${p}kept`, value: 1 },
    ]);
    assert.equal((await store.get(`${p}a`))?.lease, live.id);
    await store.revokeLease(live.id);
    await waitFor('keys of the revoked lease gone', async () => (await store.list(p)).items.length === 1);
    assert.deepEqual((await store.list(p)).items.map((kv) => kv.key), [`${p}kept`]);
  });

  void it('a malformed or oversized commit is refused with every problem and its op, and writes nothing', { timeout }, async () => {
    const store = await client();
    const p = freshPrefix();
    await refused(store.commit([]), ValidationError, 'no ops');
    const tooMany: WriteOp[] = Array.from({ length: STORE_LIMITS.maxBatchOps + 1 }, (_, i) => ({ type: 'put', key: `${p}k${i}`, value: i }));
    await refused(store.commit(tooMany), ValidationError, 'too many ops');
    const bad = await refused(
      store.commit([
        { type: 'put', key: `${p}ok`, value: 1 },
        { type: 'put', key: `${p}ok`, value: 2 },
        { type: 'delete', key: 'no-slash' },
        { type: 'put', key: `${p}r`, value: 1, expectedRevision: -1 },
        { type: 'rename', key: `${p}x` } as unknown as WriteOp,
      ]),
      ValidationError,
      'bad ops',
    );
    assert.deepEqual(bad.violations.map((v) => v.path), ['ops[1].key', 'ops[2].key', 'ops[3].expectedRevision', 'ops[4].type']);
    const half = 'x'.repeat(STORE_LIMITS.maxValueBytes / 2);
    await refused(
      store.commit([
        { type: 'put', key: `${p}big1`, value: half },
        { type: 'put', key: `${p}big2`, value: half },
      ]),
      ResourceExhaustedError,
      'values over the limit together',
    );
    assert.deepEqual((await store.list(p)).items, [], 'nothing written');
  });

  void it('a lease grant reports a revision at least as new as every write before it', { timeout }, async () => {
    const writer = await client();
    const granter = await client();
    const p = freshPrefix();
    for (let i = 0; i < 3; i++) {
      const written = await writer.put(`${p}k`, i);
      const grant = await granter.grantLease(10);
      assert.ok(grant.revision !== undefined && grant.revision >= written, `grant revision ${grant.revision} after a write at ${written}`);
      const later = await writer.commit([{ type: 'put', key: `${p}k`, value: -i, lease: grant.id }]);
      assert.ok(later > grant.revision, 'a write after the grant is newer');
      await granter.revokeLease(grant.id);
    }
  });

  void it('a commit of deletes of missing keys writes nothing', { timeout }, async () => {
    const store = await client();
    const p = freshPrefix();
    const rec = new WatchRecorder();
    await watch(store, p, (await store.currentRevision()) + 1, rec);
    const before = await store.currentRevision();
    const rev = await store.commit([{ type: 'delete', key: `${p}a` }, { type: 'delete', key: `${p}b` }]);
    assert.ok(rev >= before);
    await store.put(`${p}sentinel`, 1);
    await waitFor('sentinel watched', () => rec.has(`${p}sentinel`));
    assert.deepEqual(rec.events.map((e) => e.key), [`${p}sentinel`]);
  });
}
