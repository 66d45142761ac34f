// Mesh-wide change benchmark: `tsx bench/mesh-wide.ts [--quick] [--sizes=1000,5000]` (also run
// by `npm run bench`).
//
// A change every proxy must apply — the Mesh policy's default timeout, which is in every Service
// body — through the policy gRPC API, to N simulated proxies (lib/discovery-client, one gRPC
// connection each, Endpoints deltas on, each on the Service and Endpoints of 10 of 200 services
// and its own Inbound) spread over SIM_PROCESSES child processes of this file (`--role sims`),
// so their own processing does not share one event loop. Real etcd and NATS; the policy service
// and config-push as child processes: one config-push replica up to 5,000 proxies, two above
// (proxies alternate between them).
// Reported per N: from the Apply call until each proxy has ACKed every one of its Services
// carrying the new default (and, to tell the push pipeline from the fan-out and the proxies' own
// work, until the change's first response arrived at each proxy: its minimum is the pipeline) (p50/p99/max over all proxies of ROUNDS rounds; the clocks of the
// processes agree: performance.timeOrigin + now()), and config-push heap per connected proxy.
// Targets (issue 16): p99 ≤ 100 ms at 1,000, ≤ 500 ms at 5,000, ≤ 1 s at 10,000 over 2 replicas
// with ≤ 20 KiB heap per proxy.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscoveryClient, type ReceivedResponse } from '../lib/discovery-client/index.js';
import { decodeResource } from '../lib/mesh/resources.js';
import { PolicyClient } from '../lib/policy-client/index.js';
import { instanceRecord } from '../test/config-push/fixtures.js';
import { EXPOSE_GC_NODE_OPTIONS, liveHeapBytes } from './child-heap.js';
import { CLUSTER, spawnReplica, spawnService, startMeshBackends, type ChildReplica } from '../test/config-push/support.js';
import { waitFor } from '../test/harness/index.js';
import { etcdNatsEnv, runBench } from './bench-env.js';
import { fmt, printTable, summarize, type LatencySummary } from './stats.js';

const quick = process.argv.includes('--quick');
const SIZES = process.argv.find((a) => a.startsWith('--sizes='))?.slice(8).split(',').map(Number) ?? (quick ? [1000] : [1000, 5000, 10_000]);
const SERVICES = 200;
const SUBSCRIBED = 10;
const ROUNDS = quick ? 3 : 5;
const SIM_PROCESSES = 4;
const TWO_REPLICAS_ABOVE = 5000;

const svc = (i: number): string => `mw-${String(i).padStart(3, '0')}`;
/** Milliseconds on a clock every process of this machine shares. */
const epochMs = (): number => performance.timeOrigin + performance.now();

// ------------------------------------------------------------------ role: sims (child)

type ToSims = { connect: { from: number; count: number; addresses: string[] } } | { expect: number } | { close: true };
type FromSims = { synced: number } | { acked: number[]; arrived: number[]; cpuMs: number; verified: VerifyCounts };

interface VerifyCounts {
  /** Bodies checked against their schema (decodeResource), once per distinct bytes. */
  decoded: number;
  /** Bodies whose identical bytes (same type, name, version and bytes) this process had already checked. */
  reused: number;
}

/**
 * What the control plane sees from a real proxy — the response decoded, every body checked
 * against its schema, versions recorded, an ACK (or NACK) — at the least CPU that stays honest
 * on one box: a mesh-wide change sends the same bytes to every proxy, so a simulated proxy's
 * verdict on a body is computed once per distinct bytes in this process and shared by its other
 * simulated proxies. The verdict is reused only for byte-identical bodies (the same type, name
 * and version, and Buffer.equals on the bytes: exact, cheaper than hashing each body); anything
 * else is checked in full, and a body that fails is NACKed exactly as the default verify would.
 */
