// Process-level faults, on etcd and ZooKeeper with NATS: a registry replica killed with -9
// while 50 instances heartbeat through it, and a client process frozen (SIGSTOP) past its TTL.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isPlexusError } from '../../lib/errors.js';
import { Registration, RegistryApi, RegistryPool, type RegistrationEvent, type WatchMessage } from '../../lib/registry-client/index.js';
import type { StoreConfig } from '../../lib/store/index.js';
import { waitFor } from '../harness/index.js';
import { fileServers } from './servers.js';
import { EventLog, spawnReplica, startReplica, type ChildReplica, type Replica } from './support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const servers = fileServers();

const TTL = 3;
const BACKENDS: Array<{ name: string; store: () => StoreConfig; env: () => Record<string, string> }> = [
  {
    name: 'etcd',
    store: () => ({ backend: 'etcd', endpoints: [servers.etcd.endpoint] }),
    env: () => ({ PLEXUS_STORE__BACKEND: 'etcd', PLEXUS_STORE__ENDPOINTS: JSON.stringify([servers.etcd.endpoint]) }),
  },
  {
    name: 'zookeeper',
    store: () => ({ backend: 'zookeeper', connectString: servers.zk.connectString, sessionTimeoutMs: 4000 }),
    env: () => ({ PLEXUS_STORE__BACKEND: 'zookeeper', PLEXUS_STORE__CONNECT_STRING: servers.zk.connectString, PLEXUS_STORE__SESSION_TIMEOUT_MS: '4000' }),
  },
];

