// The Store conformance suite on a real etcd (test/harness startEtcd), with faults: a crash
// and restart, stop/start, SIGSTOP, compaction, and one client's connections cut by a relay.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UnavailableError } from '../../lib/errors.js';
import { EtcdStore } from '../../lib/store/etcd-store.js';
import { createStore } from '../../lib/store/index.js';
import { portOutsideEphemeralRange, startEtcd, type EtcdServer } from '../harness/index.js';
import { storeConformance } from './conformance.js';
import { RelayedStores } from './tcp-proxy.js';

const DIAL_TIMEOUT_MS = 2000;

let etcd: EtcdServer;
const relays = new RelayedStores(() => etcd.port);

before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await relays.closeAll();
  await etcd.stop();
});

storeConformance('etcd', {
  // Each client reaches etcd through its own relay so its connection can be cut alone.
  make: async () => (await relays.make((port) => new EtcdStore({ endpoints: [`http://127.0.0.1:${port}`], dialTimeoutMs: DIAL_TIMEOUT_MS }))).store,
  restartServer: () => etcd.process.restart(),
  stopServer: () => etcd.process.kill(),
  startServer: () => etcd.process.start(),
  pauseServer: () => etcd.process.pause(),
  resumeServer: async () => etcd.process.resume(),
  loseHistory: async (store) => {
    assert.ok(store instanceof EtcdStore);
    await store.compact();
  },
  dropClientConnection: relays.dropClientConnection,
  partitionClient: relays.partitionClient,
  unavailableWithinMs: DIAL_TIMEOUT_MS * 3,
});

void describe('EtcdStore specifics', () => {
  void it('fails fast with UnavailableError when nothing listens at the endpoint', async () => {
    const port = await portOutsideEphemeralRange();
    const store = new EtcdStore({ endpoints: [`http://127.0.0.1:${port}`], dialTimeoutMs: DIAL_TIMEOUT_MS });
    try {
      for (const op of [() => store.get('/x'), () => store.put('/x', 1), () => store.watch('/x/', 1, { onEvents: () => undefined, onResync: () => undefined })]) {
        const t0 = Date.now();
        await assert.rejects(op(), UnavailableError);
        assert.ok(Date.now() - t0 < DIAL_TIMEOUT_MS * 3, 'bounded time');
      }
    } finally {
      await store.close();
    }
    await assert.rejects(store.get('/x'), UnavailableError, 'a closed client is unavailable');
  });

  void it('is created by createStore from config, and any client may keep a lease alive', async () => {
    const a = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
    const b = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint], dialTimeoutMs: 1500 });
    try {
      assert.equal(a.backend, 'etcd');
      const lease = await a.grantLease(30);
      assert.match(lease.id, /^[1-9][0-9]*$/, 'an etcd lease id in decimal');
      await b.keepAlive(lease.id);
      await b.revokeLease(lease.id);
      await assert.rejects(a.keepAlive(lease.id), { name: 'LeaseNotFoundError' });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
