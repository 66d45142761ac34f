// Convergence benchmark: `tsx bench/convergence.ts [--quick]` (also run by `npm run bench`).
//
// Real etcd and NATS; the policy service and ONE config-push replica as child processes (the
// real binaries); N simulated proxies (lib/discovery-client, the client the proxy ships, one gRPC
// connection each, holding resources itself rather than in a proxy's MeshConfig) in this
// process, each subscribed to the Service and Endpoints of 10 of 200 services and to the Inbound
// of its own service. For N = 100, 1,000 and 5,000 (--quick: 100 and 500):
//   - convergence: Apply a Route policy through the policy gRPC API and measure, from the
//     Apply call, until each affected proxy has ACKed a config carrying it (p50, p99, max over
//     every affected proxy of every round; one warm-up round after start-up is not counted);
//   - mesh-wide change: Apply the Mesh policy (a new default timeout, in every Service body) and
//     measure, from the Apply call, until EVERY proxy has ACKed all its Services carrying it
//     (p50, p99, max over all proxies of MESH_ROUNDS rounds);
//   - memory per connected proxy in the config-push process (heap and RSS growth / N);
//   - bytes of one endpoint change to a subscribed proxy versus a full push (the proxy's whole
//     subscribed state on connect, and the whole mesh as a wildcard subscriber receives it).
// The proxies share this process's event loop, so the latencies include their own processing:
// an upper bound on what separate proxies would see.
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBus } from '../lib/bus/index.js';
import { DiscoveryClient, type ReceivedResponse } from '../lib/discovery-client/index.js';
import { silentLogger } from '../lib/log.js';
import type { InstanceRecord } from '../lib/model/instance.js';
import { createStore } from '../lib/store/index.js';
import { PolicyClient } from '../lib/policy-client/index.js';
import { startEtcd, startNats, waitFor } from '../test/harness/index.js';
import { instanceRecord, MeshWriter } from '../test/config-push/fixtures.js';
import { CLUSTER, spawnReplica, spawnService, type ChildReplica } from '../test/config-push/support.js';
import { EXPOSE_GC_NODE_OPTIONS, liveHeapBytes } from './child-heap.js';
import { fmt, nowMs, printTable, summarize, type LatencySummary } from './stats.js';
import { etcdNatsEnv, runBench } from './bench-env.js';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [100, 500] : [100, 1000, 5000];
const SERVICE_COUNT = 200;
const INSTANCES_PER_SERVICE = 3;
const SUBSCRIBED = 10;
const ROUNDS = quick ? 6 : 12;
const MESH_ROUNDS = quick ? 2 : 3;

interface SizeResult {
  proxies: number;
  connectAndSyncMs: number;
  convergenceMs: LatencySummary;
  /** The Apply call alone (validate, store write, history, publish). */
  applyCallMs: LatencySummary;
  /**
   * config-push's own view (plexus_config_push_convergence_seconds): from the change reaching
   * config-push to each ACK arriving there, as histogram bucket bounds.
   */
  serverChangeToAck: { p50AtMostMs: number; p99AtMostMs: number };
  affectedPerRound: number;
  /** Apply of the Mesh policy → every proxy ACKed all its Services carrying it. */
  meshWideMs: LatencySummary;
  memoryPerProxy: { heapBytes: number; rssBytes: number };
  configPushHeapMb: number;
  configPushRssMb: number;
}

