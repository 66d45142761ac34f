// The Store conformance suite on a real ZooKeeper 3.8 (test/harness startZooKeeper, tickTime
// 200 ms so sessions of 400 ms–4 s are allowed), with faults: a crash and restart, stop/start,
// SIGSTOP, change-log compaction, and one client's connection cut or partitioned by a relay.
// Then what only ZooKeeper has: leases that outlive a crashed client's session, reapers racing,
// session expiry, fresh-znode CAS, keys that are also parents, the log's trimming.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { ConflictError, LeaseNotFoundError, UnavailableError, ValidationError } from '../../lib/errors.js';
import { clusterPrefix } from '../../lib/store/keys.js';
import type { Store, Watch } from '../../lib/store/store.js';
import { ZooKeeperStore, type ZooKeeperStoreOptions } from '../../lib/store/zookeeper-store.js';
import { portOutsideEphemeralRange, startZooKeeper, waitFor, type ZooKeeperServer } from '../harness/index.js';
import { storeConformance } from './conformance.js';
import { RelayedStores, type TcpProxy } from './tcp-proxy.js';
import { WatchRecorder } from './watch-recorder.js';

const OP_TIMEOUT_MS = 1500;
let zk: ZooKeeperServer;
const relays = new RelayedStores(() => zk.port);

before(async () => {
  zk = await startZooKeeper();
});
after(async () => {
  await relays.closeAll();
  await zk.stop();
});

storeConformance('zookeeper', {
  // Each client reaches ZooKeeper through its own relay so its connection can be cut alone.
  make: async () =>
    (
      await relays.make((port) =>
        ZooKeeperStore.connect({ backend: 'zookeeper', connectString: `127.0.0.1:${port}`, sessionTimeoutMs: 4000 }, undefined, { opTimeoutMs: OP_TIMEOUT_MS }),
      )
    ).store,
  restartServer: () => zk.process.restart(),
  stopServer: () => zk.process.kill(),
  startServer: () => zk.process.start(),
  pauseServer: async () => zk.process.pause(),
  resumeServer: async () => zk.process.resume(),
  // ZooKeeper keeps no history; the backend's change log is what a watch replays. Trimming it
  // all is the analogue of etcd compaction.
  loseHistory: async (store) => {
    assert.ok(store instanceof ZooKeeperStore);
    await store.compact();
  },
  dropClientConnection: relays.dropClientConnection,
  partitionClient: relays.partitionClient,
  unavailableWithinMs: OP_TIMEOUT_MS * 2,
});

function freshPrefix(): string {
  return `${clusterPrefix(`zk-${randomBytes(5).toString('hex')}`)}t/`;
}