function sharedVerify(counts: VerifyCounts): (r: ReceivedResponse) => string | undefined {
  const verdicts = new Map<string, { body: Buffer; verdict: string | undefined }>();
  return (r) => {
    for (const res of r.resources) {
      const key = `${r.type} ${res.name} ${res.version}`;
      const known = verdicts.get(key);
      let verdict: string | undefined;
      if (known && known.body.equals(res.body)) {
        verdict = known.verdict;
        counts.reused++;
      } else {
        counts.decoded++;
        try {
          const body = decodeResource(r.type, res.body);
          verdict = body.name === res.name ? undefined : `${r.type} ${res.name}: body names ${body.name}`;
        } catch (err) {
          verdict = `${r.type} ${res.name}: ${(err as Error).message}`;
        }
        if (verdicts.size >= 50_000) verdicts.clear();
        verdicts.set(key, { body: res.body, verdict });
      }
      if (verdict !== undefined) return verdict;
    }
    return undefined;
  };
}

function runSims(): void {
  const clients: Array<{ client: DiscoveryClient; services: string[] }> = [];
  const counts: VerifyCounts = { decoded: 0, reused: 0 };
  const verify = sharedVerify(counts);
  let cpuAtExpect = process.cpuUsage();
  let expecting: { timeoutMs: number; have: Map<number, Set<string>>; done: Map<number, number>; arrived: Map<number, number> } | undefined;
  const send = (m: FromSims): void => void process.send!(m);
  process.on('message', (m: ToSims) => {
    if ('connect' in m) {
      const { from, count, addresses } = m.connect;
      for (let i = from; i < from + count; i++) {
        const services = Array.from({ length: SUBSCRIBED }, (_, k) => `default/${svc((i * 7 + k * 13) % SERVICES)}`);
        const own = svc(i % SERVICES);
        const client = new DiscoveryClient({
          addresses: [addresses[i % addresses.length]!],
          node: { instanceId: `mw-${i}`, namespace: 'default', service: own, cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
          subscriptions: { Service: services, Endpoints: services, Inbound: [`default/${own}`] },
          endpointDeltas: true,
          verify,
          channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
        });
        const index = clients.length;
        client.on('response', (r) => {
          const e = expecting;
          if (!e || r.type !== 'Service' || e.arrived.has(index)) return;
          if (r.resources.some((x) => x.body.includes(`"timeoutMs":${e.timeoutMs}`))) e.arrived.set(index, epochMs());
        });
        client.on('applied', (r) => {
          const e = expecting;
          if (!e || r.type !== 'Service' || e.done.has(index)) return;
          let have = e.have.get(index);
          if (!have) e.have.set(index, (have = new Set()));
          for (const x of r.resources) if (x.body.includes(`"timeoutMs":${e.timeoutMs}`)) have.add(x.name);
          if (have.size === SUBSCRIBED) {
            e.done.set(index, epochMs());
            if (e.done.size === clients.length) {
              const cpu = process.cpuUsage(cpuAtExpect);
              send({ acked: [...e.done.values()], arrived: [...e.arrived.values()], cpuMs: (cpu.user + cpu.system) / 1000, verified: { ...counts } });
            }
          }
        });
        client.start();
        clients.push({ client, services });
      }
      const synced = (): boolean => clients.every((c) => c.client.held('Service').size === SUBSCRIBED && c.client.held('Endpoints').size === SUBSCRIBED && c.client.held('Inbound').size === 1);
      void waitFor('sims synced', synced, { timeoutMs: 300_000, intervalMs: 50 }).then(() => send({ synced: clients.length }));
    } else if ('expect' in m) {
      expecting = { timeoutMs: m.expect, have: new Map(), done: new Map(), arrived: new Map() };
      cpuAtExpect = process.cpuUsage();
      counts.decoded = 0;
      counts.reused = 0;
    } else {
      for (const c of clients) c.client.close();
      process.exit(0);
    }
  });
}

// ------------------------------------------------------------------ orchestrator

interface Sims {
  proc: ChildProcess;
  next<T extends FromSims>(key: keyof T & string): Promise<T>;
}

function spawnSims(): Sims {
  const proc = fork(fileURLToPath(import.meta.url), ['--role', 'sims'], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, PLEXUS_LOG_LEVEL: 'silent' } });
  return {
    proc,
    next: <T extends FromSims>(key: keyof T & string) =>
      new Promise<T>((resolve, reject) => {
        const on = (m: FromSims): void => {
          if (key in m) {
            proc.off('message', on);
            resolve(m as T);
          }
        };
        proc.on('message', on);
        proc.once('exit', (code) => reject(new Error(`sims process exited (${code})`)));
      }),
  };
}

