// What store replication costs: `tsx bench/ha.ts [--quick]` (also run by `npm run bench`).
// The same two measurements on a single etcd and on a 3-member etcd cluster (the production
// shape, every service given every member; raft heartbeat 100 ms, election 1000 ms), with one
// nats-server in both so that only the store differs. Two passes, alternating which shape runs
// first, samples pooled:
//   - registration throughput: one registry replica process, 32 concurrent callers over 4
//     connections registering new instances for a fixed time; registrations/s and the
//     sequential Register round trip;
//   - convergence: the policy service and one config-push replica as processes, N simulated
//     proxies (lib/discovery-client) each subscribed to 10 services; a Route applied through
//     the policy API for one of them, measured from the Apply call until every proxy has ACKed
//     it (p50/p99 over every proxy of every round, three warm-up rounds not counted).
// On one machine the three members share the same cores and disk, so the cluster figures
// carry raft's extra fsyncs and network hops but not real network latency between hosts.
// Prints a table and writes bench/results/ha.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DiscoveryClient, type ReceivedResponse } from '../lib/discovery-client/index.js';
import { PolicyClient } from '../lib/policy-client/index.js';
import { RegistryApi } from '../lib/registry-client/index.js';
import { createStore } from '../lib/store/index.js';
import { startEtcd, startEtcdCluster, startNats, waitFor } from '../test/harness/index.js';
import { instanceRecord, MeshWriter } from '../test/config-push/fixtures.js';
import { CLUSTER, spawnService } from '../test/config-push/support.js';
import { natsEnv, runBench } from './bench-env.js';
import { fmt, nowMs, printTable, summarize, type LatencySummary } from './stats.js';

const quick = process.argv.includes('--quick');
const THROUGHPUT_MS = quick ? 2500 : 10_000;
const WARMUP_MS = quick ? 500 : 2000;
const CONCURRENCY = 32;
const CHANNELS = 4;
const SEQUENTIAL = quick ? 150 : 1000;
const PROXIES = quick ? 100 : 500;
const SERVICES = 10;
const ROUNDS = quick ? 10 : 30;
/** Passes over both shapes, alternating which goes first. */
const PASSES = 2;
/** Unmeasured first rounds: they compile code paths in every process. */
const WARMUP_ROUNDS = 3;

interface StoreResult {
  store: 'etcd, 1 member' | 'etcd, 3 members';
  members: number;
  registry: { perSecond: number; registrations: number; errors: number; seconds: number; registerRttMs: LatencySummary };
  convergence: { proxies: number; applyToAckMs: LatencySummary; applyCallMs: LatencySummary };
}

