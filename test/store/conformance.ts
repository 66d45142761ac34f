// The Store conformance suite: one set of behaviours every backend (memory, etcd, ZooKeeper)
// must show, run by each backend's test file with a harness that opens clients on a shared
// server and, where the backend has one, injects faults. Tests needing a hook the harness
// lacks are skipped with the reason. Each test works under its own random cluster prefix, so
// tests never see each other's keys.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import {
  ConflictError,
  LeaseNotFoundError,
  PlexusError,
  ResourceExhaustedError,
  UnavailableError,
  ValidationError,
} from '../../lib/errors.js';
import { clusterPrefix } from '../../lib/store/keys.js';
import { STORE_LIMITS, type Store, type Watch, type WatchEvent } from '../../lib/store/store.js';
import { waitFor } from '../harness/index.js';
import { commitConformance } from './conformance-commit.js';
import { WatchRecorder } from './watch-recorder.js';

export interface StoreHarness {
  /** A fresh client on the shared server (the suite closes it). */
  make(): Promise<Store>;
  /** Kill the server and start it again with its data (a crash and restart). */
  restartServer?(): Promise<void>;
  /** Take the server away until startServer(); clients must get UnavailableError meanwhile. */
  stopServer?(): Promise<void>;
  startServer?(): Promise<void>;
  /** Freeze the server: connections stay open, nothing answers (SIGSTOP). */
  pauseServer?(): Promise<void>;
  resumeServer?(): Promise<void>;
  /** Make the store forget history up to now (etcd: compact), so older watches must resync. */
  loseHistory?(store: Store): Promise<void>;
  /** Break this client's connection so it has to reconnect by itself. */
  dropClientConnection?(store: Store): Promise<void>;
  /** Cut this client off from the server until the returned heal() is called. */
  partitionClient?(store: Store): Promise<() => Promise<void>>;
  /** Upper bound for an operation against an unreachable server to fail (default 8000 ms). */
  unavailableWithinMs?: number;
  /**
   * Whether the backend can replay every change since a past revision (default true: etcd,
   * memory). A backend that cannot must answer a watch from the past, and a watch that loses
   * its connection, with onResync; the suite then accepts "an in-order prefix, then onResync"
   * wherever it would otherwise demand the full history.
   */
  replaysHistory?: boolean;
}

const TEST_TIMEOUT = 90_000;

function freshPrefix(): string {
  return `${clusterPrefix(`conf-${randomBytes(5).toString('hex')}`)}t/`;
}