/** CPU milliseconds (user + system) a process has used so far, from /proc (10 ms ticks). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface SizeResult {
  proxies: number;
  configPushReplicas: number;
  simProcesses: number;
  meshWideMs: LatencySummary;
  /** Apply → the change's first response arrived at each proxy (before it verified and applied it). */
  firstResponseMs: LatencySummary;
  /** Live heap (after a full GC) per connected proxy, over every replica. */
  heapPerProxyBytes: number;
  /** config-push CPU per proxy per change (all replicas), µs. */
  configPushCpuUsPerProxy: number;
  /** Share of the CPU the simulated proxies used during the measured rounds. */
  simCpuShare: number;
  /** Bodies the simulated proxies checked against their schema vs reused a verdict on the same bytes. */
  simVerified: VerifyCounts;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  console.log(`mesh-wide bench${quick ? ' (quick)' : ''}: sizes ${SIZES.join(', ')}, ${SIM_PROCESSES} proxy processes, ${SERVICES} services`);
  const backends = await startMeshBackends();
  const { etcd, nats, writer } = backends;
  for (let k = 0; k < SERVICES * 3; k += 60) {
    await Promise.all(Array.from({ length: 60 }, (_, j) => k + j).map((n) => writer.putInstance(instanceRecord('default', svc(Math.floor(n / 3)), `${svc(Math.floor(n / 3))}-${n % 3}`, { address: `10.4.${n >> 8}.${n & 255}` }))));
  }
  const env = etcdNatsEnv(CLUSTER, etcd, nats);
  const policy = await spawnService('policy', 'policy-mesh-wide', { ...env, PLEXUS_AUTH__ANONYMOUS: 'admin' });
  const policyClient = new PolicyClient(policy.address);
  const results: SizeResult[] = [];
  let round = 0;
  try {
    for (const n of SIZES) {
      const replicas: ChildReplica[] = [];
      const sims: Sims[] = [];
      try {
        const count = n > TWO_REPLICAS_ABOVE ? 2 : 1;
        for (let r = 0; r < count; r++) replicas.push(await spawnReplica(`cp-mw-${r}`, { ...env, NODE_OPTIONS: EXPOSE_GC_NODE_OPTIONS }));
        const baseline = await Promise.all(replicas.map((r) => liveHeapBytes(r)));
        const per = Math.ceil(n / SIM_PROCESSES);
        for (let p = 0; p < SIM_PROCESSES && p * per < n; p++) {
          const s = spawnSims();
          sims.push(s);
          const synced = s.next<{ synced: number }>('synced');
          s.proc.send({ connect: { from: p * per, count: Math.min(per, n - p * per), addresses: replicas.map((r) => r.address) } } satisfies ToSims);
          await synced;
        }
        const heap = await Promise.all(replicas.map((r) => liveHeapBytes(r)));
        const samples: number[] = [];
        const arrivals: number[] = [];
        let pushCpuMs = 0;
        let simCpuMs = 0;
        const simVerified: VerifyCounts = { decoded: 0, reused: 0 };
        // One unmeasured round: the first Mesh change compiles code paths everywhere.
        for (let r = 0; r <= ROUNDS; r++) {
          const timeoutMs = 40_000 + ++round;
          for (const s of sims) s.proc.send({ expect: timeoutMs } satisfies ToSims);
          const acks = sims.map((s) => s.next<Extract<FromSims, { acked: number[] }>>('acked'));
          const cpuBefore = replicas.map((x) => cpuMsOf(x.process.pid!));
          const start = epochMs();
          await policyClient.apply({ document: { apiVersion: 'plexus.dev/v1', kind: 'Mesh', metadata: { namespace: 'default', name: 'default' }, spec: { defaultTimeout: `${timeoutMs}ms` } } });
          const all = await Promise.all(acks);
          if (r === 0) continue;
          pushCpuMs += replicas.reduce((sum, x, i) => sum + cpuMsOf(x.process.pid!) - cpuBefore[i]!, 0);
          for (const a of all) {
            samples.push(...a.acked.map((t) => t - start));
            arrivals.push(...a.arrived.map((t) => t - start));
            simCpuMs += a.cpuMs;
            simVerified.decoded += a.verified.decoded;
            simVerified.reused += a.verified.reused;
          }
        }
        const configPushCpuUsPerProxy = (pushCpuMs * 1000) / (n * ROUNDS);
        const simCpuShare = simCpuMs / (simCpuMs + pushCpuMs);
        console.log(
          `  simulated proxies (${sims.length} processes): decode each response, check each body against its schema once per distinct bytes per process ` +
            `(${simVerified.decoded} checked, ${simVerified.reused} same bytes reused), record versions, ACK; they used ${fmt(simCpuMs / ROUNDS, 0)} ms CPU per change, ` +
            `${fmt(simCpuShare * 100, 0)} % of sims + config-push; config-push ${fmt(configPushCpuUsPerProxy, 0)} µs CPU per proxy per change`,
        );
        const meshWideMs = summarize(samples);
        const arrivedMs = summarize(arrivals);
        console.log(`  first response arrived: min ${fmt(Math.min(...arrivals))} p50 ${fmt(arrivedMs.p50)} p99 ${fmt(arrivedMs.p99)} ms`);
        const heapPerProxyBytes = heap.reduce((a, h, i) => a + h - baseline[i]!, 0) / n;
        results.push({ proxies: n, configPushReplicas: count, simProcesses: sims.length, meshWideMs, firstResponseMs: arrivedMs, heapPerProxyBytes, configPushCpuUsPerProxy, simCpuShare, simVerified });
        console.log(`N=${n} over ${count} config-push: mesh-wide change → every proxy p50 ${fmt(meshWideMs.p50)} p99 ${fmt(meshWideMs.p99)} max ${fmt(meshWideMs.max)} ms; ${fmt(heapPerProxyBytes / 1024, 1)} KiB heap/proxy (after GC)`);
      } finally {
        for (const s of sims) s.proc.send({ close: true } satisfies ToSims);
        await Promise.all(sims.map((s) => new Promise((r) => (s.proc.exitCode !== null ? r(undefined) : s.proc.once('exit', r)))));
        await Promise.all(replicas.map((r) => r.stop()));
      }
    }
    printTable(
      `Mesh-wide change (Mesh policy Apply → every proxy ACKed all its Services; ${SIM_PROCESSES} proxy processes${quick ? ', quick' : ''})`,
      ['proxies', 'config-push replicas', 'p50 ms', 'p99 ms', 'max ms', 'ACKs', 'heap/proxy KiB', 'push µs CPU/proxy', 'sims CPU %'],
      results.map((r) => [r.proxies, r.configPushReplicas, fmt(r.meshWideMs.p50), fmt(r.meshWideMs.p99), fmt(r.meshWideMs.max), r.meshWideMs.n, fmt(r.heapPerProxyBytes / 1024, 1), fmt(r.configPushCpuUsPerProxy, 0), fmt(r.simCpuShare * 100, 0)]),
    );
    const out = { scenario: 'mesh-wide', quick, at: new Date().toISOString(), machine: { cores: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] }, setup: { services: SERVICES, subscribedServices: SUBSCRIBED, rounds: ROUNDS, simProcesses: SIM_PROCESSES }, sizes: results };
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    writeFileSync(join(process.cwd(), 'bench', 'results', 'mesh-wide.json'), JSON.stringify(out, null, 2) + '\n');
    console.log('\nwrote bench/results/mesh-wide.json');
  } finally {
    policyClient.close();
    await policy.stop();
    await backends.close();
  }
}

if (process.argv.includes('--role')) runSims();
else runBench(main);
