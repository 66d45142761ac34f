// Self-preservation made visible: an instance the registry keeps although no heartbeat reached
// it for its TTL (here: a proxy that died right after its registry replica restarted, so its
// lapse cannot be trusted yet) is marked UNCONFIRMED by `plexctl registry list` and counted by
// plexus_registry_unconfirmed_instances, while the ones still heart-beating are `confirmed`; the
// mark ends by itself when the registry judges it (TTL + grace in health) and removes it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runPlexctl } from '../../cli/plexctl/main.js';
import { Registration, RegistryPool } from '../../lib/registry-client/index.js';
import { portOutsideEphemeralRange, startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { startReplica, type Replica } from './support.js';

const TTL = 2;
const GRACE = 6;

async function registryList(address: string, service: string): Promise<Map<string, string>> {
  let out = '';
  let err = '';
  const code = await runPlexctl(['registry', 'list', '--service', service], {
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s) },
    env: { PLEXCTL_REGISTRY_ADDR: address, PLEXCTL_INSECURE: '1', HOME: '/nonexistent' },
  });
  assert.equal(code, 0, err);
  const rows = out.trim().split('\n');
  assert.match(rows[0]!, /^NAMESPACE\s+SERVICE\s+INSTANCE\s+ADDRESS\s+ZONE\s+HEALTH\s+LABELS\s+LIVENESS$/);
  // INSTANCE → LIVENESS (the last column: `confirmed` or `UNCONFIRMED <n>s`).
  return new Map(rows.slice(1).filter((r) => r.startsWith('default')).map((r) => [r.split(/\s+/)[2]!, /(confirmed|UNCONFIRMED \d+s)$/.exec(r)?.[1] ?? '?']));
}

async function unconfirmedMetric(replica: Replica): Promise<number> {
  const text = await (await fetch(`${replica.runtime.admin.url}/metrics`)).text();
  return Number(/^plexus_registry_unconfirmed_instances (\S+)$/m.exec(text)?.[1] ?? NaN);
}

void describe('registry list marks unconfirmed instances', { timeout: 90_000 }, () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  });
  after(async () => {
    await Promise.all([etcd?.stop(), nats?.stop()]);
  });

  void it('a dead proxy whose lapse a restarted registry cannot trust yet is UNCONFIRMED until judged; live ones stay confirmed', async () => {
    // Restarted on its port, so the registrations find it again.
    const port = await portOutsideEphemeralRange();
    const start = (name: string): Promise<Replica> =>
      startReplica({ name, grpcPort: port, store: { backend: 'etcd', endpoints: [etcd.endpoint] }, bus: { kind: 'nats', servers: [nats.url] }, registry: { expiryGraceSeconds: GRACE, reaperTickMs: 100 } });
    let replica = await start('reg-a');
    const service = `svc-${randomBytes(3).toString('hex')}`;
    const pool = new RegistryPool([replica.address]);
    const kept = await Registration.start(pool, { service, id: `${service}-kept`, address: '10.1.0.1', port: 80, ttlSeconds: TTL });
    const doomed = await Registration.start(pool, { service, id: `${service}-doomed`, address: '10.1.0.2', port: 80, ttlSeconds: TTL });
    try {
      await replica.close();
      replica = await start('reg-a-restarted');
      await doomed.stop();
      await waitFor('the dead proxy marked UNCONFIRMED and the live one confirmed', async () => {
        const rows = await registryList(replica.address, service);
        return rows.get(doomed.id)?.startsWith('UNCONFIRMED') === true && rows.get(kept.id) === 'confirmed';
      }, { timeoutMs: 20_000, intervalMs: 100 });
      assert.equal(await unconfirmedMetric(replica), 1);
      // Judged after TTL + grace in health: removed, and nothing is unconfirmed any more.
      await waitFor('the dead proxy removed', async () => !(await registryList(replica.address, service)).has(doomed.id), { timeoutMs: 30_000, intervalMs: 200 });
      assert.equal((await registryList(replica.address, service)).get(kept.id), 'confirmed');
      await waitFor('the metric back to 0', async () => (await unconfirmedMetric(replica)) === 0, { timeoutMs: 5000 });
    } finally {
      await kept.deregister().catch(() => undefined);
      pool.close();
      await replica.close();
    }
  });
});
