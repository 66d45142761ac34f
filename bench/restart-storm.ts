// Restart-storm benchmark: `tsx bench/restart-storm.ts [--quick]` (also run by `npm run bench`).
//
// Real etcd and NATS; ONE config-push replica as a child process (the real binary) and N
// simulated proxies (lib/discovery-client, one gRPC connection each, with Endpoints deltas), each
// on the Service and Endpoints of 10 of 200 services and the Inbound of its own. Once every
// proxy is synced, config-push is killed (SIGKILL) and started again on the same port: every
// proxy reconnects with the versions it holds (`initial_versions`) — the storm Istio's restarts
// are known for. Nothing changes in between, so resumption should send almost nothing.
// Reported: from the new process accepting connections until each proxy's stream is established
// again (p50/p99/max), the bytes every proxy received after the restart versus the bytes of the
// full state it received at first (the target: ≤ 1 %), and the same once more with one
// change per subscribed service made while config-push was down (what resuming costs then).
//
// N = 5,000 (--quick: 1,000). The proxies share this process's event loop: their reconnect
// times include their own processing, an upper bound on what separate proxies would see.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBus } from '../lib/bus/index.js';
import { DiscoveryClient } from '../lib/discovery-client/index.js';
import { silentLogger } from '../lib/log.js';
import { createStore } from '../lib/store/index.js';
import { instanceRecord, MeshWriter } from '../test/config-push/fixtures.js';
import { CLUSTER, spawnReplica, type ChildReplica } from '../test/config-push/support.js';
import { startEtcd, startNats, waitFor } from '../test/harness/index.js';
import { etcdNatsEnv, runBench } from './bench-env.js';
import { fmt, nowMs, printTable, summarize } from './stats.js';

const quick = process.argv.includes('--quick');
const PROXIES = Number(process.argv.find((a) => a.startsWith('--proxies='))?.slice(10) ?? (quick ? 1000 : 5000));
const SERVICES = 200;
const PER_SERVICE = 3;
const SUBSCRIBED = 10;

interface Sim {
  client: DiscoveryClient;
  services: string[];
  /** Protobuf bytes received, and when the stream was last (re)established. */
  bytes: number;
  connectedAt: number;
  /** Responses this proxy rejected (a resume must cause none). */
  nacks: number;
}

