// Registration churn benchmark: `tsx bench/churn.ts [--quick] [--store=etcd|zookeeper]
// [--rate=N]` (also run by `npm run bench`; both stores by default, etcd's figures at the top of
// the JSON and ZooKeeper's under `zookeeper`).
//
// Real etcd (or ZooKeeper) and NATS; TWO registry replicas and ONE config-push replica, each a
// child process (the real binaries, as deployed). The load is OPEN-LOOP: operations are sent
// at a target rate whatever the answers do (a closed loop of a few callers would measure the
// callers' own round trips and hide queueing), spread over both replicas. Each operation
// registers a new instance of one of SERVICES services, or, once POOL instances are held,
// deregisters the oldest one. Two phases on the same servers: the target rate (default
// 1,000/s, the issue's target) and a paced 200/s. Operations that would exceed MAX_OUTSTANDING
// unanswered calls are not sent and counted as `notSent` (the system fell behind): the rate
// achieved is what was answered, never what was attempted.
// One simulated proxy (lib/discovery-client) subscribes to the Endpoints of every churned
// service and records when each instance id appears in (and disappears from) its Endpoints.
//
// Reported per phase: operations/s answered (Register + Deregister, each separately), errors,
// notSent, and p50/p99/max from the call being SENT to the Endpoints update at the proxy (the
// figure the target is about), and from the call RETURNING (negative when config-push learns
// of the change from the bus before the caller gets its answer). Instances whose update never
// showed (coalesced away, or still pending at the end) are `unseen`. Beside them, the etcd
// put→watch floor of the same machine (bench/floors.ts), and how the registry batched writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DiscoveryClient, type ReceivedResponse } from '../lib/discovery-client/index.js';
import { RegistryApi } from '../lib/registry-client/index.js';
import { spawnReplica as spawnRegistry } from '../test/registry/support.js';
import { spawnReplica as spawnConfigPush, CLUSTER } from '../test/config-push/support.js';
import { startEtcd, startNats, startZooKeeper, waitFor } from '../test/harness/index.js';
import { fmt, nowMs, printTable, sleep, summarize } from './stats.js';
import { measureFloors } from './floors.js';
import { natsEnv, runBench } from './bench-env.js';

const quick = process.argv.includes('--quick');
const DURATION_MS = quick ? 4000 : 15_000;
const WARMUP_MS = quick ? 1000 : 3000;
const TARGET_RATE = Number(process.argv.find((a) => a.startsWith('--rate='))?.slice('--rate='.length) ?? 1000);
const PACED_RATE = 200;
const SERVICES = 20;
/** Instances held before each new registration is matched by the deregistration of the oldest. */
const POOL = 400;
/** gRPC channels per registry replica. */
const CHANNELS_PER_REPLICA = 4;
/** Unanswered calls allowed at once: more means the system fell behind (a queue without bound would only collapse it). */
const MAX_OUTSTANDING = 256;
const TICK_MS = 2;

const svc = (i: number): string => `churn-${String(i).padStart(2, '0')}`;

interface Tracked {
  service: string;
  /** When Register / Deregister was sent and returned to the caller (measured window only). */
  registerSentAt?: number;
  deregisterSentAt?: number;
  registeredAt?: number;
  deregisteredAt?: number;
  /** When the proxy first saw the id in / missing from its service's Endpoints. */
  appearedAt?: number;
  disappearedAt?: number;
}

type StoreKind = 'etcd' | 'zookeeper';

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--store='))?.slice('--store='.length) as StoreKind | undefined;
  const stores: StoreKind[] = only ? [only] : ['etcd', 'zookeeper'];
  const floors = await measureFloors(quick ? 200 : 1000);
  console.log(`etcd put→watch floor: p50 ${fmt(floors.etcdPutToWatchMs.p50)} ms, p99 ${fmt(floors.etcdPutToWatchMs.p99)} ms`);
  const results: Partial<Record<StoreKind, Record<string, unknown>>> = {};
  for (const store of stores) results[store] = await churn(store);
  const first = results.etcd ?? results.zookeeper!;
  const out = {
    ...first,
    floor: { etcdPutToWatchMs: floors.etcdPutToWatchMs, etcdPutMs: floors.etcdPutMs },
    ...(results.etcd && results.zookeeper ? { zookeeper: results.zookeeper } : {}),
  };
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench', 'results', 'churn.json'), JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/churn.json');
}