/** Deterministic PRNG (mulberry32) so every run subscribes the same way. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const svcName = (i: number): string => `svc-${String(i).padStart(3, '0')}`;

async function metric(adminUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

/** Cumulative bucket counts of a histogram on config-push's /metrics, by upper bound (s). */
async function buckets(adminUrl: string, name: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`).exec(line);
    if (m) out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  return out;
}

/** Upper bucket bound (ms) under which fraction q of the observations between two snapshots fall. */
function bucketQuantileMs(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const b of bounds) if ((after.get(b) ?? 0) - (before.get(b) ?? 0) >= q * total) return b * 1000;
  return Infinity;
}

/**
 * Live heap of config-push (after a full GC, bench/child-heap.ts) and its RSS (the least of a
 * few samples: RSS does not shrink on a GC).
 */
async function memory(cp: ChildReplica): Promise<{ heap: number; rss: number }> {
  const heap = await liveHeapBytes(cp);
  let rss = Infinity;
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 250));
    rss = Math.min(rss, await metric(cp.adminUrl, 'plexus_process_resident_memory_bytes'));
  }
  return { heap, rss };
}

interface SimProxy {
  client: DiscoveryClient;
  services: string[];
  initialBytes: number;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  console.log(`convergence bench${quick ? ' (quick)' : ''}: ${SERVICE_COUNT} services × ${INSTANCES_PER_SERVICE} instances, proxies subscribe to ${SUBSCRIBED}`);
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
  const bus = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: CLUSTER, service: 'bench', replica: 'writer' }, silentLogger());
  const writer = new MeshWriter(CLUSTER, store, bus);
  const records: InstanceRecord[] = [];
  for (let s = 0; s < SERVICE_COUNT; s++) {
    for (let i = 0; i < INSTANCES_PER_SERVICE; i++) {
      const r = instanceRecord('default', svcName(s), `${svcName(s)}-${i}`, {
        address: `10.${s >> 8}.${s & 255}.${i + 1}`,
        zone: `zone-${i % 2 ? 'b' : 'a'}`,
        labels: { version: i === 0 ? 'v2' : 'v1', app: svcName(s) },
      });
      records.push(r);
      await writer.putInstance(r);
    }
  }
  const env = etcdNatsEnv(CLUSTER, etcd, nats);
  const [cp, policy] = await Promise.all([
    spawnReplica('cp-bench', { ...env, NODE_OPTIONS: EXPOSE_GC_NODE_OPTIONS }),
    spawnService('policy', 'policy-bench', { ...env, PLEXUS_AUTH__ANONYMOUS: 'admin' }),
  ]);
  const policyClient = new PolicyClient(policy.address);
  const baseline = await memory(cp);
  const random = rng(42);
  const proxies: SimProxy[] = [];
  const results: SizeResult[] = [];
  let round = 0;

  const connect = (index: number): SimProxy => {
    const services = new Set<string>();
    while (services.size < SUBSCRIBED) services.add(svcName(Math.floor(random() * SERVICE_COUNT)));
    const list = [...services].map((s) => `default/${s}`);
    const own = svcName(Math.floor(random() * SERVICE_COUNT));
    const client = new DiscoveryClient({
      addresses: [cp.address],
      node: { instanceId: `sim-${index}`, namespace: 'default', service: own, cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
      subscriptions: { Service: list, Endpoints: list, Inbound: [`default/${own}`] },
      // As the proxy does (MeshConfig applies Endpoints deltas).
      endpointDeltas: true,
      // One connection per proxy, as separate processes would have.
      channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    });
    const sim: SimProxy = { client, services: list, initialBytes: 0 };
    let initial = 3;
    client.on('response', (r) => {
      if (initial > 0) {
        initial--;
        sim.initialBytes += r.bytes;
      }
    });
    client.start();
    return sim;
  };
  const synced = (p: SimProxy): boolean =>
    p.client.held('Service').size === SUBSCRIBED && p.client.held('Endpoints').size === SUBSCRIBED && p.client.held('Inbound').size === 1;

  /** Apply a Route for one subscribed service; resolves when every subscriber has ACKed it. */
  const applyRound = async (n: number): Promise<{ affected: number; applyMs: number; ackMs: number[] }> => {
    const target = `default/${svcName((n * 37) % SERVICE_COUNT)}`;
    const affected = proxies.filter((p) => p.services.includes(target));
    const timeoutMs = 100 + n;
    const acked = new Map<SimProxy, number>();
    const listeners = affected.map((p) => {
      const on = (resp: ReceivedResponse): void => {
        if (resp.type !== 'Service' || acked.has(p)) return;
        const res = resp.resources.find((x) => x.name === target);
        if (res && res.body.includes(`"timeoutMs":${timeoutMs}`)) acked.set(p, nowMs());
      };
      p.client.on('applied', on);
      return () => p.client.off('applied', on);
    });
    const start = nowMs();
    await policyClient.apply({
      document: {
        apiVersion: 'plexus.dev/v1',
        kind: 'Route',
        metadata: { namespace: 'default', name: target.split('/')[1] },
        spec: {
          rules: [
            { name: 'canary', match: { headers: [{ name: 'x-canary', exact: '1' }] }, destinations: [{ subset: { version: 'v2' } }], timeout: `${timeoutMs}ms` },
            { destinations: [{ subset: { version: 'v1' }, weight: 90 }, { subset: { version: 'v2' }, weight: 10 }], retries: { attempts: 2 } },
          ],
        },
      },
    });
    const applyMs = nowMs() - start;
    await waitFor(`round ${n}: ${affected.length} proxies ACK`, () => acked.size === affected.length, { timeoutMs: 60_000, intervalMs: 1 });
    for (const off of listeners) off();
    return { affected: affected.length, applyMs, ackMs: [...acked.values()].map((t) => t - start) };
  };

  /** Apply a new Mesh default timeout; resolves when every proxy has ACKed all its Services with it. */
  let meshRound = 0;
  const meshWideRound = async (): Promise<number[]> => {
    const timeoutMs = 30_000 + ++meshRound;
    const done = new Map<SimProxy, number>();
    const listeners = proxies.map((p) => {
      const have = new Set<string>();
      const on = (resp: ReceivedResponse): void => {
        if (resp.type !== 'Service' || done.has(p)) return;
        // Every Service body changes (its top-level timeoutMs); route timeouts are 100+n, never this.
        for (const x of resp.resources) if (x.body.includes(`"timeoutMs":${timeoutMs}`)) have.add(x.name);
        if (have.size === p.services.length) done.set(p, nowMs());
      };
      p.client.on('applied', on);
      return () => p.client.off('applied', on);
    });
    const start = nowMs();
    await policyClient.apply({ document: { apiVersion: 'plexus.dev/v1', kind: 'Mesh', metadata: { namespace: 'default', name: 'default' }, spec: { defaultTimeout: `${timeoutMs}ms` } } });
    await waitFor(`mesh round ${meshRound}: ${proxies.length} proxies ACK`, () => done.size === proxies.length, { timeoutMs: 120_000, intervalMs: 2 });
    for (const off of listeners) off();
    return [...done.values()].map((t) => t - start);
  };

  try {
    for (const n of SIZES) {
      const t0 = nowMs();
      // Connect in batches so start-up does not measure a thundering herd.
      while (proxies.length < n) {
        const batch = Math.min(250, n - proxies.length);
        for (let i = 0; i < batch; i++) proxies.push(connect(proxies.length));
        await waitFor('batch synced', () => proxies.every(synced), { timeoutMs: 120_000, intervalMs: 20 });
      }
      const connectAndSyncMs = nowMs() - t0;
      const mem = await memory(cp);
      // One unmeasured round first: the first Apply after start-up compiles code paths in
      // every process (policy, config-push, proxies) and says nothing about steady state.
      if (round === 0) await applyRound(++round);

      // Convergence rounds: Apply a Route for a subscribed service, wait for every subscriber's ACK.
      const samples: number[] = [];
      const applyMs: number[] = [];
      const serverBefore = await buckets(cp.adminUrl, 'plexus_config_push_convergence_seconds');
      let affectedTotal = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const res = await applyRound(++round);
        affectedTotal += res.affected;
        applyMs.push(res.applyMs);
        samples.push(...res.ackMs);
      }
      const convergenceMs = summarize(samples);
      const serverAfter = await buckets(cp.adminUrl, 'plexus_config_push_convergence_seconds');
      const meshSamples: number[] = [];
      for (let r = 0; r < MESH_ROUNDS; r++) meshSamples.push(...(await meshWideRound()));
      const meshWideMs = summarize(meshSamples);
      const serverSide = { p50AtMostMs: bucketQuantileMs(serverBefore, serverAfter, 0.5), p99AtMostMs: bucketQuantileMs(serverBefore, serverAfter, 0.99) };
      results.push({
        proxies: n,
        connectAndSyncMs,
        convergenceMs,
        applyCallMs: summarize(applyMs),
        serverChangeToAck: serverSide,
        affectedPerRound: affectedTotal / ROUNDS,
        meshWideMs,
        memoryPerProxy: { heapBytes: (mem.heap - baseline.heap) / n, rssBytes: (mem.rss - baseline.rss) / n },
        configPushHeapMb: mem.heap / 1e6,
        configPushRssMb: mem.rss / 1e6,
      });
      console.log(
        `N=${n}: synced in ${fmt(connectAndSyncMs, 0)} ms; Apply→ACK p50 ${fmt(convergenceMs.p50)} p99 ${fmt(convergenceMs.p99)} max ${fmt(convergenceMs.max)} ms over ${convergenceMs.n} ACKs; ` +
          `mesh-wide change → every proxy p50 ${fmt(meshWideMs.p50)} p99 ${fmt(meshWideMs.p99)} ms; ${fmt((mem.heap - baseline.heap) / n / 1024, 1)} KiB heap/proxy`,
      );
    }

    // Bytes: one endpoint change to its subscribers, versus full pushes.
    const target = proxies[0]!.services[0]!;
    const subscribers = proxies.filter((p) => p.services.includes(target));
    const changeBytes = new Map<SimProxy, number>();
    const offs = subscribers.map((p) => {
      const on = (resp: ReceivedResponse): void => {
        if (resp.type === 'Endpoints' && resp.resources.some((x) => x.name === target)) changeBytes.set(p, (changeBytes.get(p) ?? 0) + resp.bytes);
      };
      p.client.on('response', on);
      return () => p.client.off('response', on);
    });
    const rec = records.find((r) => `default/${r.service}` === target)!;
    await writer.putInstance({ ...rec, weight: 42, updatedAt: new Date().toISOString() });
    await waitFor('endpoint change delivered', () => changeBytes.size === subscribers.length, { timeoutMs: 60_000 });
    for (const off of offs) off();
    const wildcard = new DiscoveryClient({
      addresses: [cp.address],
      node: { instanceId: 'sim-wildcard', namespace: 'default', service: 'bench', cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
      subscriptions: { Service: ['*'], Endpoints: ['*'], Inbound: ['*'] },
    });
    let meshBytes = 0;
    wildcard.on('response', (r) => {
      meshBytes += r.bytes;
    });
    wildcard.start();
    await waitFor('wildcard proxy synced', () => wildcard.held('Endpoints').size === SERVICE_COUNT && wildcard.held('Service').size === SERVICE_COUNT && wildcard.held('Inbound').size === SERVICE_COUNT);
    wildcard.close();
    const oneChange = summarize([...changeBytes.values()]).p50;
    const ownFull = summarize(subscribers.map((p) => p.initialBytes)).p50;
    const bytes = {
      endpointChangeBytes: oneChange,
      fullPushOwnSubscriptionsBytes: ownFull,
      fullPushWholeMeshBytes: meshBytes,
      ratioToOwnFullPushPercent: (oneChange / ownFull) * 100,
      ratioToWholeMeshPercent: (oneChange / meshBytes) * 100,
      subscribersOfChangedService: subscribers.length,
    };

    printTable('Convergence: Apply (policy gRPC) → each affected proxy ACK', ['proxies', 'affected/round', 'Apply call p50 ms', 'p50 ms', 'p99 ms', 'max ms', 'ACKs', 'mesh-wide p50/p99 ms', 'in config-push p50/p99 ≤ ms', 'heap/proxy KiB', 'RSS/proxy KiB', 'sync all ms'], results.map((r) => [
      r.proxies,
      fmt(r.affectedPerRound, 1),
      fmt(r.applyCallMs.p50),
      fmt(r.convergenceMs.p50),
      fmt(r.convergenceMs.p99),
      fmt(r.convergenceMs.max),
      r.convergenceMs.n,
      `${fmt(r.meshWideMs.p50)}/${fmt(r.meshWideMs.p99)}`,
      `${fmt(r.serverChangeToAck.p50AtMostMs, 1)}/${fmt(r.serverChangeToAck.p99AtMostMs, 1)}`,
      fmt(r.memoryPerProxy.heapBytes / 1024, 1),
      fmt(r.memoryPerProxy.rssBytes / 1024, 1),
      fmt(r.connectAndSyncMs, 0),
    ]));
    printTable('Bytes on the wire (protobuf message bytes)', ['measure', 'bytes'], [
      ['one endpoint change, to one subscribed proxy', fmt(bytes.endpointChangeBytes, 0)],
      ['full push of a proxy\'s subscriptions (21 resources)', fmt(bytes.fullPushOwnSubscriptionsBytes, 0)],
      [`full push of the whole mesh (${SERVICE_COUNT * 3} resources)`, fmt(bytes.fullPushWholeMeshBytes, 0)],
      ['change / own full push', `${fmt(bytes.ratioToOwnFullPushPercent)} %`],
      ['change / whole-mesh push', `${fmt(bytes.ratioToWholeMeshPercent, 3)} %`],
    ]);

    const out = {
      scenario: 'convergence',
      quick,
      at: new Date().toISOString(),
      // Other work on the machine skews latencies: the 1-minute load average at start and end.
      machine: { cores: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] },
      setup: { services: SERVICE_COUNT, instancesPerService: INSTANCES_PER_SERVICE, subscribedServices: SUBSCRIBED, rounds: ROUNDS, meshWideRounds: MESH_ROUNDS, configPushReplicas: 1, debounceMs: 10, maxDelayMs: 100 },
      baselineConfigPush: { heapMb: baseline.heap / 1e6, rssMb: baseline.rss / 1e6 },
      sizes: results,
      bytes,
    };
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    writeFileSync(join(process.cwd(), 'bench', 'results', 'convergence.json'), JSON.stringify(out, null, 2) + '\n');
    console.log('\nwrote bench/results/convergence.json');
  } finally {
    for (const p of proxies) p.client.close();
    policyClient.close();
    await Promise.all([cp.stop(), policy.stop()]);
    await bus.close();
    await store.close();
    await Promise.all([etcd.stop(), nats.stop()]);
  }
}

runBench(main);