const service = (i: number): string => `rs-${String(i).padStart(3, '0')}`;

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  console.log(`restart-storm bench${quick ? ' (quick)' : ''}: ${PROXIES} proxies, ${SERVICES} services × ${PER_SERVICE} instances, ${SUBSCRIBED} subscribed each`);
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
  const bus = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: CLUSTER, service: 'bench', replica: 'storm' }, silentLogger());
  const writer = new MeshWriter(CLUSTER, store, bus);
  const records = Array.from({ length: SERVICES * PER_SERVICE }, (_, k) =>
    instanceRecord('default', service(Math.floor(k / PER_SERVICE)), `${service(Math.floor(k / PER_SERVICE))}-${k % PER_SERVICE}`, { address: `10.3.${k >> 8}.${k & 255}` }),
  );
  for (let k = 0; k < records.length; k += 50) await Promise.all(records.slice(k, k + 50).map((r) => writer.putInstance(r)));
  const env = etcdNatsEnv(CLUSTER, etcd, nats);
  let cp: ChildReplica = await spawnReplica('cp-storm', env);
  const port = cp.address.split(':')[1]!;
  const sims: Sim[] = [];
  try {
    const t0 = nowMs();
    for (let i = 0; i < PROXIES; i++) {
      const services = Array.from({ length: SUBSCRIBED }, (_, k) => `default/${service((i * 7 + k * 13) % SERVICES)}`);
      const own = service(i % SERVICES);
      const client = new DiscoveryClient({
        addresses: [cp.address],
        node: { instanceId: `storm-${i}`, namespace: 'default', service: own, cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
        subscriptions: { Service: services, Endpoints: services, Inbound: [`default/${own}`] },
        endpointDeltas: true,
        // As the proxy reconnects (proxy/control-plane-link.ts), one connection each.
        backoffMinMs: 200,
        backoffMaxMs: 5000,
        channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
      });
      const sim: Sim = { client, services, bytes: 0, connectedAt: 0, nacks: 0 };
      client.on('response', (r) => (sim.bytes += r.bytes));
      client.on('connected', () => (sim.connectedAt = nowMs()));
      client.on('nacked', () => sim.nacks++);
      client.start();
      sims.push(sim);
    }
    const synced = (s: Sim): boolean => s.client.held('Service').size === SUBSCRIBED && s.client.held('Endpoints').size === SUBSCRIBED && s.client.held('Inbound').size === 1;
    await waitFor(`${PROXIES} proxies synced`, () => sims.every(synced), { timeoutMs: 300_000, intervalMs: 50 });
    const syncMs = nowMs() - t0;
    const fullStateBytes = sims.reduce((n, s) => n + s.bytes, 0);

    /** Kill config-push, run `meanwhile`, start it again on the same port; measure the resumption. */
    /** Instances whose weight was changed while config-push was down (none in the first restart). */
    let changedWeight: number | undefined;
    const current = (s: Sim, name: string): boolean => {
      const held = s.client.held('Endpoints').get(name);
      return held !== undefined && (changedWeight === undefined || held.body.includes(`"weight":${changedWeight}`));
    };
    const restart = async (meanwhile: () => Promise<void>): Promise<{ resumeMs: ReturnType<typeof summarize>; bytes: number; allResumedMs: number; nacks: number }> => {
      await cp.kill();
      await waitFor('every proxy noticed', () => sims.every((s) => !s.client.connected), { timeoutMs: 60_000, intervalMs: 20 });
      await meanwhile();
      for (const s of sims) {
        s.bytes = 0;
        s.nacks = 0;
      }
      const down = nowMs();
      cp = await spawnReplica('cp-storm', { ...env, PLEXUS_GRPC__PORT: port });
      // Proxies may be back before the child has reported its port: the new process is up from
      // whichever comes first.
      const reported = nowMs();
      const resumed = (s: Sim): boolean => s.client.connected && s.connectedAt > down;
      await waitFor('every proxy resumed', () => sims.every(resumed), { timeoutMs: 120_000, intervalMs: 20 }).catch((err: unknown) => {
        const behind = sims.filter((s) => !resumed(s));
        console.error(`${behind.length} proxies not resumed; e.g. connected=${behind[0]?.client.connected} connects=${behind[0]?.client.connects} lastError=${behind[0]?.client.lastError}`);
        throw err;
      });
      const up = Math.min(reported, ...sims.map((s) => s.connectedAt));
      const allResumedMs = Math.max(...sims.map((s) => s.connectedAt)) - up;
      // What the resumption sends arrives after the streams open: wait until every proxy holds
      // what changed meanwhile, then until no byte has arrived for 2 s.
      await waitFor('changes applied', () => sims.every((s) => s.services.every((n) => current(s, n))), { timeoutMs: 120_000, intervalMs: 200 });
      let last = -1;
      let quietSince = nowMs();
      await waitFor('no more bytes', () => {
        const now = sims.reduce((n, s) => n + s.bytes, 0);
        if (now !== last) quietSince = nowMs();
        last = now;
        return nowMs() - quietSince >= 2000;
      }, { timeoutMs: 120_000, intervalMs: 250 });
      return { resumeMs: summarize(sims.map((s) => s.connectedAt - up)), bytes: last, allResumedMs, nacks: sims.reduce((n, s) => n + s.nacks, 0) };
    };

    const unchanged = await restart(async () => undefined);
    // One weight change per service while config-push is down: a resume then carries deltas.
    const changed = await restart(async () => {
      changedWeight = 7;
      for (let k = 0; k < records.length; k += PER_SERVICE * 20) {
        await Promise.all(records.slice(k, k + PER_SERVICE * 20).filter((_, j) => j % PER_SERVICE === 0).map((r) => writer.putInstance({ ...r, weight: changedWeight!, updatedAt: new Date().toISOString() })));
      }
    });

    const result = {
      scenario: 'restart-storm',
      quick,
      at: new Date().toISOString(),
      machine: { cores: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] },
      setup: { proxies: PROXIES, services: SERVICES, instancesPerService: PER_SERVICE, subscribedServices: SUBSCRIBED, configPushReplicas: 1, restart: 'SIGKILL, then a new process on the same port' },
      initialSyncMs: syncMs,
      fullStateBytes,
      unchanged: { resumeMs: unchanged.resumeMs, allResumedMs: unchanged.allResumedMs, bytes: unchanged.bytes, nacks: unchanged.nacks, percentOfFullState: (unchanged.bytes / fullStateBytes) * 100 },
      oneChangePerService: { resumeMs: changed.resumeMs, allResumedMs: changed.allResumedMs, bytes: changed.bytes, nacks: changed.nacks, percentOfFullState: (changed.bytes / fullStateBytes) * 100 },
    };
    printTable(
      `Restart storm (${PROXIES} proxies reconnect to a restarted config-push; etcd + NATS${quick ? ', quick' : ''})`,
      ['case', 'resumed p50 ms', 'p99 ms', 'all ms', 'bytes sent', '% of full state', 'NACKs'],
      [
        ['nothing changed', fmt(unchanged.resumeMs.p50, 0), fmt(unchanged.resumeMs.p99, 0), fmt(unchanged.allResumedMs, 0), unchanged.bytes, fmt(result.unchanged.percentOfFullState, 3), unchanged.nacks],
        ['one endpoint change per service meanwhile', fmt(changed.resumeMs.p50, 0), fmt(changed.resumeMs.p99, 0), fmt(changed.allResumedMs, 0), changed.bytes, fmt(result.oneChangePerService.percentOfFullState, 3), changed.nacks],
      ],
    );
    console.log(`full state: ${fullStateBytes} bytes to ${PROXIES} proxies, synced in ${fmt(syncMs, 0)} ms`);
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    writeFileSync(join(process.cwd(), 'bench', 'results', 'restart-storm.json'), JSON.stringify(result, null, 2) + '\n');
    console.log('\nwrote bench/results/restart-storm.json');
  } finally {
    for (const s of sims) s.client.close();
    await cp.stop();
    await bus.close();
    await store.close();
    await Promise.all([etcd.stop(), nats.stop()]);
  }
}

runBench(main);
