// Registration churn benchmark: `tsx bench/churn.ts [--quick] [--store=etcd|zookeeper]` (also
// run by `npm run bench`; both stores by default, etcd's figures at the top of the JSON and
// ZooKeeper's under `zookeeper`).
//
// Real etcd (or ZooKeeper) and NATS; TWO registry replicas and ONE config-push replica, each a child process
// (the real binaries, as deployed). CONCURRENCY callers in this process churn instances of
// SERVICES services for a fixed time: each caller registers a new instance, and once it holds
// more than HOLD instances deregisters its oldest one, so every instance lives long enough
// (several call round trips, far above config-push's debounce) to appear at proxies. Callers
// are spread over both replicas (caller k uses replica k % 2, one gRPC channel per caller).
// One simulated proxy (lib/discovery-client) subscribes to the Endpoints of every churned
// service and records when each instance id appears in (and disappears from) its Endpoints.
//
// Reported: sustained operations/s (Register + Deregister calls completed in the measured
// window, and each separately), errors, and p50/p99/max from Register RETURNING to the
// Endpoints update carrying that instance at the proxy (and from Deregister returning to the
// update without it); also from the call being SENT (always positive). The registry writes the store before it answers, and config-push may
// learn of the change from the bus before the caller gets its answer, so a sample can be
// negative. Instances whose update never showed (coalesced away, or still pending at the end)
// are counted as `unseen`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DiscoveryClient, type ReceivedResponse } from '../lib/discovery-client/index.js';
import { RegistryApi } from '../lib/registry-client/index.js';
import { spawnReplica as spawnRegistry } from '../test/registry/support.js';
import { spawnReplica as spawnConfigPush, CLUSTER } from '../test/config-push/support.js';
import { startEtcd, startNats, startZooKeeper, waitFor } from '../test/harness/index.js';
import { closedLoop, fmt, nowMs, printTable, summarize, type LoadPhase } from './stats.js';
import { natsEnv, runBench } from './bench-env.js';

const quick = process.argv.includes('--quick');
const DURATION_MS = quick ? 4000 : 15_000;
const WARMUP_MS = quick ? 1000 : 3000;
const CONCURRENCY = quick ? 16 : 32;
const SERVICES = 20;
const HOLD = 3;

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
  const results: Partial<Record<StoreKind, Record<string, unknown>>> = {};
  for (const store of stores) results[store] = await churn(store);
  const first = results.etcd ?? results.zookeeper!;
  const out = { ...first, ...(results.etcd && results.zookeeper ? { zookeeper: results.zookeeper } : {}) };
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