/** Starts the store it runs on; its environment for the services; stop. */
async function startStore(kind: StoreKind): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  if (kind === 'etcd') {
    const etcd = await startEtcd();
    return { env: { PLEXUS_STORE__BACKEND: 'etcd', PLEXUS_STORE__ENDPOINTS: JSON.stringify([etcd.endpoint]) }, stop: () => etcd.stop() };
  }
  const zk = await startZooKeeper();
  return { env: { PLEXUS_STORE__BACKEND: 'zookeeper', PLEXUS_STORE__CONNECT_STRING: zk.connectString }, stop: () => zk.stop() };
}

const COMMIT_COUNTERS = ['plexus_registry_store_commits_total', 'plexus_registry_store_commit_writes_total'] as const;

const CPU_SECONDS = 'plexus_process_cpu_seconds_total';

/** The registry replicas' store-commit counters, summed, and each replica's CPU seconds (process.cpuUsage, user + system). */
async function commitCounters(adminUrls: string[]): Promise<{ commits: number; writes: number; cpuSeconds: number[] }> {
  const sums = [0, 0];
  const cpuSeconds: number[] = [];
  const value = (lines: string[], name: string): number => {
    const line = lines.find((l) => l.startsWith(`${name} `));
    return line ? Number(line.slice(name.length + 1)) : 0;
  };
  for (const url of adminUrls) {
    const lines = (await (await fetch(`${url}/metrics`)).text()).split('\n');
    COMMIT_COUNTERS.forEach((name, i) => {
      sums[i]! += value(lines, name);
    });
    cpuSeconds.push(value(lines, CPU_SECONDS));
  }
  return { commits: sums[0]!, writes: sums[1]!, cpuSeconds };
}

/** Sends `op` `rate` times a second for warm-up + duration, never more than MAX_OUTSTANDING unanswered. */
async function openLoop(rate: number, op: (measuring: boolean) => Promise<void>): Promise<{ seconds: number; notSent: number }> {
  const outstanding = new Set<Promise<void>>();
  let sent = 0;
  let notSent = 0;
  const t0 = nowMs();
  const measureFrom = t0 + WARMUP_MS;
  const end = measureFrom + DURATION_MS;
  for (let now = nowMs(); now < end; now = nowMs()) {
    const due = Math.floor(((now - t0) * rate) / 1000);
    const measuring = now >= measureFrom;
    for (; sent < due; sent++) {
      if (outstanding.size >= MAX_OUTSTANDING) {
        if (measuring) notSent++;
        continue;
      }
      const p = op(measuring).finally(() => outstanding.delete(p));
      outstanding.add(p);
    }
    await sleep(TICK_MS);
  }
  const seconds = (nowMs() - measureFrom) / 1000;
  await Promise.all([...outstanding]);
  return { seconds, notSent };
}

