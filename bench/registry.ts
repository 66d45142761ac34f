// Registry benchmark: `tsx bench/registry.ts [--quick]`.
// For etcd and for ZooKeeper, one registry replica (a separate process, as deployed) with NATS:
//  1. throughput: concurrent clients register new instances for a fixed time; registrations/s
//     sustained, and the Register → NATS event latency under that load;
//  2. latency: one registration at a time; p50/p99 from Register returning (and from Register
//     being sent) to the `instance.registered` event arriving at a NATS subscriber.
// The registry publishes before it answers, so "return → event" can be negative: the event
// reached the subscriber before the response reached the caller.
// Prints a table and writes bench/results/registry.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createBus } from '../lib/bus/index.js';
import { silentLogger } from '../lib/log.js';
import { RegistryApi } from '../lib/registry-client/index.js';
import { spawnReplica } from '../test/registry/support.js';
import { startEtcd, startNats, startZooKeeper } from '../test/harness/index.js';
import { closedLoop, fmt, nowMs, printTable, sleep, summarize, type LatencySummary, type LoadPhase } from './stats.js';
import { natsEnv } from './bench-env.js';

const quick = process.argv.includes('--quick');
const THROUGHPUT_MS = quick ? 3000 : 10_000;
const WARMUP_MS = quick ? 500 : 2000;
const CONCURRENCY = 32;
const CHANNELS = 4;
const SEQUENTIAL = quick ? 200 : 1000;

interface BackendResult {
  backend: string;
  throughput: { registrations: number; seconds: number; perSecond: number; errors: number; concurrency: number };
  eventLatencyUnderLoadMs: { fromReturn: LatencySummary; fromSend: LatencySummary };
  eventLatencySequentialMs: { fromReturn: LatencySummary; fromSend: LatencySummary; registerRtt: LatencySummary };
}

const [etcd, zk, nats] = await Promise.all([startEtcd(), startZooKeeper(), startNats()]);
const results: BackendResult[] = [];
try {
  const backends: Array<[string, Record<string, string>]> = [
    ['etcd', { PLEXUS_STORE__BACKEND: 'etcd', PLEXUS_STORE__ENDPOINTS: JSON.stringify([etcd.endpoint]) }],
    ['zookeeper', { PLEXUS_STORE__BACKEND: 'zookeeper', PLEXUS_STORE__CONNECT_STRING: zk.connectString }],
  ];
  for (const [backend, storeEnv] of backends) {
    console.log(`[registry bench] ${backend}: starting one replica`);
    results.push(await runBackend(backend, storeEnv));
  }
} finally {
  await Promise.all([etcd.stop(), zk.stop(), nats.stop()]);
}

printTable(
  `Registry throughput (one replica process, ${CONCURRENCY} concurrent callers, ${cpus().length} cores${quick ? ', quick' : ''})`,
  ['store', 'registrations/s', 'errors', 'Register→event p50 ms', 'Register→event p99 ms', 'return→event p50 ms', 'return→event p99 ms'],
  results.map((r) => [
    r.backend,
    Math.round(r.throughput.perSecond),
    r.throughput.errors,
    fmt(r.eventLatencyUnderLoadMs.fromSend.p50),
    fmt(r.eventLatencyUnderLoadMs.fromSend.p99),
    fmt(r.eventLatencyUnderLoadMs.fromReturn.p50),
    fmt(r.eventLatencyUnderLoadMs.fromReturn.p99),
  ]),
);
printTable(
  'Registry latency (one registration at a time)',
  ['store', 'Register p50 ms', 'Register p99 ms', 'return→event p50 ms', 'return→event p99 ms', 'send→event p50 ms', 'send→event p99 ms', 'n'],
  results.map((r) => [
    r.backend,
    fmt(r.eventLatencySequentialMs.registerRtt.p50),
    fmt(r.eventLatencySequentialMs.registerRtt.p99),
    fmt(r.eventLatencySequentialMs.fromReturn.p50),
    fmt(r.eventLatencySequentialMs.fromReturn.p99),
    fmt(r.eventLatencySequentialMs.fromSend.p50),
    fmt(r.eventLatencySequentialMs.fromSend.p99),
    r.eventLatencySequentialMs.fromReturn.n,
  ]),
);
const dir = join(process.cwd(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'registry.json'),
  JSON.stringify({ date: new Date().toISOString(), quick, cores: cpus().length, node: process.version, concurrency: CONCURRENCY, results }, null, 2),
);
console.log('\nwrote bench/results/registry.json');