const svcName = (i: number): string => `svc-${String(i).padStart(3, '0')}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RegistryRaw { registrations: number; seconds: number; errors: number; rtt: number[] }
interface ConvergenceRaw { acks: number[]; applyMs: number[] }

async function registryThroughput(endpoints: string[], nats: { url: string }, tag: string): Promise<RegistryRaw> {
  const replica = await spawnService('registry', `registry-${tag}`, {
    PLEXUS_STORE__BACKEND: 'etcd',
    PLEXUS_STORE__ENDPOINTS: endpoints.join(','),
    ...natsEnv(nats),
    PLEXUS_REGISTRY__MAX_INSTANCES_PER_SERVICE: '1000000',
  });
  const apis = Array.from({ length: CHANNELS }, () => new RegistryApi(replica.address, { deadlineMs: 10_000 }));
  try {
    let n = 0;
    let counted = 0;
    let errors = 0;
    let measuring = false;
    let stop = false;
    const caller = async (k: number): Promise<void> => {
      const api = apis[k % CHANNELS]!;
      while (!stop) {
        const i = n++;
        try {
          await api.register({ service: `svc-${i % 100}`, instanceId: `i-${i}`, address: '10.0.0.1', port: 8080, ttlSeconds: 120 });
          if (measuring) counted++;
        } catch {
          if (measuring) errors++;
        }
      }
    };
    const callers = Array.from({ length: CONCURRENCY }, (_, k) => caller(k));
    await sleep(WARMUP_MS);
    measuring = true;
    const started = nowMs();
    await sleep(THROUGHPUT_MS);
    measuring = false;
    const seconds = (nowMs() - started) / 1000;
    stop = true;
    await Promise.all(callers);
    const rtt: number[] = [];
    for (let i = 0; i < SEQUENTIAL + 20; i++) {
      const t0 = nowMs();
      await apis[0]!.register({ service: 'latency', instanceId: `seq-${i}`, address: '10.0.0.2', port: 8080, ttlSeconds: 120 });
      if (i >= 20) rtt.push(nowMs() - t0);
    }
    return { registrations: counted, errors, seconds, rtt };
  } finally {
    for (const a of apis) a.close();
    await replica.stop();
  }
}

async function convergence(endpoints: string[], nats: { url: string }, tag: string): Promise<ConvergenceRaw> {
  const store = await createStore({ backend: 'etcd', endpoints });
  const writer = new MeshWriter(CLUSTER, store, undefined);
  for (let s = 0; s < SERVICES; s++) {
    for (let i = 0; i < 3; i++) {
      await writer.putInstance(instanceRecord('default', svcName(s), `${svcName(s)}-${i}`, { address: `10.0.${s}.${i + 1}`, labels: { version: i === 0 ? 'v2' : 'v1', app: svcName(s) } }));
    }
  }
  const env = { PLEXUS_STORE__BACKEND: 'etcd', PLEXUS_STORE__ENDPOINTS: endpoints.join(','), ...natsEnv(nats) };
  const [cp, policy] = await Promise.all([spawnService('config-push', `cp-${tag}`, env), spawnService('policy', `policy-${tag}`, { ...env, PLEXUS_AUTH__ANONYMOUS: 'admin' })]);
  const policyClient = new PolicyClient(policy.address);
  const list = Array.from({ length: SERVICES }, (_, s) => `default/${svcName(s)}`);
  const proxies: DiscoveryClient[] = [];
  try {
    for (let i = 0; i < PROXIES; i++) {
      const client = new DiscoveryClient({
        addresses: [cp.address],
        node: { instanceId: `sim-${i}`, namespace: 'default', service: 'bench', cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
        subscriptions: { Service: list, Endpoints: list },
        channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
      });
      client.start();
      proxies.push(client);
    }
    await waitFor(`${PROXIES} proxies synced`, () => proxies.every((p) => p.held('Service').size === SERVICES && p.held('Endpoints').size === SERVICES), { timeoutMs: 120_000, intervalMs: 20 });
    const acks: number[] = [];
    const applyMs: number[] = [];
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      const name = svcName(round % SERVICES);
      const timeoutMs = 100 + round;
      const acked = new Map<DiscoveryClient, number>();
      const offs = proxies.map((p) => {
        const on = (resp: ReceivedResponse): void => {
          if (resp.type !== 'Service' || acked.has(p)) return;
          const res = resp.resources.find((x) => x.name === `default/${name}`);
          if (res && res.body.includes(`"timeoutMs":${timeoutMs}`)) acked.set(p, nowMs());
        };
        p.on('applied', on);
        return () => p.off('applied', on);
      });
      const start = nowMs();
      await policyClient.apply({
        document: {
          apiVersion: 'plexus.dev/v1',
          kind: 'Route',
          metadata: { namespace: 'default', name },
          spec: { rules: [{ destinations: [{ subset: { version: 'v1' }, weight: 90 }, { subset: { version: 'v2' }, weight: 10 }], timeout: `${timeoutMs}ms` }] },
        },
      });
      const called = nowMs() - start;
      await waitFor(`round ${round}: every proxy ACKs`, () => acked.size === proxies.length, { timeoutMs: 60_000, intervalMs: 1 });
      for (const off of offs) off();
      if (round < WARMUP_ROUNDS) continue;
      applyMs.push(called);
      acks.push(...[...acked.values()].map((t) => t - start));
    }
    return { acks, applyMs };
  } finally {
    for (const p of proxies) p.close();
    policyClient.close();
    await Promise.all([cp.stop(), policy.stop()]);
    await store.close();
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  console.log(`ha bench${quick ? ' (quick)' : ''}: single etcd vs a 3-member etcd cluster, one nats-server`);
  // The two shapes alternate (1, 3, then 3, 1, …) and their samples are pooled: on a shared
  // machine whichever runs first or during a burst of other work would otherwise look worse.
  const raw = new Map<1 | 3, { registry: RegistryRaw[]; convergence: ConvergenceRaw[] }>([[1, { registry: [], convergence: [] }], [3, { registry: [], convergence: [] }]]);
  const nats = await startNats();
  try {
    for (let pass = 0; pass < PASSES; pass++) {
      for (const members of pass % 2 === 0 ? ([1, 3] as const) : ([3, 1] as const)) {
        const single = members === 1 ? await startEtcd() : undefined;
        const cluster = members === 3 ? await startEtcdCluster() : undefined;
        const endpoints = single ? [single.endpoint] : cluster!.endpoints;
        const tag = `${members}m${pass}`;
        try {
          const registry = await registryThroughput(endpoints, nats, tag);
          console.log(`[ha bench] pass ${pass + 1}, etcd ${members} member(s): ${fmt(registry.registrations / registry.seconds, 0)} registrations/s; convergence with ${PROXIES} proxies`);
          raw.get(members)!.registry.push(registry);
          raw.get(members)!.convergence.push(await convergence(endpoints, nats, tag));
        } finally {
          await single?.stop();
          await cluster?.stop();
        }
      }
    }
  } finally {
    await nats.stop();
  }
  const results: StoreResult[] = ([1, 3] as const).map((members) => {
    const { registry, convergence: conv } = raw.get(members)!;
    const registrations = registry.reduce((n, r) => n + r.registrations, 0);
    const seconds = registry.reduce((n, r) => n + r.seconds, 0);
    return {
      store: members === 1 ? 'etcd, 1 member' : 'etcd, 3 members',
      members,
      registry: { perSecond: registrations / seconds, registrations, seconds, errors: registry.reduce((n, r) => n + r.errors, 0), registerRttMs: summarize(registry.flatMap((r) => r.rtt)) },
      convergence: { proxies: PROXIES, applyToAckMs: summarize(conv.flatMap((c) => c.acks)), applyCallMs: summarize(conv.flatMap((c) => c.applyMs)) },
    };
  });
  printTable(
    `Replication cost: single etcd vs 3-member cluster (${cpus().length} cores, load ${fmt(loadAtStart, 1)}→${fmt(loadavg()[0]!, 1)}${quick ? ', quick' : ''})`,
    ['store', 'registrations/s', 'errors', 'Register p50/p99 ms', `Apply→ACK (${PROXIES} proxies) p50/p99 ms`, 'Apply call p50 ms'],
    results.map((r) => [
      r.store,
      fmt(r.registry.perSecond, 0),
      r.registry.errors,
      `${fmt(r.registry.registerRttMs.p50)}/${fmt(r.registry.registerRttMs.p99)}`,
      `${fmt(r.convergence.applyToAckMs.p50)}/${fmt(r.convergence.applyToAckMs.p99)}`,
      fmt(r.convergence.applyCallMs.p50),
    ]),
  );
  const out = {
    scenario: 'ha',
    quick,
    at: new Date().toISOString(),
    machine: { cores: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] },
    setup: { passes: PASSES, concurrency: CONCURRENCY, channels: CHANNELS, throughputMs: THROUGHPUT_MS, sequential: SEQUENTIAL, proxies: PROXIES, services: SERVICES, rounds: ROUNDS, etcdRaft: { heartbeatMs: 100, electionMs: 1000 } },
    results,
  };
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench', 'results', 'ha.json'), JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/ha.json');
}

runBench(main);
