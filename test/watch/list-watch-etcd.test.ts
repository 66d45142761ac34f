// The ListWatch suite on a real etcd (test/harness startEtcd); history is lost by compaction.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { EtcdStore } from '../../lib/store/etcd-store.js';
import { startEtcd, type EtcdServer } from '../harness/index.js';
import { listWatchSuite } from './list-watch-suite.js';

let etcd: EtcdServer;

before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd.stop();
});

listWatchSuite('etcd', {
  make: async () => new EtcdStore({ endpoints: [etcd.endpoint], dialTimeoutMs: 2000 }),
  loseHistory: async (store) => {
    assert.ok(store instanceof EtcdStore);
    await store.compact();
  },
});