function uniq(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

for (const backend of BACKENDS) {
  describe(`registry failover on ${backend.name}`, { timeout: 180_000 }, () => {
    const cluster = `fo-${backend.name}`;
    let events: EventLog | undefined;
    before(async () => {
      await servers.ready;
      events = await EventLog.open({ kind: 'nats', servers: [servers.nats.url] }, cluster);
    });
    after(async () => {
      await events?.close();
    });

    it('50 instances heart-beating through replica A move to B when A is killed -9; none is removed or flaps', async () => {
      const env = { ...backend.env(), PLEXUS_CLUSTER: cluster, PLEXUS_BUS__KIND: 'nats', PLEXUS_BUS__SERVERS: JSON.stringify([servers.nats.url]), PLEXUS_LOG_LEVEL: 'warn' };
      const children: ChildReplica[] = [];
      const regs: Registration[] = [];
      let pool: RegistryPool | undefined;
      let apiB: RegistryApi | undefined;
      let watch: { cancel(): void } | undefined;
      try {
        const [a, b] = await Promise.all([spawnReplica({ ...env, PLEXUS_INSTANCE: 'child-a' }), spawnReplica({ ...env, PLEXUS_INSTANCE: 'child-b' })]);
        children.push(a, b);
        const service = uniq('fleet');
        pool = new RegistryPool([a.address, b.address]);
        const seen: RegistrationEvent[] = [];
        for (let i = 0; i < 50; i++) {
          regs.push(
            await Registration.start(pool, { service, id: `${service}-${i}`, address: `10.7.0.${i + 1}`, port: 8080, ttlSeconds: TTL }, { onEvent: (e) => seen.push(e) }),
          );
        }
        assert.ok(regs.every((r) => r.address === a.address), 'all heartbeat through A');
        apiB = new RegistryApi(b.address);
        const messages: WatchMessage[] = [];
        const watchErrors: Error[] = [];
        watch = apiB.watch({ namespace: 'default', service }, { onMessage: (m) => messages.push(m), onError: (e) => watchErrors.push(e) });
        await waitFor('watch snapshot of 50', () => messages[0]?.changes.length === 50);
        const incarnations = regs.map((r) => r.incarnation);

        await a.kill();
        const killedAt = Date.now();
        await waitFor('all 50 failed over to B', () => regs.every((r) => r.address === b.address), { timeoutMs: TTL * 1000 });
        // Two full TTLs after the kill: every lease would have run out twice without failover.
        await waitFor('two TTLs after the kill', () => Date.now() - killedAt > 2 * TTL * 1000 + 500, { timeoutMs: 3 * TTL * 1000 });

        const listed = await apiB.listAll({ namespace: 'default', service });
        assert.equal(listed.instances.length, 50);
        assert.deepEqual(regs.map((r) => r.incarnation), incarnations, 'no instance re-registered');
        assert.ok(regs.every((r) => r.state === 'active'));
        assert.equal(seen.filter((e) => e.type === 'reregistered' || e.type === 'superseded').length, 0);
        const prefix = `default/${service}/`;
        assert.equal(events!.removalsOf().filter((e) => e.subject.startsWith(prefix)).length, 0, 'no removal event');
        assert.equal(events!.of('instance.updated').filter((e) => e.subject.startsWith(prefix)).length, 0, 'no update event');
        assert.equal(messages.flatMap((m) => m.changes).filter((c) => c.type === 'delete').length, 0, 'watchers saw no deletion');
        assert.deepEqual(watchErrors, []);
      } finally {
        watch?.cancel();
        await Promise.all(regs.map((r) => r.deregister().catch(() => undefined)));
        apiB?.close();
        pool?.close();
        await Promise.all(children.map((c) => c.stop()));
      }
    });

    it('a client frozen past its TTL expires, re-registers with a new incarnation on resume, and its old incarnation cannot overwrite', async () => {
      const replicas: Replica[] = [];
      let client: ChildProcess | undefined;
      const api: RegistryApi[] = [];
      try {
        for (const name of ['a', 'b']) {
          replicas.push(
            await startReplica({ name: `${backend.name}-stop-${name}`, cluster, store: backend.store(), bus: { kind: 'nats', servers: [servers.nats.url] } }),
          );
        }
        const service = uniq('frozen');
        const lines: Array<{ type: string; incarnation?: number; id?: string; previousIncarnation?: number }> = [];
        client = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'fixtures', 'registering-client.ts')], {
          env: { ...process.env, REGISTRY_ADDRESSES: replicas.map((r) => r.address).join(','), SERVICE: service, TTL_SECONDS: '2' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const proc = client;
        process.once('exit', () => proc.kill('SIGKILL'));
        let buf = '';
        client.stdout?.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            lines.push(JSON.parse(buf.slice(0, nl)) as (typeof lines)[number]);
            buf = buf.slice(nl + 1);
          }
        });
        await waitFor('client registered', () => lines.some((l) => l.type === 'started'), { timeoutMs: 30_000 });
        const started = lines.find((l) => l.type === 'started')!;
        const id = started.id!;
        const oldIncarnation = started.incarnation!;
        const subject = `default/${service}/${id}`;

        client.kill('SIGSTOP');
        await waitFor('expired while frozen', () => events!.of('instance.expired', subject).length === 1, { timeoutMs: 15_000 });
        client.kill('SIGCONT');
        await waitFor('re-registered after resume', () => lines.some((l) => l.type === 'reregistered'), { timeoutMs: 15_000 });
        const rereg = lines.find((l) => l.type === 'reregistered')!;
        assert.equal(rereg.previousIncarnation, oldIncarnation);
        assert.ok(rereg.incarnation! > oldIncarnation);
        await waitFor('registered again on the bus', () => events!.of('instance.registered', subject).length === 2);

        api.push(new RegistryApi(replicas[0]!.address), new RegistryApi(replicas[1]!.address));
        const stale = { service, instanceId: id, incarnation: oldIncarnation };
        for (const attempt of [
          () => api[0]!.heartbeat(stale),
          () => api[1]!.setHealth(stale, 'NOT_SERVING'),
          () => api[0]!.deregister(stale),
          () => api[1]!.register({ service, instanceId: id, address: '10.66.0.1', port: 1, ttlSeconds: 2, expectedIncarnation: oldIncarnation }),
        ]) {
          await assert.rejects(attempt(), (err: unknown) => isPlexusError(err, 'FAILED_PRECONDITION'));
        }
        const now = await api[0]!.get({ service, instanceId: id });
        assert.equal(now.record.incarnation, rereg.incarnation);
        assert.equal(now.record.address, '127.0.0.1');
        assert.equal(now.record.health, 'SERVING');
        assert.equal(events!.of('instance.expired', subject).length, 1);

        const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
        client.kill('SIGTERM');
        assert.equal(await exited, 0);
        await waitFor('deregistered on shutdown', () => events!.of('instance.deregistered', subject).length === 1);
      } finally {
        if (client && client.exitCode === null) client.kill('SIGKILL');
        for (const a of api) a.close();
        for (const r of replicas) await r.close();
      }
    });
  });
}