/** `put a` / `delete b` summaries relative to a prefix, for readable assertion diffs. */
function brief(prefix: string, events: WatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.key.slice(prefix.length)}`);
}

function assertRevisionsAscending(events: WatchEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i]!.revision >= events[i - 1]!.revision, `revision went backwards at event ${i}`);
  }
}

/** Everything up to (excluding) the event for `sentinel`; fails if the sentinel never comes. */
async function untilSentinel(rec: WatchRecorder, sentinel: string, timeoutMs = 20_000): Promise<WatchEvent[]> {
  await waitFor(`watch event for ${sentinel}`, () => rec.has(sentinel), { timeoutMs });
  const at = rec.events.findIndex((e) => e.key === sentinel);
  return rec.events.slice(0, at);
}

/**
 * After a disruption: the watch delivers everything up to the sentinel exactly once and in
 * order; or, on a backend that cannot replay history, an in-order prefix followed by onResync.
 */
async function assertResumedOrResynced(rec: WatchRecorder, p: string, expected: string[], replays: boolean, timeoutMs = 30_000): Promise<void> {
  const sentinel = `${p}zz-sentinel`;
  if (replays) {
    const got = await untilSentinel(rec, sentinel, timeoutMs);
    assert.deepEqual(brief(p, got), expected);
    assertRevisionsAscending(got);
    assert.equal(rec.resyncs.length, 0, 'no resync needed: the backend replays history');
    return;
  }
  await waitFor('the sentinel event or onResync', () => rec.has(sentinel) || rec.resyncs.length > 0, { timeoutMs });
  const got = rec.events.filter((e) => e.key !== sentinel);
  const seen = brief(p, got);
  if (rec.resyncs.length === 0) assert.deepEqual(seen, expected);
  else assert.deepEqual(seen, expected.slice(0, seen.length), 'what came before the resync is an in-order prefix');
  assertRevisionsAscending(got);
}

/**
 * Create a key, retrying while the store is unavailable. The put is a must-not-exist CAS, so
 * a retry after an attempt that was applied but not acknowledged fails with a conflict instead
 * of writing a second time; the stored value then tells whether our write landed.
 */
async function createEventually(store: Store, key: string, value: unknown, timeoutMs = 30_000): Promise<void> {
  await waitFor(`put ${key} to succeed`, async () => {
    try {
      await store.put(key, value, { expectedRevision: 0 });
      return true;
    } catch (err) {
      if (err instanceof ConflictError) {
        assert.deepEqual((await store.get(key))?.value, value);
        return true;
      }
      if (err instanceof UnavailableError) return false;
      throw err;
    }
  }, { timeoutMs, intervalMs: 100 });
}

async function rejectsWith(p: Promise<unknown>, type: new (...a: never[]) => Error, what: string): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `${what}: expected ${type.name}, but it succeeded`);
  assert.ok(caught instanceof type, `${what}: expected ${type.name}, got ${String(caught)}`);
  return caught;
}

export function storeConformance(name: string, harness: StoreHarness): void {
  void describe(`Store conformance: ${name}`, () => {
    const closers: Array<{ close(): Promise<void> }> = [];
    const client = async (): Promise<Store> => {
      const store = await harness.make();
      closers.push(store);
      return store;
    };
    const watch = async (store: Store, prefix: string, from: number, rec: WatchRecorder): Promise<Watch> => {
      const w = await store.watch(prefix, from, rec);
      closers.push(w);
      return w;
    };
    /** A writer and a watcher on a fresh prefix; the watcher has seen five puts (k0…k4). */
    const watchingFive = async (): Promise<{ writer: Store; watcher: Store; p: string; rec: WatchRecorder; expected: string[] }> => {
      const writer = await client();
      const watcher = await client();
      const p = freshPrefix();
      const rec = new WatchRecorder();
      await watch(watcher, p, (await writer.currentRevision()) + 1, rec);
      const expected: string[] = [];
      for (let i = 0; i < 5; i++) {
        await writer.put(`${p}k${i}`, i);
        expected.push(`put k${i}`);
      }
      await waitFor('first five events', () => rec.events.length >= 5);
      return { writer, watcher, p, rec, expected };
    };
    afterEach(async () => {
      // Watches were opened after their stores: close in reverse order.
      for (const c of closers.splice(0).reverse()) await c.close().catch(() => undefined);
    });
    const needs = (...hooks: Array<keyof StoreHarness>): { skip?: string; timeout: number } => {
      const missing = hooks.filter((h) => harness[h] === undefined);
      return missing.length ? { skip: `${name} harness has no ${missing.join(', ')}`, timeout: TEST_TIMEOUT } : { timeout: TEST_TIMEOUT };
    };

    commitConformance({ client, watch, freshPrefix, timeout: TEST_TIMEOUT });

    void it('put, get and list return values with their revisions', { timeout: TEST_TIMEOUT }, async () => {
      const store = await client();
      const p = freshPrefix();
      assert.equal(await store.get(`${p}a`), undefined);
      const empty = await store.list(p);
      assert.deepEqual(empty.items, []);
      assert.ok(Number.isSafeInteger(empty.revision) && empty.revision >= 0);

      const r1 = await store.put(`${p}a`, { n: 1 });
      assert.ok(Number.isSafeInteger(r1) && r1 > 0, `revision ${r1}`);
      let a = await store.get(`${p}a`);
      assert.deepEqual(a, { key: `${p}a`, value: { n: 1 }, revision: r1, createRevision: r1 });

      const r2 = await store.put(`${p}a`, { n: 2 });
      assert.ok(r2 > r1);
      a = await store.get(`${p}a`);
      assert.equal(a?.revision, r2);
      assert.equal(a?.createRevision, r1, 'an update keeps the create revision');

      const values: unknown[] = ['text', 42, null, true, [1, 'x', null], { nested: { deep: ['ü', 1.5] } }];
      let last = r2;
      for (const [i, v] of values.entries()) {
        last = await store.put(`${p}v/${String.fromCharCode(122 - i)}`, v);
      }
      await store.put(`${p.slice(0, -1)}-sibling`, 'outside the prefix');
      const listing = await store.list(`${p}v/`);
      assert.deepEqual(listing.items.map((kv) => kv.key), [...'uvwxyz'].map((c) => `${p}v/${c}`), 'sorted by key');
      assert.deepEqual(listing.items.map((kv) => kv.value), [...values].reverse());
      assert.ok(listing.revision >= last, 'a listing reflects at least the writes before it');
      const all = await store.list(p);
      assert.equal(all.items.length, 7);

      const other = await client();
      assert.deepEqual(await other.get(`${p}a`), a, 'another client sees the same record');
      assert.ok((await other.currentRevision()) >= last);

      assert.equal(await store.delete(`${p}a`), true);
      assert.equal(await store.get(`${p}a`), undefined);
      assert.equal(await store.delete(`${p}a`), false, 'deleting a missing key reports false');
      const r3 = await store.put(`${p}a`, { n: 3 });
      assert.ok(r3 > last);
      assert.equal((await store.get(`${p}a`))?.createRevision, r3, 'a re-created key has a new create revision');
    });

    void it('put with expectedRevision is compare-and-set; a conflict changes nothing', { timeout: TEST_TIMEOUT }, async () => {
      const store = await client();
      const p = freshPrefix();
      const k = `${p}cas`;
      const r1 = await store.put(k, 'v1', { expectedRevision: 0 });

      let err = (await rejectsWith(store.put(k, 'v2', { expectedRevision: 0 }), ConflictError, 'create existing')) as ConflictError;
      assert.equal(err.key, k);
      assert.equal(err.expectedRevision, 0);
      if (err.actualRevision !== undefined) assert.equal(err.actualRevision, r1);
      assert.deepEqual(await store.get(k), { key: k, value: 'v1', revision: r1, createRevision: r1 });

      err = (await rejectsWith(store.put(k, 'v2', { expectedRevision: r1 + 1000 }), ConflictError, 'stale')) as ConflictError;
      assert.equal(err.expectedRevision, r1 + 1000);
      assert.equal((await store.get(k))?.value, 'v1');

      const r2 = await store.put(k, 'v2', { expectedRevision: r1 });
      assert.ok(r2 > r1);
      assert.equal((await store.get(k))?.value, 'v2');

      err = (await rejectsWith(store.put(`${p}missing`, 'x', { expectedRevision: r2 }), ConflictError, 'missing')) as ConflictError;
      if (err.actualRevision !== undefined) assert.equal(err.actualRevision, 0);
      assert.equal(await store.get(`${p}missing`), undefined);

      // Two writers race from the same revision: exactly one wins.
      const other = await client();
      const results = await Promise.allSettled([
        store.put(k, 'from-a', { expectedRevision: r2 }),
        other.put(k, 'from-b', { expectedRevision: r2 }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, 'exactly one compare-and-set wins');
      assert.ok(lost[0]?.reason instanceof ConflictError, `the loser gets ConflictError, got ${String(lost[0]?.reason)}`);
      const final = await store.get(k);
      assert.equal(final?.value, results[0]!.status === 'fulfilled' ? 'from-a' : 'from-b');
    });

    void it('delete with expectedRevision is compare-and-delete', { timeout: TEST_TIMEOUT }, async () => {
      const store = await client();
      const p = freshPrefix();
      const k = `${p}d`;
      const r1 = await store.put(k, 1);
      const r2 = await store.put(k, 2);
      const err = (await rejectsWith(store.delete(k, { expectedRevision: r1 }), ConflictError, 'stale delete')) as ConflictError;
      if (err.actualRevision !== undefined) assert.equal(err.actualRevision, r2);
      assert.equal((await store.get(k))?.value, 2, 'a conflicting delete deletes nothing');
      await rejectsWith(store.delete(`${p}missing`, { expectedRevision: r2 }), ConflictError, 'delete missing with CAS');
      assert.equal(await store.delete(k, { expectedRevision: r2 }), true);
      assert.equal(await store.get(k), undefined);
    });

    void it('watch from a revision delivers every change once, in order, with nothing outside the prefix', { timeout: TEST_TIMEOUT }, async () => {
      const writer = await client();
      const watcher = await client();
      const p = freshPrefix();
      const start = (await writer.currentRevision()) + 1;
      const live = new WatchRecorder();
      await watch(watcher, p, start, live);

      const expected: string[] = [];
      const putRevisions: number[] = [];
      const put = async (key: string, value: unknown, cas?: number): Promise<number> => {
        const r = await writer.put(`${p}${key}`, value, cas === undefined ? {} : { expectedRevision: cas });
        expected.push(`put ${key}`);
        putRevisions.push(r);
        return r;
      };
      const ra = await put('a', 'a1');
      await put('b', 'b1', 0);
      await put('a', 'a2', ra);
      await writer.put(`${p.slice(0, -1)}x/outside`, 'not watched');
      assert.equal(await writer.delete(`${p}b`), true);
      expected.push('delete b');
      const rc = await put('c/deep', { c: 1 });
      const ra2 = (await writer.get(`${p}a`))!.revision;
      assert.equal(await writer.delete(`${p}a`, { expectedRevision: ra2 }), true);
      expected.push('delete a');
      await put('c/deep', { c: 2 }, rc);
      for (let i = 0; i < 20; i++) await put(`n/${String(i).padStart(2, '0')}`, i);
      await writer.put(`${p}zz-sentinel`, 'end');

      const got = await untilSentinel(live, `${p}zz-sentinel`);
      assert.deepEqual(brief(p, got), expected);
      assertRevisionsAscending(got);
      assert.deepEqual(got.filter((e) => e.type === 'put').map((e) => e.revision), putRevisions);
      const firstPut = got[0]!;
      assert.equal(firstPut.type, 'put');
      if (firstPut.type === 'put') {
        assert.equal(firstPut.value, 'a1');
        assert.equal(firstPut.createRevision, ra);
      }
      const delB = got.find((e) => e.type === 'delete' && e.key === `${p}b`)!;
      if (delB.type === 'delete' && delB.prevValue !== undefined) assert.equal(delB.prevValue, 'b1');
      assert.equal(live.resyncs.length, 0);

      // The same history replayed to a watch opened afterwards, and a suffix from the middle
      // (or, where the backend keeps no history, onResync for both).
      const replay = new WatchRecorder();
      await watch(watcher, p, start, replay);
      const mid = new WatchRecorder();
      await watch(watcher, p, putRevisions[2]!, mid);
      if (harness.replaysHistory !== false) {
        assert.deepEqual(brief(p, await untilSentinel(replay, `${p}zz-sentinel`)), expected);
        assert.deepEqual(brief(p, await untilSentinel(mid, `${p}zz-sentinel`)), expected.slice(2));
      } else {
        await waitFor('onResync for watches from the past', () => replay.resyncs.length > 0 && mid.resyncs.length > 0);
        assert.deepEqual([...replay.events, ...mid.events], []);
      }

      // A closed watch gets nothing more.
      const liveCount = live.events.length;
      const closedAfter = new WatchRecorder();
      const closing = await watcher.watch(p, (await writer.currentRevision()) + 1, closedAfter);
      await closing.close();
      await writer.put(`${p}after-close`, 1);
      await waitFor('live watch to see after-close', () => live.has(`${p}after-close`));
      assert.equal(live.events.length, liveCount + 1);
      assert.equal(closedAfter.events.length, 0, 'a closed watch delivers nothing');
    });

    void it('a watch resumes after its client reconnects, without gaps or duplicates', needs('dropClientConnection'), async () => {
      const { writer, watcher, p, rec, expected } = await watchingFive();
      await harness.dropClientConnection!(watcher);
      for (let i = 5; i < 15; i++) {
        await writer.put(`${p}k${i}`, i);
        expected.push(`put k${i}`);
      }
      await writer.put(`${p}zz-sentinel`, 'end');
      await assertResumedOrResynced(rec, p, expected, harness.replaysHistory !== false);
      // The reconnected client still serves ordinary calls.
      assert.equal((await watcher.get(`${p}k14`))?.value, 14);
    });

    void it('a watch resumes across a server restart, without gaps or duplicates', needs('restartServer'), async () => {
      const { writer, p, rec, expected } = await watchingFive();
      await harness.restartServer!();
      for (let i = 5; i < 10; i++) {
        await createEventually(writer, `${p}k${i}`, i);
        expected.push(`put k${i}`);
      }
      await createEventually(writer, `${p}zz-sentinel`, 'end');
      await assertResumedOrResynced(rec, p, expected, harness.replaysHistory !== false);
    });

    void it('a watch from a revision whose history is lost gets onResync, and re-list + watch recovers', needs('loseHistory'), async () => {
      const store = await client();
      const p = freshPrefix();
      const r1 = await store.put(`${p}old`, 1);
      await store.put(`${p}old`, 2);
      await harness.loseHistory!(store);
      const rec = new WatchRecorder();
      await watch(store, p, r1, rec);
      await waitFor('onResync', () => rec.resyncs.length > 0);
      assert.equal(rec.events.length, 0, 'no events before or after the resync signal');
      assert.ok(rec.resyncs[0]!.length > 0, 'the reason is given');

      // The documented recovery: re-list, then watch from the listing's revision + 1.
      const listing = await store.list(p);
      assert.deepEqual(listing.items.map((kv) => kv.value), [2]);
      const again = new WatchRecorder();
      await watch(store, p, listing.revision + 1, again);
      await store.put(`${p}new`, 3);
      await waitFor('event after re-list', () => again.has(`${p}new`));
      assert.deepEqual(brief(p, again.events), ['put new']);
      assert.equal(again.resyncs.length, 0);
      assert.equal(rec.events.length, 0, 'the resynced watch stays closed');
    });

    void it('a watch that misses lost history while cut off gets onResync when it reconnects', needs('partitionClient', 'loseHistory'), async () => {
      const writer = await client();
      const watcher = await client();
      const p = freshPrefix();
      const rec = new WatchRecorder();
      await watch(watcher, p, (await writer.currentRevision()) + 1, rec);
      await writer.put(`${p}a`, 1);
      await waitFor('first event', () => rec.events.length === 1);
      const heal = await harness.partitionClient!(watcher);
      try {
        await writer.put(`${p}b`, 2);
        await writer.put(`${p}c`, 3);
        await harness.loseHistory!(writer);
      } finally {
        await heal();
      }
      await waitFor('onResync after reconnecting', () => rec.resyncs.length > 0, { timeoutMs: 30_000 });
      assert.deepEqual(brief(p, rec.events), ['put a'], 'nothing delivered out of order or invented');
      const listing = await watcher.list(p);
      assert.deepEqual(listing.items.map((kv) => kv.value), [1, 2, 3], 're-listing shows what the watch missed');
    });

    void it('an expired lease deletes its keys and the watch sees the deletes', { timeout: TEST_TIMEOUT }, async () => {
      const store = await client();
      const p = freshPrefix();
      const lease = await store.grantLease(1);
      assert.ok(lease.id.length > 0);
      assert.ok(lease.ttlSeconds >= 1);
      await store.put(`${p}l1`, 'one', { lease: lease.id });
      await store.put(`${p}l2`, 'two', { lease: lease.id });
      const rkeep = await store.put(`${p}kept`, 'no lease');
      assert.equal((await store.get(`${p}l1`))?.lease, lease.id);
      assert.equal((await store.get(`${p}kept`))?.lease, undefined);
      const rec = new WatchRecorder();
      await watch(store, p, rkeep + 1, rec);

      const started = Date.now();
      await waitFor('leased keys to disappear', async () => (await store.list(p)).items.length === 1, {
        timeoutMs: lease.ttlSeconds * 1000 + 15_000,
        intervalMs: 50,
      });
      assert.ok(Date.now() - started >= lease.ttlSeconds * 1000 - 1500, 'a lease does not expire long before its TTL');
      await waitFor('delete events', () => rec.events.length >= 2);
      assert.deepEqual(brief(p, rec.events).sort(), ['delete l1', 'delete l2']);
      for (const e of rec.events) {
        assert.equal(e.type, 'delete');
        if (e.type === 'delete') assert.notEqual(e.leaseExpired, false, 'leaseExpired is true or unknown');
      }
      assert.equal((await store.get(`${p}kept`))?.value, 'no lease');
      await rejectsWith(store.keepAlive(lease.id), LeaseNotFoundError, 'keepAlive on an expired lease');
      await rejectsWith(store.put(`${p}l3`, 'x', { lease: lease.id }), LeaseNotFoundError, 'put on an expired lease');
      assert.equal(await store.get(`${p}l3`), undefined);
    });

    void it('a lease kept alive by a second client outlives the client that granted it', { timeout: TEST_TIMEOUT }, async () => {
      const granter = await client();
      const keeper = await client();
      const p = freshPrefix();
      const lease = await granter.grantLease(1);
      const r = await granter.put(`${p}inst`, 'alive', { lease: lease.id });
      const rec = new WatchRecorder();
      await watch(keeper, p, r + 1, rec);
      await granter.close();

      // Heart-beat from the second client for well over two TTLs.
      const ttlMs = lease.ttlSeconds * 1000;
      const until = Date.now() + 2.5 * ttlMs;
      while (Date.now() < until) {
        await keeper.keepAlive(lease.id);
        await new Promise((res) => setTimeout(res, ttlMs / 5));
      }
      assert.equal((await keeper.get(`${p}inst`))?.value, 'alive', 'the key survives while another client keeps the lease alive');
      assert.equal(rec.events.length, 0, 'no delete was seen');

      // And without heartbeats it does expire (the test above could fail).
      await waitFor('key to expire once heartbeats stop', async () => (await keeper.get(`${p}inst`)) === undefined, {
        timeoutMs: ttlMs + 15_000,
        intervalMs: 50,
      });
      await waitFor('delete event', () => rec.events.length === 1);
      assert.deepEqual(brief(p, rec.events), ['delete inst']);
    });

    void it('revoking a lease deletes its keys at once, from any client', { timeout: TEST_TIMEOUT }, async () => {
      const owner = await client();
      const other = await client();
      const p = freshPrefix();
      const lease = await owner.grantLease(60);
      await owner.keepAlive(lease.id);
      await owner.put(`${p}a`, 1, { lease: lease.id });
      const r = await owner.put(`${p}b`, 2, { lease: lease.id });
      const rec = new WatchRecorder();
      await watch(owner, p, r + 1, rec);

      await other.revokeLease(lease.id);
      assert.deepEqual((await owner.list(p)).items, [], 'keys are gone when revoke resolves');
      await waitFor('delete events', () => rec.events.length >= 2);
      assert.deepEqual(brief(p, rec.events).sort(), ['delete a', 'delete b']);
      for (const e of rec.events) if (e.type === 'delete') assert.notEqual(e.leaseExpired, false);

      await other.revokeLease(lease.id); // revoking a revoked lease is not an error
      await rejectsWith(owner.keepAlive(lease.id), LeaseNotFoundError, 'keepAlive after revoke');
      await rejectsWith(owner.put(`${p}c`, 3, { lease: lease.id }), LeaseNotFoundError, 'put on a revoked lease');
      assert.equal(await owner.get(`${p}c`), undefined);
    });

    void it('a put without a lease detaches the key from its lease', { timeout: TEST_TIMEOUT }, async () => {
      const store = await client();
      const p = freshPrefix();
      const lease = await store.grantLease(60);
      await store.put(`${p}k`, 1, { lease: lease.id });
      await store.put(`${p}k`, 2);
      assert.equal((await store.get(`${p}k`))?.lease, undefined);
      await store.revokeLease(lease.id);
      assert.equal((await store.get(`${p}k`))?.value, 2, 'the detached key survives the revoke');
    });

    void it('rejects invalid keys, oversized values and bad arguments with typed errors, writing nothing', { timeout: TEST_TIMEOUT }, async () => {
      const store = await client();
      const p = freshPrefix();
      const badKeys = ['', 'relative/key', `${p}a//b`, `${p}a/../b`, `${p}a/b c`, `${p}é`, `${p}${'x'.repeat(STORE_LIMITS.maxKeyLength)}`];
      for (const key of badKeys) {
        const what = JSON.stringify(key.slice(0, 60));
        const err = (await rejectsWith(store.put(key, 1), ValidationError, `put ${what}`)) as ValidationError;
        assert.equal(err.violations[0]?.path, 'key');
        await rejectsWith(store.get(key), ValidationError, `get ${what}`);
        await rejectsWith(store.delete(key), ValidationError, `delete ${what}`);
      }
      await rejectsWith(store.list('no-slash'), ValidationError, 'list of a relative prefix');
      await rejectsWith(store.watch('no-slash', 1, new WatchRecorder()), ValidationError, 'watch of a relative prefix');
      await rejectsWith(store.watch(p, 0, new WatchRecorder()), ValidationError, 'watch from revision 0');

      // The size limit is on the JSON encoding: a string of n characters encodes to n + 2 bytes.
      const atLimit = 'x'.repeat(STORE_LIMITS.maxValueBytes - 2);
      await store.put(`${p}at-limit`, atLimit);
      assert.equal((await store.get<string>(`${p}at-limit`))?.value.length, atLimit.length, 'a value at the limit round-trips');
      const big = `${atLimit}x`;
      const tooBig = await rejectsWith(store.put(`${p}big`, big), ResourceExhaustedError, 'oversized value');
      assert.match(tooBig.message, /exceeds the store limit/);
      const r = await store.put(`${p}small`, 'small');
      await rejectsWith(store.put(`${p}small`, big, { expectedRevision: r }), ResourceExhaustedError, 'oversized CAS update');
      assert.equal((await store.get(`${p}small`))?.value, 'small');

      const circular: Record<string, unknown> = {};
      circular.self = circular;
      for (const [what, v] of [['undefined', undefined], ['a function', () => 1], ['a bigint', 10n], ['a cycle', circular]] as const) {
        const err = await rejectsWith(store.put(`${p}bad-value`, v), PlexusError, `value ${what}`);
        assert.equal((err as PlexusError).code, 'INVALID_ARGUMENT');
      }
      for (const bad of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
        const err = (await rejectsWith(store.put(`${p}opt`, 1, { expectedRevision: bad }), ValidationError, `expectedRevision ${bad}`)) as ValidationError;
        assert.equal(err.violations[0]?.path, 'expectedRevision');
        await rejectsWith(store.delete(`${p}small`, { expectedRevision: bad }), ValidationError, `delete expectedRevision ${bad}`);
      }
      for (const ttl of [0, 1.5, STORE_LIMITS.maxLeaseTtlSeconds + 1, -5]) {
        const err = (await rejectsWith(store.grantLease(ttl), ValidationError, `ttl ${ttl}`)) as ValidationError;
        assert.equal(err.violations[0]?.path, 'ttlSeconds');
      }
      const keys = (await store.list(p)).items.map((kv) => kv.key.slice(p.length));
      assert.deepEqual(keys, ['at-limit', 'small'], 'nothing else was written');
    });

    void it('an unreachable store fails with UnavailableError in bounded time and recovers when it returns', needs('stopServer', 'startServer'), async () => {
      const store = await client();
      const watcher = await client();
      const p = freshPrefix();
      await store.put(`${p}before`, 1);
      const lease = await store.grantLease(60);
      const rec = new WatchRecorder();
      await watch(watcher, p, (await store.currentRevision()) + 1, rec);
      const bound = harness.unavailableWithinMs ?? 8000;

      await harness.stopServer!();
      try {
        const ops: Array<[string, () => Promise<unknown>]> = [
          ['get', () => store.get(`${p}before`)],
          ['list', () => store.list(p)],
          ['put', () => store.put(`${p}during`, 1)],
          ['CAS put', () => store.put(`${p}before`, 2, { expectedRevision: 1 })],
          ['delete', () => store.delete(`${p}before`)],
          ['grantLease', () => store.grantLease(5)],
          ['keepAlive', () => store.keepAlive(lease.id)],
          ['currentRevision', () => store.currentRevision()],
        ];
        for (const [what, op] of ops) {
          const t0 = Date.now();
          await rejectsWith(op(), UnavailableError, `${what} while the store is down`);
          const took = Date.now() - t0;
          assert.ok(took < bound, `${what} took ${took} ms to fail (bound ${bound} ms)`);
        }
      } finally {
        await harness.startServer!();
      }

      await waitFor('the store to answer again', async () => (await store.get(`${p}before`))?.value === 1, { timeoutMs: 30_000, intervalMs: 100 });
      await createEventually(store, `${p}after`, 'back');
      await store.keepAlive(lease.id);
      await createEventually(store, `${p}zz-sentinel`, 'end');
      await assertResumedOrResynced(rec, p, ['put after'], harness.replaysHistory !== false);
    });

    void it('a frozen server (connection open, no answers) gives UnavailableError in bounded time', needs('pauseServer', 'resumeServer'), async () => {
      const store = await client();
      const p = freshPrefix();
      await store.put(`${p}k`, 1);
      const bound = harness.unavailableWithinMs ?? 8000;
      await harness.pauseServer!();
      try {
        for (const [what, op] of [
          ['get', () => store.get(`${p}k`)],
          ['put', () => store.put(`${p}k2`, 2)],
        ] as Array<[string, () => Promise<unknown>]>) {
          const t0 = Date.now();
          await rejectsWith(op(), UnavailableError, `${what} while the store is frozen`);
          assert.ok(Date.now() - t0 < bound, `${what} failed within ${bound} ms`);
        }
      } finally {
        await harness.resumeServer!();
      }
      await waitFor('the store to answer again', async () => (await store.get(`${p}k`))?.value === 1, { timeoutMs: 30_000, intervalMs: 100 });
    });
  });
}