async function runBackend(backend: string, storeEnv: Record<string, string>): Promise<BackendResult> {
  const cluster = `bench-${backend}`;
  const replica = await spawnReplica({
    ...storeEnv,
    PLEXUS_CLUSTER: cluster,
    ...natsEnv(nats),
    PLEXUS_INSTANCE: `bench-${backend}`,
    PLEXUS_REGISTRY__MAX_INSTANCES_PER_SERVICE: '1000000',
  });
  const bus = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster, service: 'bench', replica: 'subscriber' }, silentLogger());
  // subject → arrival time of its registered event
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  await bus.subscribe('instance.registered', {
    onEvent: (e) => {
      arrivals.set(e.subject, nowMs());
      waiters.get(e.subject)?.();
    },
    onGap: () => undefined,
  });
  const apis = Array.from({ length: CHANNELS }, () => new RegistryApi(replica.address, { deadlineMs: 10_000 }));
  try {
    // Throughput: CONCURRENCY callers over CHANNELS connections, 100 services.
    let n = 0;
    let errors = 0;
    let counted = 0;
    const sent = new Map<string, { send: number; ret: number }>();
    const caller = async (k: number, phase: LoadPhase): Promise<void> => {
      const api = apis[k % CHANNELS]!;
      while (!phase.stopped) {
        const i = n++;
        const service = `svc-${i % 100}`;
        const id = `i-${i}`;
        const t0 = nowMs();
        try {
          await api.register({ service, instanceId: id, address: '10.0.0.1', port: 8080, ttlSeconds: 120 });
          const t1 = nowMs();
          if (phase.measuring) {
            counted++;
            sent.set(`default/${service}/${id}`, { send: t0, ret: t1 });
          }
        } catch {
          if (phase.measuring) errors++;
        }
      }
    };
    const seconds = await closedLoop(CONCURRENCY, WARMUP_MS, THROUGHPUT_MS, caller);
    await sleep(1000); // let the last events arrive
    const loadFromReturn: number[] = [];
    const loadFromSend: number[] = [];
    for (const [subject, t] of sent) {
      const at = arrivals.get(subject);
      if (at === undefined) continue;
      loadFromReturn.push(at - t.ret);
      loadFromSend.push(at - t.send);
    }
    console.log(`[registry bench] ${backend}: ${counted} registrations in ${seconds.toFixed(1)} s, ${errors} errors, ${loadFromReturn.length} events matched`);

    // Sequential latency, on an idle replica.
    const seqReturn: number[] = [];
    const seqSend: number[] = [];
    const rtt: number[] = [];
    const api = apis[0]!;
    for (let i = 0; i < SEQUENTIAL + 50; i++) {
      const id = `seq-${i}`;
      const subject = `default/latency/${id}`;
      const seen = new Promise<void>((resolve) => waiters.set(subject, resolve));
      const t0 = nowMs();
      await api.register({ service: 'latency', instanceId: id, address: '10.0.0.2', port: 8080, ttlSeconds: 120 });
      const t1 = nowMs();
      await Promise.race([seen, sleep(5000)]);
      waiters.delete(subject);
      const at = arrivals.get(subject);
      if (i < 50 || at === undefined) continue; // warm-up
      seqReturn.push(at - t1);
      seqSend.push(at - t0);
      rtt.push(t1 - t0);
    }
    return {
      backend,
      throughput: { registrations: counted, seconds, perSecond: counted / seconds, errors, concurrency: CONCURRENCY },
      eventLatencyUnderLoadMs: { fromReturn: summarize(loadFromReturn), fromSend: summarize(loadFromSend) },
      eventLatencySequentialMs: { fromReturn: summarize(seqReturn), fromSend: summarize(seqSend), registerRtt: summarize(rtt) },
    };
  } finally {
    for (const a of apis) a.close();
    await bus.close();
    await replica.stop();
  }
}