async function churn(storeKind: StoreKind): Promise<Record<string, unknown>> {
  const loadAtStart = loadavg()[0]!;
  console.log(`churn bench${quick ? ' (quick)' : ''} on ${storeKind}: 2 registry replicas, 1 config-push, ${CONCURRENCY} callers, ${SERVICES} services, ${DURATION_MS / 1000} s`);
  const [store, nats] = await Promise.all([startStore(storeKind), startNats()]);
  const env = { PLEXUS_CLUSTER: CLUSTER, ...store.env, ...natsEnv(nats) };
  const children: Array<{ stop(): Promise<void> }> = [];
  const apis: RegistryApi[] = [];
  let proxy: DiscoveryClient | undefined;
  try {
    const [r1, r2, cp] = await Promise.all([
      spawnRegistry({ ...env, PLEXUS_INSTANCE: 'churn-reg-1', PLEXUS_REGISTRY__MAX_INSTANCES_PER_SERVICE: '1000000' }),
      spawnRegistry({ ...env, PLEXUS_INSTANCE: 'churn-reg-2', PLEXUS_REGISTRY__MAX_INSTANCES_PER_SERVICE: '1000000' }),
      spawnConfigPush('churn-cp', env),
    ]);
    children.push(r1, r2, cp);
    const replicas = [r1.address, r2.address];

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

    for (let k = 0; k < CONCURRENCY; k++) {
      apis.push(new RegistryApi(replicas[k % replicas.length]!, { deadlineMs: 10_000, channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }));
    }

    let registers = 0;
    let deregisters = 0;
    let errors = 0;
    const caller = async (k: number, phase: LoadPhase): Promise<void> => {
      const api = apis[k]!;
      const held: Array<{ id: string; service: string; incarnation: number }> = [];
      let seq = 0;
      while (!phase.stopped) {
        try {
          if (held.length < HOLD) {
            const id = `c${k}-${seq}`;
            const service = svc((k * 7 + seq++) % SERVICES);
            const t: Tracked = { service };
            tracked.set(id, t);
            const sent = nowMs();
            const res = await api.register({ service, instanceId: id, address: '10.1.0.1', port: 8080, ttlSeconds: 120 });
            if (phase.measuring) {
              t.registeredAt = nowMs();
              t.registerSentAt = sent;
              registers++;
            }
            held.push({ id, service, incarnation: Number(res.incarnation) });
          } else {
            const victim = held.shift()!;
            const sent = nowMs();
            await api.deregister({ namespace: 'default', service: victim.service, instanceId: victim.id, incarnation: victim.incarnation });
            const t = tracked.get(victim.id)!;
            if (phase.measuring) {
              t.deregisteredAt = nowMs();
              t.deregisterSentAt = sent;
              deregisters++;
            }
          }
        } catch {
          if (phase.measuring) errors++;
        }
      }
      // Leave nothing behind (not measured).
      for (const h of held) await api.deregister({ namespace: 'default', service: h.service, instanceId: h.id, incarnation: h.incarnation }).catch(() => undefined);
    };
    const seconds = await closedLoop(CONCURRENCY, WARMUP_MS, DURATION_MS, caller);
    // Every measured instance's updates have arrived, or a generous deadline (counted unseen).
    const measured = [...tracked.values()].filter((t) => t.registeredAt !== undefined || t.deregisteredAt !== undefined);
    await waitFor(
      'churn updates delivered',
      () => measured.every((t) => (t.registeredAt === undefined || t.appearedAt !== undefined) && (t.deregisteredAt === undefined || t.disappearedAt !== undefined)),
      { timeoutMs: 10_000, intervalMs: 20 },
    ).catch(() => undefined);

    const regLat: number[] = [];
    const deregLat: number[] = [];
    const regSend: number[] = [];
    const deregSend: number[] = [];
    let unseenReg = 0;
    let unseenDereg = 0;
    for (const t of measured) {
      if (t.registeredAt !== undefined) {
        if (t.appearedAt === undefined) unseenReg++;
        else {
          regLat.push(t.appearedAt - t.registeredAt);
          regSend.push(t.appearedAt - t.registerSentAt!);
        }
      }
      if (t.deregisteredAt !== undefined) {
        if (t.disappearedAt === undefined) unseenDereg++;
        else {
          deregLat.push(t.disappearedAt - t.deregisteredAt);
          deregSend.push(t.disappearedAt - t.deregisterSentAt!);
        }
      }
    }
    const result = {
      scenario: 'churn',
      quick,
      at: new Date().toISOString(),
      machine: { cores: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] },
      setup: { registryReplicas: 2, configPushReplicas: 1, store: storeKind, bus: 'nats', callers: CONCURRENCY, services: SERVICES, instancesHeldPerCaller: HOLD, seconds },
      throughput: {
        opsPerSecond: (registers + deregisters) / seconds,
        registersPerSecond: registers / seconds,
        deregistersPerSecond: deregisters / seconds,
        registers,
        deregisters,
        errors,
      },
      registerReturnToEndpointsMs: { ...summarize(regLat), unseen: unseenReg },
      deregisterReturnToEndpointsMs: { ...summarize(deregLat), unseen: unseenDereg },
      registerSendToEndpointsMs: summarize(regSend),
      deregisterSendToEndpointsMs: summarize(deregSend),
    };
    printTable(
      `Registration churn (2 registry replicas + 1 config-push, ${storeKind} + NATS, ${CONCURRENCY} callers, ${fmt(seconds, 1)} s${quick ? ', quick' : ''})`,
      ['operation', 'ops/s', 'calls', 'return→proxy p50 ms', 'p99 ms', 'max ms', 'send→proxy p50 ms', 'p99 ms', 'unseen'],
      [
        ['Register', fmt(result.throughput.registersPerSecond, 0), registers, fmt(result.registerReturnToEndpointsMs.p50), fmt(result.registerReturnToEndpointsMs.p99), fmt(result.registerReturnToEndpointsMs.max), fmt(result.registerSendToEndpointsMs.p50), fmt(result.registerSendToEndpointsMs.p99), unseenReg],
        ['Deregister', fmt(result.throughput.deregistersPerSecond, 0), deregisters, fmt(result.deregisterReturnToEndpointsMs.p50), fmt(result.deregisterReturnToEndpointsMs.p99), fmt(result.deregisterReturnToEndpointsMs.max), fmt(result.deregisterSendToEndpointsMs.p50), fmt(result.deregisterSendToEndpointsMs.p99), unseenDereg],
        ['both', fmt(result.throughput.opsPerSecond, 0), registers + deregisters, '', '', '', '', '', ''],
      ],
    );
    console.log(`errors: ${errors}`);
    return result;
  } finally {
    proxy?.close();
    for (const a of apis) a.close();
    await Promise.all(children.map((c) => c.stop()));
    await Promise.all([store.stop(), nats.stop()]);
  }
}

runBench(main);