async function churn(storeKind: StoreKind): Promise<Record<string, unknown>> {
  const loadAtStart = loadavg()[0]!;
  console.log(`churn bench${quick ? ' (quick)' : ''} on ${storeKind}: 2 registry replicas, 1 config-push, open loop at ${TARGET_RATE}/s and ${PACED_RATE}/s, ${SERVICES} services, ${DURATION_MS / 1000} s each`);
  const [store, nats] = await Promise.all([startStore(storeKind), startNats()]);
  const env = { PLEXUS_CLUSTER: CLUSTER, ...store.env, ...natsEnv(nats) };
  const children: Array<{ stop(): Promise<void> }> = [];
  const apis: RegistryApi[] = [];
  let proxy: DiscoveryClient | undefined;
  try {
    // BENCH_CPU_PROF_DIR=DIR (lib/process/node-process.ts): every service child writes a V8 CPU profile there.
    const registryEnv = { ...env, PLEXUS_REGISTRY__MAX_INSTANCES_PER_SERVICE: '1000000' };
    const [r1, r2, cp] = await Promise.all([
      spawnRegistry({ ...registryEnv, PLEXUS_INSTANCE: 'churn-reg-1' }),
      spawnRegistry({ ...registryEnv, PLEXUS_INSTANCE: 'churn-reg-2' }),
      spawnConfigPush('churn-cp', env),
    ]);
    children.push(r1, r2, cp);
    const replicas = [r1.address, r2.address];
    const admins = [r1.adminUrl, r2.adminUrl];

    // The proxy: subscribed to the Endpoints of every churned service.
    const names = Array.from({ length: SERVICES }, (_, i) => `default/${svc(i)}`);
    const tracked = new Map<string, Tracked>();
    const current = new Map<string, Set<string>>();
    proxy = new DiscoveryClient({
      addresses: [cp.address],
      node: { instanceId: 'churn-proxy', namespace: 'default', service: 'bench', cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
      subscriptions: { Endpoints: names },
    });
    proxy.on('response', (r: ReceivedResponse) => {
      if (r.type !== 'Endpoints') return;
      const at = nowMs();
      const update = (name: string, ids: Set<string>): void => {
        const before = current.get(name) ?? new Set<string>();
        for (const id of ids) {
          const t = tracked.get(id);
          if (t && t.appearedAt === undefined && !before.has(id)) t.appearedAt = at;
        }
        for (const id of before) {
          const t = tracked.get(id);
          if (t && t.disappearedAt === undefined && !ids.has(id)) t.disappearedAt = at;
        }
        current.set(name, ids);
      };
      for (const res of r.resources) {
        const body = JSON.parse(res.body.toString('utf8')) as { endpoints: Array<{ id: string }> };
        update(res.name, new Set(body.endpoints.map((e) => e.id)));
      }
      for (const name of r.removed) update(name, new Set());
    });
    proxy.start();
    await waitFor('churn proxy connected', () => proxy!.connected, { timeoutMs: 30_000 });

    for (let k = 0; k < CHANNELS_PER_REPLICA * replicas.length; k++) {
      apis.push(new RegistryApi(replicas[k % replicas.length]!, { deadlineMs: 10_000, channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }));
    }

    const phase = async (name: string, rate: number): Promise<Record<string, unknown>> => {
      const mine = new Map<string, Tracked>();
      const held: Array<{ id: string; service: string; incarnation: number }> = [];
      let registers = 0;
      let deregisters = 0;
      let errors = 0;
      let seq = 0;
      const served = replicas.map(() => 0);
      const firstError: string[] = [];
      const failed = (measuring: boolean, err: unknown): void => {
        if (!measuring) return;
        errors++;
        if (firstError.length < 3) firstError.push(err instanceof Error ? err.message : String(err));
      };
      const op = async (measuring: boolean): Promise<void> => {
        const n = seq++;
        const api = apis[n % apis.length]!;
        served[(n % apis.length) % replicas.length]!++;
        const victim = held.length >= POOL ? held.shift() : undefined;
        try {
          if (!victim) {
            const id = `${name}-${n}`;
            const service = svc(n % SERVICES);
            const t: Tracked = { service };
            tracked.set(id, t);
            const sent = nowMs();
            const res = await api.register({ service, instanceId: id, address: '10.1.0.1', port: 8080, ttlSeconds: 120 });
            if (measuring) {
              t.registeredAt = nowMs();
              t.registerSentAt = sent;
              mine.set(id, t);
              registers++;
            }
            held.push({ id, service, incarnation: Number(res.incarnation) });
          } else {
            const sent = nowMs();
            await api.deregister({ namespace: 'default', service: victim.service, instanceId: victim.id, incarnation: victim.incarnation });
            const t = tracked.get(victim.id)!;
            if (measuring) {
              t.deregisteredAt = nowMs();
              t.deregisterSentAt = sent;
              mine.set(victim.id, t);
              deregisters++;
            }
          }
        } catch (err) {
          failed(measuring, err);
        }
      };
      const loadBefore = loadavg()[0]!;
      const countersBefore = await commitCounters(admins);
      const { seconds, notSent } = await openLoop(rate, op);
      const countersAfter = await commitCounters(admins);
      const commits = countersAfter.commits - countersBefore.commits;
      const batching = { storeCommits: commits, writesPerCommit: commits > 0 ? (countersAfter.writes - countersBefore.writes) / commits : NaN };
      // CPU per operation of each registry replica: its CPU time over the whole phase (warm-up
      // included) over the operations sent to it in that time. It also pays for the watch of
      // the other replica's writes, as deployed.
      const cpuMicrosPerOp = countersAfter.cpuSeconds.map((after, i) => ((after - countersBefore.cpuSeconds[i]!) * 1e6) / Math.max(1, served[i]!));
      // Leave nothing behind (not measured), after the updates of the measured window arrived.
      const measured = [...mine.values()];
      await waitFor(
        'churn updates delivered',
        () => measured.every((t) => (t.registeredAt === undefined || t.appearedAt !== undefined) && (t.deregisteredAt === undefined || t.disappearedAt !== undefined)),
        { timeoutMs: 10_000, intervalMs: 20 },
      ).catch(() => undefined);
      const cleanup = held.splice(0);
      for (let i = 0; i < cleanup.length; i += 50) {
        await Promise.all(
          cleanup.slice(i, i + 50).map((h, j) => apis[j % apis.length]!.deregister({ namespace: 'default', service: h.service, instanceId: h.id, incarnation: h.incarnation }).catch(() => undefined)),
        );
      }
      const lat = { regReturn: [] as number[], deregReturn: [] as number[], regSend: [] as number[], deregSend: [] as number[] };
      let unseenReg = 0;
      let unseenDereg = 0;
      for (const t of measured) {
        if (t.registeredAt !== undefined) {
          if (t.appearedAt === undefined) unseenReg++;
          else {
            lat.regReturn.push(t.appearedAt - t.registeredAt);
            lat.regSend.push(t.appearedAt - t.registerSentAt!);
          }
        }
        if (t.deregisteredAt !== undefined) {
          if (t.disappearedAt === undefined) unseenDereg++;
          else {
            lat.deregReturn.push(t.disappearedAt - t.deregisteredAt);
            lat.deregSend.push(t.disappearedAt - t.deregisterSentAt!);
          }
        }
      }
      const result = {
        targetRate: rate,
        seconds,
        loadAverage1m: { before: loadBefore, after: loadavg()[0] },
        throughput: {
          opsPerSecond: (registers + deregisters) / seconds,
          registersPerSecond: registers / seconds,
          deregistersPerSecond: deregisters / seconds,
          registers,
          deregisters,
          errors,
          notSent,
          ...(firstError.length ? { firstErrors: firstError } : {}),
        },
        batching,
        registryCpuMicrosPerOp: cpuMicrosPerOp,
        registerSendToEndpointsMs: { ...summarize(lat.regSend), unseen: unseenReg },
        deregisterSendToEndpointsMs: { ...summarize(lat.deregSend), unseen: unseenDereg },
        registerReturnToEndpointsMs: { ...summarize(lat.regReturn), unseen: unseenReg },
        deregisterReturnToEndpointsMs: { ...summarize(lat.deregReturn), unseen: unseenDereg },
      };
      const r = result;
      printTable(
        `Registration churn, ${name}: open loop at ${rate}/s (2 registry replicas + 1 config-push, ${storeKind} + NATS, ${fmt(seconds, 1)} s${quick ? ', quick' : ''})`,
        ['operation', 'ops/s', 'calls', 'send→proxy p50 ms', 'p99 ms', 'max ms', 'return→proxy p50 ms', 'p99 ms', 'unseen'],
        [
          ['Register', fmt(r.throughput.registersPerSecond, 0), registers, fmt(r.registerSendToEndpointsMs.p50), fmt(r.registerSendToEndpointsMs.p99), fmt(r.registerSendToEndpointsMs.max), fmt(r.registerReturnToEndpointsMs.p50), fmt(r.registerReturnToEndpointsMs.p99), unseenReg],
          ['Deregister', fmt(r.throughput.deregistersPerSecond, 0), deregisters, fmt(r.deregisterSendToEndpointsMs.p50), fmt(r.deregisterSendToEndpointsMs.p99), fmt(r.deregisterSendToEndpointsMs.max), fmt(r.deregisterReturnToEndpointsMs.p50), fmt(r.deregisterReturnToEndpointsMs.p99), unseenDereg],
          ['both', fmt(r.throughput.opsPerSecond, 0), registers + deregisters, '', '', '', '', '', ''],
        ],
      );
      console.log(`errors: ${errors}${firstError.length ? ` (${firstError.join('; ')})` : ''}; not sent (over ${MAX_OUTSTANDING} unanswered): ${notSent}; store commits of record writes: ${commits}, ${fmt(batching.writesPerCommit, 1)} writes each; registry CPU per op: ${cpuMicrosPerOp.map((us) => `${fmt(us, 0)} µs`).join(' / ')}`);
      return result;
    };

    const atTarget = await phase('target', TARGET_RATE);
    const paced = await phase('paced', PACED_RATE);
    return {
      scenario: 'churn',
      quick,
      at: new Date().toISOString(),
      machine: { cores: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] },
      setup: { registryReplicas: 2, configPushReplicas: 1, store: storeKind, bus: 'nats', load: 'open loop', channels: apis.length, services: SERVICES, instancesHeld: POOL, seconds: DURATION_MS / 1000 },
      ...atTarget,
      [`paced${PACED_RATE}`]: paced,
    };
  } finally {
    proxy?.close();
    for (const a of apis) a.close();
    await Promise.all(children.map((c) => c.stop()));
    await Promise.all([store.stop(), nats.stop()]);
  }
}

runBench(main);
