// Config-push under faults, against real etcd and NATS: events lost (NATS stopped during
// changes, a sequence gap, a write never announced), a replica killed with SIGKILL while its
// proxies are connected, and a proxy that stops reading its stream.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { register } from 'prom-client';
import { createBus } from '../../lib/bus/index.js';
import type { EventBus } from '../../lib/bus/bus.js';
import type { DiscoveryClient, ReceivedResponse } from '../../lib/discovery-client/index.js';
import { silentLogger } from '../../lib/log.js';
import type { InstanceRecord } from '../../lib/model/instance.js';
import { createStore } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import { startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { instanceRecord, MeshWriter } from './fixtures.js';
import { CLUSTER, spawnReplica, startReplica, StatusClient, testProxy, type ChildReplica, type Replica } from './support.js';

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((a, v) => a + v.value, 0);
}

describe('config-push faults (etcd + NATS)', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let store: Store;
  let bus: EventBus;
  let writer: MeshWriter;
  const replicas: Replica[] = [];
  const children: ChildReplica[] = [];
  const proxies: DiscoveryClient[] = [];

  function proxy(...args: Parameters<typeof testProxy>): DiscoveryClient {
    const p = testProxy(...args);
    proxies.push(p);
    return p;
  }

  async function replica(name: string, configPush: Parameters<typeof startReplica>[0]['configPush']): Promise<Replica> {
    const r = await startReplica({
      name,
      store: { backend: 'etcd', endpoints: [etcd.endpoint] },
      bus: { kind: 'nats', servers: [nats.url] },
      configPush: { debounceMs: 5, maxDelayMs: 50, ...configPush },
    });
    replicas.push(r);
    return r;
  }

  const weightOf = (p: DiscoveryClient, svc: string, id: string): number | undefined =>
    p.body('Endpoints', svc)?.endpoints.find((e) => e.id === id)?.weight;

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
    bus = await createBus({ kind: 'nats', servers: [nats.url], name: 'writer' }, { cluster: CLUSTER, service: 'writer', replica: 'w1' }, silentLogger());
    writer = new MeshWriter(CLUSTER, store, bus);
  });

  after(async () => {
    for (const p of proxies) p.close();
    await Promise.all(children.map((c) => c.kill()));
    for (const r of replicas) await r.close();
    await bus?.close();
    await store?.close();
    await Promise.all([etcd?.stop(), nats?.stop()]);
  });

  it('NATS stopped during changes: the view converges to the store (event path alone, and with the watch)', async () => {
    const rec = instanceRecord('default', 'lost', 'l1');
    await writer.putInstance(rec);
    // B follows events only (no watch, no anti-entropy): only the reconnect re-list can save it.
    const eventsOnly = await replica('cp-events-only', { storeWatch: false, antiEntropySeconds: 0 });
    const watching = await replica('cp-watching', { storeWatch: true, antiEntropySeconds: 0 });
    const pB = proxy(eventsOnly.address, { Endpoints: ['default/lost'] });
    const pW = proxy(watching.address, { Endpoints: ['default/lost'] });
    await waitFor('both proxies hold l1', () => weightOf(pB, 'default/lost', 'l1') === 100 && weightOf(pW, 'default/lost', 'l1') === 100);

    await nats.process.kill();
    // Changes while NATS is down: the writer's events cannot go out.
    let latest = rec;
    for (let w = 1; w <= 5; w++) {
      latest = { ...latest, weight: w, updatedAt: new Date().toISOString() };
      await writer.putInstance(latest, { publish: false });
    }
    await writer.putInstance(instanceRecord('default', 'lost', 'l2'), { publish: false });
    // The watch path converges while NATS is still down.
    await waitFor('watching replica converges without NATS', () => weightOf(pW, 'default/lost', 'l1') === 5 && weightOf(pW, 'default/lost', 'l2') === 100);
    assert.equal(weightOf(pB, 'default/lost', 'l1'), 100, 'the events-only replica cannot know yet');

    const relistsBefore = await counterValue('plexus_config_push_relists_total', { reason: 'bus-gap' });
    await nats.process.start();
    await waitFor(
      'events-only replica converges after the NATS reconnect',
      () => weightOf(pB, 'default/lost', 'l1') === 5 && weightOf(pB, 'default/lost', 'l2') === 100,
      { timeoutMs: 20_000 },
    );
    assert.ok((await counterValue('plexus_config_push_relists_total', { reason: 'bus-gap' })) > relistsBefore);
  });

  it('a sequence gap triggers a re-list; a write never announced is repaired by anti-entropy', async () => {
    const eventsOnly = await replica('cp-gap', { storeWatch: false, antiEntropySeconds: 0 });
    const p = proxy(eventsOnly.address, { Endpoints: ['default/gappy'] });
    const nc: NatsConnection = await connect({ servers: nats.url });
    try {
      const source = `/plexus/${CLUSTER}/registry/hand-made-${randomUUID().slice(0, 8)}`;
      const epoch = randomUUID().slice(0, 8);
      const send = (rec: InstanceRecord, revision: number, sequence: number): void => {
        const env = {
          specversion: '1.0',
          id: randomUUID(),
          type: 'dev.plexus.instance.updated',
          source,
          time: new Date().toISOString(),
          subject: `default/gappy/${rec.id}`,
          datacontenttype: 'application/json',
          data: { instance: rec },
          cluster: CLUSTER,
          revision,
          sequence,
          epoch,
        };
        nc.publish(`plexus.${CLUSTER}.instance.updated`, JSON.stringify(env));
      };
      const g1 = instanceRecord('default', 'gappy', 'g1', { weight: 1 });
      send(g1, await writer.putInstance(g1, { publish: false }), 1);
      await waitFor('g1 arrives by event', () => weightOf(p, 'default/gappy', 'g1') === 1);
      // Event 2 is "lost": the store changes, its announcement never arrives.
      await writer.putInstance({ ...g1, weight: 2 }, { publish: false });
      const g2 = instanceRecord('default', 'gappy', 'g2', { weight: 3 });
      send(g2, await writer.putInstance(g2, { publish: false }), 3);
      await waitFor('the gap re-list repairs g1', () => weightOf(p, 'default/gappy', 'g1') === 2 && weightOf(p, 'default/gappy', 'g2') === 3);
    } finally {
      await nc.close();
    }

    // A write nobody announces and no watch reports: only anti-entropy can find it.
    const ae = await replica('cp-anti-entropy', { storeWatch: false, antiEntropySeconds: 0.3 });
    const pa = proxy(ae.address, { Endpoints: ['default/silent'] });
    const repairsBefore = await counterValue('plexus_config_push_view_repairs_total', { reason: 'anti-entropy' });
    const s1 = instanceRecord('default', 'silent', 's1');
    await writer.putInstance(s1, { publish: false });
    await waitFor('anti-entropy finds the silent write', () => weightOf(pa, 'default/silent', 's1') === 100, { timeoutMs: 10_000 });
    assert.ok((await counterValue('plexus_config_push_view_repairs_total', { reason: 'anti-entropy' })) > repairsBefore);
  });

  it('kill -9 one of two replicas: its proxies resume on the other without a resend', async () => {
    const env = {
      PLEXUS_STORE__BACKEND: 'etcd',
      PLEXUS_STORE__ENDPOINTS: JSON.stringify([etcd.endpoint]),
      PLEXUS_BUS__KIND: 'nats',
      PLEXUS_BUS__SERVERS: JSON.stringify([nats.url]),
      PLEXUS_CONFIG_PUSH__DEBOUNCE_MS: '5',
      PLEXUS_CONFIG_PUSH__MAX_DELAY_MS: '50',
    };
    const recs = [instanceRecord('default', 'failover', 'f1'), instanceRecord('default', 'failover', 'f2')];
    for (const r of recs) await writer.putInstance(r);
    const [a, b] = await Promise.all([spawnReplica('cp-child-a', env), spawnReplica('cp-child-b', env)]);
    children.push(a, b);
    const fleet = [1, 2, 3, 4, 5].map((i) =>
      proxy([a.address, b.address], { Endpoints: ['default/failover'], Service: ['default/failover'] }, { id: `fleet-${i}` }),
    );
    await waitFor('fleet synced on A', () => fleet.every((p) => p.address === a.address && p.body('Endpoints', 'default/failover')?.endpoints.length === 2));
    const logs = fleet.map((p) => {
      const log: ReceivedResponse[] = [];
      p.on('response', (r) => log.push(r));
      return log;
    });
    const statusB = new StatusClient(b.address);
    try {
      await a.kill();
      await waitFor('fleet resumed on B', async () => {
        const st = await statusB.proxyStatus();
        return fleet.every((p) => p.address === b.address) && st.proxies.filter((x) => x.node?.instanceId.startsWith('fleet-')).length === 5;
      });
      const st = await statusB.proxyStatus();
      for (const info of st.proxies.filter((x) => x.node?.instanceId.startsWith('fleet-'))) {
        assert.deepEqual(info.types.map((t) => t.state).sort(), ['SYNCED', 'SYNCED'], JSON.stringify(info.types));
      }
      // Nothing was resent on resume: the first response on B is the next change.
      await writer.putInstance({ ...recs[0]!, weight: 9 });
      await waitFor('change arrives through B', () => fleet.every((p) => weightOf(p, 'default/failover', 'f1') === 9));
      for (const log of logs) assert.deepEqual(log.map((r) => `${r.type}:${r.resources.map((x) => x.name).join(',')}`), ['Endpoints:default/failover']);
    } finally {
      statusB.close();
    }
  });

  it('a proxy that does not read its stream delays no one and holds bounded state', async () => {
    const maxInflight = 4;
    const r = await replica('cp-slow', { maxInflight });
    // A large resource, so unread responses would add up quickly if they were queued.
    const big = Array.from({ length: 200 }, (_, i) =>
      instanceRecord('default', 'big', `b${String(i).padStart(3, '0')}`, { labels: { version: 'v1', shard: `shard-${i}`, team: 'payments-platform' } }),
    );
    for (const rec of big) await writer.putInstance(rec, { publish: false });
    await waitFor('view has all big instances', () => r.handle.view.instancesOf('default/big').size === big.length);

    // Two stuck proxies: one on a replica that bounds unacknowledged responses, one on a replica
    // that does not (so only gRPC write backpressure can stop the writes).
    const unbounded = await replica('cp-slow-unbounded', { maxInflight: 1024 });
    await waitFor('second view has all big instances', () => unbounded.handle.view.instancesOf('default/big').size === big.length);
    const slow = proxy(r.address, { Endpoints: ['default/big'] }, { id: 'slow-proxy', manualAck: true });
    const stuck = proxy(unbounded.address, { Endpoints: ['default/big'] }, { id: 'stuck-proxy', manualAck: true });
    await Promise.all([slow, stuck].map((c) => new Promise<void>((resolve) => c.once('response', () => resolve()))));
    slow.pauseReading();
    stuck.pauseReading();
    const fast = [1, 2, 3].map((i) => proxy(r.address, { Endpoints: ['default/big'] }, { id: `fast-${i}` }));
    await waitFor('fast proxies synced', () => fast.every((p) => p.held('Endpoints').has('default/big')));

    const heapBefore = process.memoryUsage().heapUsed;
    const latencies: number[] = [];
    for (let round = 1; round <= 80; round++) {
      const rec = { ...big[round % big.length]!, weight: 100 + round };
      const t0 = performance.now();
      await writer.putInstance(rec);
      await waitFor(`round ${round} reaches the fast proxies`, () => fast.every((p) => weightOf(p, 'default/big', rec.id) === 100 + round), { intervalMs: 2 });
      latencies.push(performance.now() - t0);
    }
    latencies.sort((x, y) => x - y);
    const p99 = latencies[Math.floor(latencies.length * 0.99) - 1] ?? latencies.at(-1)!;
    assert.ok(p99 < 1000, `fast proxies delayed: p99 ${p99.toFixed(1)} ms`);

    const stream = r.handle.server.streamOf('slow-proxy')!;
    const st = stream.session.state('Endpoints');
    assert.ok(st.inflight.size <= maxInflight, `in-flight responses ${st.inflight.size} > ${maxInflight}`);
    assert.ok(st.dirty.size <= 1, `queued names ${st.dirty.size}: only the newest version per name may wait`);
    // Without the in-flight bound, gRPC's write backpressure stops the writes: the stream is
    // blocked and changes wait as one newest-version entry per name.
    const stuckStream = unbounded.handle.server.streamOf('stuck-proxy')!;
    await waitFor('stuck stream is held back by write backpressure', () => stuckStream.isBlocked);
    const stuckState = stuckStream.session.state('Endpoints');
    assert.ok(stuckState.dirty.size <= 1, `queued names ${stuckState.dirty.size}`);
    assert.ok(stuckState.inflight.size < 80, `wrote ${stuckState.inflight.size} responses to a proxy that reads nothing`);
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    assert.ok(growthMb < 64, `heap grew by ${growthMb.toFixed(1)} MB`);
    const info = (await new StatusClient(r.address).proxyStatus()).proxies.find((x) => x.node?.instanceId === 'slow-proxy')!;
    assert.equal(info.types[0]?.state, 'PENDING');
  });
});
