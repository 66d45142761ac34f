// Several policy replicas against one etcd and one NATS: concurrent read-modify-write cycles
// with compare-and-set lose no update, unconditional writes to distinct policies all land, and
// every successful write is announced exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBus, type Envelope, type EventBus } from '../../lib/bus/index.js';
import { isPlexusError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import type { PolicyClient } from '../../lib/policy-client/index.js';
import { startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { routeDoc } from './policy-crud-suite.js';
import { startPolicyTestEnv, type PolicyTestEnv } from './policy-test-env.js';

const WORKERS_PER_REPLICA = 3;
const INCREMENTS = 10;

/** Read the counter label, write counter+1 with the read revision; retry on CONFLICT. */
async function increment(client: PolicyClient): Promise<number> {
  for (let conflicts = 0; ; conflicts++) {
    const current = await client.get({ kind: 'Route', name: 'counter' });
    const doc = JSON.parse(current.document) as { metadata: { labels: Record<string, string> } };
    const next = Number(doc.metadata.labels.count) + 1;
    doc.metadata.labels.count = String(next);
    try {
      await client.apply({ document: doc, expectedRevision: current.revision });
      return conflicts;
    } catch (err) {
      if (!isPlexusError(err, 'CONFLICT')) throw err;
    }
  }
}

void describe('policy replicas sharing one store', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let replicas: PolicyTestEnv[];
  let observer: EventBus;
  const events: Envelope[] = [];

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    replicas = await Promise.all(
      ['policy-a', 'policy-b'].map((instance) =>
        startPolicyTestEnv({ store: { backend: 'etcd', endpoints: [etcd.endpoint] }, bus: { kind: 'nats', servers: [nats.url] }, instance }),
      ),
    );
    observer = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: 'test', service: 'observer', replica: 't1' }, silentLogger());
    await observer.subscribe('policy.>', { onEvent: (e) => events.push(e), onGap: () => undefined });
  });
  after(async () => {
    await observer?.close();
    for (const r of replicas ?? []) await r.close();
    await Promise.all([etcd?.stop(), nats?.stop()]);
  });

  void it('concurrent compare-and-set increments through two replicas lose no update', async () => {
    await replicas[0]!.client('editor').apply({ document: routeDoc('counter', 'default', 90, { count: '0' }) });
    const workers = replicas.flatMap((r) => Array.from({ length: WORKERS_PER_REPLICA }, () => r.client('editor')));
    const conflicts = await Promise.all(
      workers.map(async (client) => {
        let total = 0;
        for (let i = 0; i < INCREMENTS; i++) total += await increment(client);
        return total;
      }),
    );
    const expected = workers.length * INCREMENTS;
    const final = await replicas[1]!.client('viewer').get({ kind: 'Route', name: 'counter' });
    assert.equal((JSON.parse(final.document) as { metadata: { labels: { count: string } } }).metadata.labels.count, String(expected));
    // The race was real: some writes lost a compare-and-set and were retried.
    assert.ok(conflicts.reduce((a, b) => a + b, 0) > 0, 'expected at least one conflict between concurrent writers');
    // Every successful write was announced once: the create plus one per increment.
    await waitFor('all counter events', () => events.filter((e) => e.subject === 'Route/default/counter').length >= expected + 1, { timeoutMs: 10_000 });
    const counterEvents = events.filter((e) => e.subject === 'Route/default/counter');
    assert.equal(counterEvents.length, expected + 1);
    const counts = counterEvents.map((e) => Number((e.data as { policy: { metadata: { labels: { count: string } } } }).policy.metadata.labels.count));
    assert.deepEqual([...counts].sort((a, b) => a - b), Array.from({ length: expected + 1 }, (_, i) => i));
    // Both replicas published.
    assert.equal(new Set(counterEvents.map((e) => e.source)).size, 2);
  });

  void it('unconditional writes of distinct policies through both replicas all land', async () => {
    const writes = Array.from({ length: 20 }, (_, i) => replicas[i % 2]!.client('editor').apply({ document: routeDoc(`burst-${i}`, 'burst') }));
    const results = await Promise.all(writes);
    assert.ok(results.every((r) => r.outcome === 'CREATED'));
    const listed = await replicas[0]!.client('viewer').listAll({ kind: 'Route', namespace: 'burst' });
    assert.equal(listed.policies.length, 20);
  });
});