void describe('ZooKeeperStore specifics', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const c of open.splice(0).reverse()) await c.close().catch(() => undefined);
  });
  /** A client behind its own relay, with a 2 s session so that a lost client expires quickly. */
  const connect = async (options: ZooKeeperStoreOptions = {}): Promise<{ store: ZooKeeperStore; proxy: TcpProxy }> => {
    const { store, proxy } = await relays.make((port) =>
      ZooKeeperStore.connect({ backend: 'zookeeper', connectString: `127.0.0.1:${port}`, sessionTimeoutMs: 2000 }, undefined, { opTimeoutMs: OP_TIMEOUT_MS, ...options }),
    );
    open.push(store);
    return { store, proxy };
  };
  const watch = async (store: Store, prefix: string, from: number, rec: WatchRecorder): Promise<Watch> => {
    const w = await store.watch(prefix, from, rec);
    open.push(w);
    return w;
  };

  void it('a lease outlives the crash of the client that granted it, and expires once nobody renews it', { timeout: 60_000 }, async () => {
    const granter = await connect();
    await waitFor('the granter to be the reaper', () => granter.store.isReaper);
    const keeper = await connect();
    const observer = await connect();
    const p = freshPrefix();
    const lease = await granter.store.grantLease(1);
    const r = await granter.store.put(`${p}inst`, 'alive', { lease: lease.id });
    const rec = new WatchRecorder();
    await watch(observer.store, p, r + 1, rec);

    // The granter (and reaper) vanishes without a goodbye: its session expires on the server.
    granter.proxy.block();
    const beat = async (ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await keeper.store.keepAlive(lease.id);
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    await beat(500);
    await waitFor('another client to take over as reaper', async () => {
      await keeper.store.keepAlive(lease.id);
      return keeper.store.isReaper || observer.store.isReaper;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    await beat(2500);
    assert.equal((await observer.store.get(`${p}inst`))?.value, 'alive', 'the key survives while another client renews the lease');
    assert.equal(rec.events.length, 0, "no delete was seen");

    const stopped = Date.now();
    await waitFor('the key to expire', async () => (await observer.store.get(`${p}inst`)) === undefined, { timeoutMs: 10_000, intervalMs: 50 });
    const took = Date.now() - stopped;
    assert.ok(took < lease.ttlSeconds * 1000 + 2000, `expired ${took} ms after the last renewal (TTL ${lease.ttlSeconds} s)`);
    await waitFor('the delete event', () => rec.events.length === 1);
    assert.deepEqual(rec.events.map((e) => [e.type, e.key, e.type === 'delete' && e.leaseExpired]), [['delete', `${p}inst`, true]]);
    await assert.rejects(keeper.store.keepAlive(lease.id), LeaseNotFoundError);

    // The crashed client comes back on a new session and works again.
    granter.proxy.unblock();
    await waitFor('the granter to work again', async () => (await granter.store.get(`${p}inst`)) === undefined, { timeoutMs: 15_000, intervalMs: 100 });
  });

  void it('leases are reaped exactly once while two clients reap and revoke at the same time', { timeout: 60_000 }, async () => {
    const a = await connect();
    const b = await connect();
    const w = await connect();
    const p = freshPrefix();
    // TTL 3 s, not 1: on a loaded box the 32 puts below took over a second, and a lease that
    // expired before its put made the test fail on the put, not on what it checks.
    const expiring = await Promise.all(Array.from({ length: 8 }, () => b.store.grantLease(3)));
    const revoked = await Promise.all(Array.from({ length: 6 }, () => a.store.grantLease(60)));
    const keys: string[] = [];
    let last = 0;
    for (const [i, lease] of [...expiring, ...revoked].entries()) {
      for (const n of [0, 1]) {
        const key = `${p}l${String(i).padStart(2, '0')}/k${n}`;
        last = await a.store.put(key, { i, n }, { lease: lease.id });
        keys.push(key);
      }
    }
    const rec = new WatchRecorder();
    await watch(w.store, p, last + 1, rec);

    // Both clients revoke the same leases at once, while the reaper changes hands.
    await waitFor('one of them to be the reaper', () => a.store.isReaper || b.store.isReaper);
    const reaper = a.store.isReaper ? a : b;
    await Promise.all([...revoked.flatMap((l) => [a.store.revokeLease(l.id), b.store.revokeLease(l.id)]), reaper.store.expireSession()]);
    await waitFor('every leased key to go', async () => (await w.store.list(p)).items.length === 0, { timeoutMs: 20_000, intervalMs: 100 });
    await a.store.put(`${p}zz-sentinel`, 'end');
    await waitFor('the sentinel', () => rec.count('put', `${p}zz-sentinel`) === 1, { timeoutMs: 20_000 });
    for (const key of keys) assert.equal(rec.count('delete', key), 1, `one delete event for ${key}`);
    assert.equal(rec.events.length, keys.length + 1);
    assert.ok(rec.events.every((e) => e.type === 'put' || e.leaseExpired === true), 'deletes carry leaseExpired');
    assert.deepEqual(rec.resyncs, []);
  });

  void it('a session expiry gives the watches onResync; the client carries on with a new session', { timeout: 60_000 }, async () => {
    const { store } = await connect();
    const writer = await connect();
    const p = freshPrefix();
    const from = (await writer.store.currentRevision()) + 1;
    const rec = new WatchRecorder();
    await watch(store, p, from, rec);
    await writer.store.put(`${p}a`, 1);
    await waitFor('the first event', () => rec.events.length === 1);

    await store.expireSession();
    await waitFor('onResync', () => rec.resyncs.length === 1, { timeoutMs: 15_000 });
    assert.match(rec.resyncs[0]!, /session expired/);
    assert.equal(rec.events.length, 1, 'nothing after the resync');

    await store.put(`${p}b`, 2);
    assert.equal((await store.get(`${p}a`))?.value, 1);
    // The history outlives sessions: a new watch from before the expiry replays it.
    const again = new WatchRecorder();
    await watch(store, p, from, again);
    await waitFor('the replay', () => again.events.length === 2);
    assert.deepEqual(again.events.map((e) => `${e.type} ${e.key.slice(p.length)}`), ['put a', 'put b']);
    await waitFor('a reaper to be elected again', () => store.isReaper || writer.store.isReaper, { timeoutMs: 15_000 });
  });

  void it('compare-and-set from a fresh key\'s revision lets exactly one of many writers win', { timeout: 30_000 }, async () => {
    // A fresh znode has version 0, which node-zookeeper-client would turn into "any version"
    // inside a multi; the store must still detect the race.
    const clients = await Promise.all([connect(), connect(), connect()]);
    const p = freshPrefix();
    for (let round = 0; round < 5; round++) {
      const key = `${p}race-${round}`;
      const r = await clients[0]!.store.put(key, 'created', { expectedRevision: 0 });
      const results = await Promise.allSettled(clients.map((c, i) => c.store.put(key, `writer-${i}`, { expectedRevision: r })));
      const won = results.flatMap((res, i) => (res.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1, `round ${round}: exactly one writer wins`);
      for (const res of results) if (res.status === 'rejected') assert.ok(res.reason instanceof ConflictError, String(res.reason));
      assert.equal((await clients[0]!.store.get(key))?.value, `writer-${won[0]}`);
    }
  });

  void it('a key may also be the parent of other keys', { timeout: 30_000 }, async () => {
    const { store } = await connect();
    const p = freshPrefix();
    const r1 = await store.put(`${p}a`, 'parent');
    await store.put(`${p}a/b`, 'child');
    assert.equal(await store.delete(`${p}a`), true);
    assert.equal(await store.get(`${p}a`), undefined);
    assert.equal((await store.get(`${p}a/b`))?.value, 'child', 'deleting a key keeps the keys below it');
    assert.deepEqual((await store.list(p)).items.map((kv) => kv.key), [`${p}a/b`]);
    const r3 = await store.put(`${p}a`, 'again', { expectedRevision: 0 });
    assert.deepEqual(await store.get(`${p}a`), { key: `${p}a`, value: 'again', revision: r3, createRevision: r3 });
    const r4 = await store.put(`${p}a`, 'updated', { expectedRevision: r3 });
    assert.equal((await store.get(`${p}a`))?.createRevision, r3, 'an update keeps the create revision');
    assert.deepEqual((await store.list(p)).items.map((kv) => kv.key), [`${p}a`, `${p}a/b`]);
    const rec = new WatchRecorder();
    await watch(store, p, r1, rec);
    await waitFor('the replay', () => rec.events.length === 5);
    assert.deepEqual(
      rec.events.map((e) => `${e.type} ${e.key.slice(p.length)} ${e.revision === r3 || e.revision === r4 ? (e.type === 'put' ? e.createRevision : '') : ''}`),
      ['put a ', 'put a/b ', 'delete a ', `put a ${r3}`, `put a ${r3}`],
    );
  });

  void it('keeps its own znodes out of sight and refuses ZooKeeper\'s subtree', { timeout: 30_000 }, async () => {
    const { store } = await connect();
    const p = freshPrefix();
    await store.put(`${p}k`, 1, { lease: (await store.grantLease(30)).id });
    const all = await store.list('/plexus/v1/');
    assert.ok(all.items.length > 0);
    assert.ok(all.items.every((kv) => !kv.key.includes('/_')), 'no internal znode is listed');
    assert.ok((await store.list('/')).items.every((kv) => !kv.key.startsWith('/zookeeper')));
    const err = await store.put('/zookeeper/x', 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ValidationError && err.violations[0]?.path === 'key', `got ${String(err)}`);
    assert.equal(await store.get('/zookeeper/config'), undefined);
    await assert.rejects(store.keepAlive('not-a-lease'), ValidationError);
  });

  void it('fails with UnavailableError in bounded time when nothing listens', { timeout: 30_000 }, async () => {
    const port = await portOutsideEphemeralRange();
    const t0 = Date.now();
    await assert.rejects(
      ZooKeeperStore.connect({ backend: 'zookeeper', connectString: `127.0.0.1:${port}` }, undefined, { connectTimeoutMs: 1000 }),
      UnavailableError,
    );
    assert.ok(Date.now() - t0 < 3000, 'bounded time');
  });

  void it('trims the change log: a watch that keeps up sees everything, one from trimmed history resyncs', { timeout: 60_000 }, async () => {
    const { store } = await connect({ logMaxEntries: 40 });
    await waitFor('this client to be the reaper', () => store.isReaper, { timeoutMs: 15_000 });
    const p = freshPrefix();
    const start = (await store.currentRevision()) + 1;
    const live = new WatchRecorder();
    await watch(store, p, start, live);
    for (let i = 0; i < 120; i++) await store.put(`${p}k${String(i).padStart(3, '0')}`, i);
    await waitFor('the live watch to see every put', () => live.events.length === 120, { timeoutMs: 20_000 });
    assert.deepEqual(live.events.map((e) => e.key), Array.from({ length: 120 }, (_, i) => `${p}k${String(i).padStart(3, '0')}`));
    assert.deepEqual(live.resyncs, []);
    await waitFor('a watch from trimmed history to resync', async () => {
      const old = new WatchRecorder();
      const w = await store.watch(p, start, old);
      try {
        await waitFor('an answer', () => old.resyncs.length > 0 || old.events.length > 0, { timeoutMs: 5000 });
        return old.resyncs.length === 1 && old.events.length === 0;
      } finally {
        await w.close();
      }
    }, { timeoutMs: 15_000, intervalMs: 200 });
  });

  void it('delivers large values through the key, and resyncs when one is overwritten before it is read', { timeout: 30_000 }, async () => {
    const { store } = await connect();
    const p = freshPrefix();
    const big = 'x'.repeat(100 * 1024);
    const from = (await store.currentRevision()) + 1;
    const rec = new WatchRecorder();
    await watch(store, p, from, rec);
    const r = await store.put(`${p}big`, big);
    await waitFor('the big put', () => rec.events.length === 1);
    const e = rec.events[0]!;
    assert.ok(e.type === 'put' && e.value === big && e.revision === r);

    await store.put(`${p}big`, `${big}y`);
    const late = new WatchRecorder();
    await watch(store, p, from, late);
    await waitFor('onResync', () => late.resyncs.length === 1);
    assert.deepEqual(late.events, [], 'no event skipped silently: the first version is gone, so resync');
  });
});
