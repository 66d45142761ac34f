// NatsBus on a 3-server NATS cluster (test/harness startNatsCluster): losing the server a
// client is on — killed, or frozen so only pings notice — moves the client to another server
// from its list, reports the gap ('reconnect', so consumers re-list), and delivery goes on in
// order without duplicates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NatsBus } from '../../lib/bus/nats-bus.js';
import { UnavailableError } from '../../lib/errors.js';
import { startNatsCluster, waitFor, type NatsCluster } from '../harness/index.js';
import { recorder } from './support.js';

let cluster: NatsCluster;
const open: NatsBus[] = [];

async function bus(name: string, cluster_: string, source: string): Promise<NatsBus> {
  const b = await NatsBus.connect({
    servers: cluster.urls,
    name,
    cluster: cluster_,
    source,
    reconnectTimeWaitMs: 100,
    reconnectJitterMs: 100,
    // A frozen server is noticed after about a second of unanswered pings.
    pingIntervalMs: 400,
    maxPingsOut: 2,
  });
  open.push(b);
  return b;
}

before(async () => {
  cluster = await startNatsCluster();
});
after(async () => {
  await Promise.all(open.map((b) => b.close()));
  await cluster?.stop();
});

async function publishUntilDelivered(pub: NatsBus, delivered: () => number): Promise<number> {
  let sequence = 0;
  await waitFor('an event published after the failover to arrive', async () => {
    const before_ = delivered();
    try {
      sequence = (await pub.publish({ kind: 'instance.registered', subject: 'default/catalog/i-1', data: null, revision: 1 })).sequence;
    } catch (err) {
      if (!(err instanceof UnavailableError)) throw err;
      return false;
    }
    // Interest travels over the routes; give this event a moment before publishing another.
    try {
      await waitFor('delivery', () => delivered() > before_, { timeoutMs: 300, intervalMs: 10 });
      return true;
    } catch {
      return false;
    }
  }, { timeoutMs: 20_000, intervalMs: 50 });
  return sequence;
}

for (const fault of ['killed', 'frozen'] as const) {
  void describe(`NatsBus when the server it is on is ${fault}`, () => {
    void it('moves to another server, reports a reconnect gap and keeps delivering in order', { timeout: 60_000 }, async () => {
      await cluster.routed();
      const sub = await bus(`sub-${fault}`, `ha-${fault}`, 'config-push/r1');
      const pub = await bus(`pub-${fault}`, `ha-${fault}`, 'registry/r1');
      const rec = recorder();
      await sub.subscribe('instance.*', rec.handler);
      await publishUntilDelivered(pub, () => rec.events.length);

      let lost = -1;
      await waitFor('the subscriber on a server', async () => (lost = await cluster.serverOf(`sub-${fault}`)) >= 0);
      if (fault === 'killed') await cluster.kill(lost);
      else await cluster.pause(lost);
      try {
        await waitFor('a reconnect gap', () => rec.gaps.some((g) => g.reason === 'reconnect'), { timeoutMs: 15_000 });
        const now = await cluster.serverOf(`sub-${fault}`);
        assert.ok(now >= 0 && now !== lost, `the subscriber moved from server ${lost} (now on ${now})`);
        const last = await publishUntilDelivered(pub, () => rec.events.length);
        const seqs = rec.events.map((e) => e.sequence);
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `in order, no duplicate: ${seqs.join(',')}`);
        assert.equal(seqs.at(-1), last);
      } finally {
        if (fault === 'killed') await cluster.start(lost);
        else cluster.resume(lost);
      }
      await cluster.routed();
      // The publisher and subscriber still work with every server back.
      await publishUntilDelivered(pub, () => rec.events.length);
    });
  });
}
