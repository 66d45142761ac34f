// Member loss on a 3-member etcd cluster (test/harness startEtcdCluster): the member-loss
// suite, plus what the client's failover promises beyond it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EtcdStore } from '../../lib/store/etcd-store.js';
import type { Store } from '../../lib/store/store.js';
import { startEtcdCluster, waitFor, type EtcdCluster } from '../harness/index.js';
import { memberLossConformance } from './member-loss.js';

const DIAL_TIMEOUT_MS = 2000;
let cluster: EtcdCluster;
const stores: Store[] = [];

before(async () => {
  cluster = await startEtcdCluster();
});
after(async () => {
  for (const s of stores) await s.close();
  await cluster?.stop();
});

memberLossConformance('etcd', {
  cluster: {
    size: 3,
    kill: (i) => cluster.kill(i),
    start: (i) => cluster.start(i),
    pause: (i) => cluster.pause(i),
    resume: (i) => cluster.resume(i),
    leader: () => cluster.leader(),
    healthy: () => cluster.healthy(),
  },
  make: async () => new EtcdStore({ endpoints: cluster.endpoints, dialTimeoutMs: DIAL_TIMEOUT_MS }),
  // Election timeout is 1000 ms.
  pauseMs: 2500,
  unavailableWithinMs: DIAL_TIMEOUT_MS * 3,
  stepWithinMs: DIAL_TIMEOUT_MS * 4,
});

void describe('EtcdStore failover', () => {
  void it('a dead member costs no failed call: reads and writes go to the others at once, and it is used again when back', { timeout: 60_000 }, async () => {
    await cluster.healthy();
    // A follower (losing the leader means an election, which a call may have to wait out),
    // listed first so that it is the member this client prefers.
    const victim = ((await cluster.leader()) + 1) % cluster.members.length;
    const endpoints = [cluster.endpoints[victim]!, ...cluster.endpoints.filter((_, i) => i !== victim)];
    const store = new EtcdStore({ endpoints, dialTimeoutMs: DIAL_TIMEOUT_MS });
    stores.push(store);
    await store.put('/plexus/v1/clusters/failover/t/warm', 1);
    await cluster.kill(victim);
    try {
      // A write racing the kill on the dying connection may fail ("Connection dropped"): it may
      // have reached the member, so it is never resent (see neverSent in etcd-members.ts). The
      // first call after the kill is therefore a read, which fails over at once; every write
      // after it must go to the others without a failure or a wait.
      const r0 = Date.now();
      assert.equal((await store.get('/plexus/v1/clusters/failover/t/warm'))?.value, 1);
      assert.ok(Date.now() - r0 < DIAL_TIMEOUT_MS, 'the read does not wait for the dead member');
      for (let i = 0; i < 20; i++) {
        const t0 = Date.now();
        const rev = await store.put(`/plexus/v1/clusters/failover/t/k${i}`, i);
        assert.equal((await store.get(`/plexus/v1/clusters/failover/t/k${i}`))?.revision, rev);
        assert.ok(Date.now() - t0 < DIAL_TIMEOUT_MS, 'no call waits for the dead member');
      }
    } finally {
      await cluster.start(victim);
    }
    const back = Date.now();
    await waitFor('the returned member to be used again', () => store.memberHealth()[0]?.up === true, { timeoutMs: 10_000 });
    assert.ok(Date.now() - back < 5000, `the member was avoided ${Date.now() - back} ms after it started again`);
    assert.ok(store.memberHealth().every((m) => m.up));
  });

  void it('a lease keep-alive sent as the leader dies waits for the next leader instead of failing', { timeout: 60_000 }, async () => {
    await cluster.healthy();
    const leader = await cluster.leader();
    // Followers first: the keep-alive lands on a member that must wait for a new leader.
    const endpoints = [...cluster.endpoints.filter((_, i) => i !== leader), cluster.endpoints[leader]!];
    // A 1000 ms call budget is shorter than any election here (a follower notices a lost leader
    // only after the 1000 ms election timeout); keep-alives get leaseTimeoutMs instead.
    const store = new EtcdStore({ endpoints, dialTimeoutMs: 1000, leaseTimeoutMs: 8000 });
    stores.push(store);
    const lease = await store.grantLease(10);
    await store.keepAlive(lease.id);
    await cluster.kill(leader);
    try {
      const t0 = Date.now();
      await store.keepAlive(lease.id);
      const took = Date.now() - t0;
      assert.ok(took >= 900, `the keep-alive waited for an election (${took} ms), which a plain call's 1000 ms budget could not`);
      const next = await cluster.leader();
      assert.notEqual(next, leader);
    } finally {
      await cluster.start(leader);
    }
    await cluster.healthy();
  });
});
