// Incremental-efficiency benchmark: `tsx bench/efficiency.ts [--quick]` (also run by `npm run bench`).
//
// Real etcd and NATS; SERVICES services × 10 endpoints written to etcd with the registry's key
// layout and records (lib/store/keys.ts instanceKey, lib/model/instance.ts InstanceRecord, via
// test/config-push/fixtures.ts); then ONE config-push replica as a child process (the real
// binary) and, in this process, simulated proxies (lib/discovery-client):
//   - `subscribed`: Service + Endpoints of 10 services, among them the changed one;
//   - `legacy`: the same subscription from a proxy without the "endpoints-delta" capability
//     (an older proxy: it gets whole Endpoints bodies);
//   - `wildcard`: Service, Endpoints and Inbound `*` — the full state of the mesh;
//   - `others`: OTHERS proxies, each on Service + Endpoints of 10 services that do NOT
//     include the changed one.
// One endpoint of one service then changes (its weight; store write + instance.updated event,
// as the registry does). Reported: bytes each proxy received for that change, the full-state
// push (everything the wildcard proxy received to sync), the subscribed proxy's own initial
// push and the change as a share of it (the target: ≤ 1 %), and bytes received by the
// unsubscribed proxies (expected 0). Every proxy but `legacy` applies Endpoints deltas.
//
// Bytes are the serialized size of each DeltaResponse protobuf message as received (the
// length of the gRPC message payload, before the 5-byte gRPC frame header, HTTP/2 framing
// and TLS) — DiscoveryClient's `bytes`. The sum of resource body bytes (JSON) is reported too.
//
// "For that change" is delimited without sleeps: after the subscribed and wildcard proxies
// have the change, a second (sentinel) endpoint change is made on a service EVERY proxy
// subscribes to; per stream, responses are ordered, so what a proxy received between the
// first change and the sentinel's update is what the first change cost it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBus } from '../lib/bus/index.js';
import { DiscoveryClient, type ReceivedResponse } from '../lib/discovery-client/index.js';
import { silentLogger } from '../lib/log.js';
import type { InstanceRecord } from '../lib/model/instance.js';
import { createStore } from '../lib/store/index.js';
import { instanceKey } from '../lib/store/keys.js';
import { instanceRecord, MeshWriter } from '../test/config-push/fixtures.js';
import { CLUSTER, spawnReplica } from '../test/config-push/support.js';
import { startEtcd, startNats, waitFor } from '../test/harness/index.js';
import { fmt, nowMs, printTable } from './stats.js';
import { etcdNatsEnv, runBench } from './bench-env.js';

const quick = process.argv.includes('--quick');
const SERVICES = 1000;
const ENDPOINTS = 10;
const SUBSCRIBED = 10;
const OTHERS = quick ? 3 : 10;
const WRITE_CONCURRENCY = 64;

const svcName = (i: number): string => `svc-${String(i).padStart(4, '0')}`;
const TARGET = 0; // the changed service
const SENTINEL = SERVICES - 1; // the service every proxy subscribes to

interface Sim {
  name: string;
  client: DiscoveryClient;
  /** Every response received, in order. */
  log: Array<{ at: number; bytes: number; bodyBytes: number; names: string[] }>;
}

function sim(name: string, address: string, subscriptions: Record<string, string[]>, endpointDeltas = true): Sim {
  const client = new DiscoveryClient({
    addresses: [address],
    node: { instanceId: name, namespace: 'default', service: 'bench', cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
    subscriptions,
    endpointDeltas,
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  const s: Sim = { name, client, log: [] };
  client.on('response', (r: ReceivedResponse) => {
    s.log.push({
      at: nowMs(),
      bytes: r.bytes,
      bodyBytes: r.resources.reduce((n, x) => n + x.body.length + (x.delta?.length ?? 0), 0),
      names: [...r.resources.map((x) => x.name), ...r.removed],
    });
  });
  client.start();
  return s;
}

const sum = (xs: Array<{ bytes: number; bodyBytes: number }>): { bytes: number; bodyBytes: number; responses: number } => ({
  bytes: xs.reduce((n, x) => n + x.bytes, 0),
  bodyBytes: xs.reduce((n, x) => n + x.bodyBytes, 0),
  responses: xs.length,
});

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  console.log(`efficiency bench${quick ? ' (quick)' : ''}: ${SERVICES} services × ${ENDPOINTS} endpoints in etcd, 1 config-push, ${2 + OTHERS} proxies`);
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
  const bus = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: CLUSTER, service: 'bench', replica: 'writer' }, silentLogger());
  const writer = new MeshWriter(CLUSTER, store, bus);
  const sims: Sim[] = [];
  let cp: Awaited<ReturnType<typeof spawnReplica>> | undefined;
  try {
    // The mesh, written like the registry writes it (no events: config-push starts afterwards
    // and loads it from the store).
    const records: InstanceRecord[] = [];
    for (let s = 0; s < SERVICES; s++) {
      for (let i = 0; i < ENDPOINTS; i++) {
        records.push(
          instanceRecord('default', svcName(s), `${svcName(s)}-${i}`, {
            address: `10.${(s >> 8) & 255}.${s & 255}.${i + 1}`,
            zone: i % 2 ? 'zone-b' : 'zone-a',
            labels: { app: svcName(s), version: i === 0 ? 'v2' : 'v1' },
          }),
        );
      }
    }
    const tWrite = nowMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITE_CONCURRENCY }, async () => {
        while (next < records.length) {
          const r = records[next++]!;
          await store.put(instanceKey(CLUSTER, r.namespace, r.service, r.id), r);
        }
      }),
    );
    console.log(`wrote ${records.length} instances in ${fmt(nowMs() - tWrite, 0)} ms`);

    cp = await spawnReplica('efficiency-cp', etcdNatsEnv(CLUSTER, etcd, nats));

    const list = (ids: number[]): string[] => ids.map((i) => `default/${svcName(i)}`);
    // subscribed: the target, the sentinel and 8 more; others: the sentinel and 9 services
    // from the upper half (never the target).
    const subIds = [TARGET, SENTINEL, ...Array.from({ length: SUBSCRIBED - 2 }, (_, k) => 1 + k * 37)];
    const subscribed = sim('eff-subscribed', cp.address, { Service: list(subIds), Endpoints: list(subIds) });
    const wildcard = sim('eff-wildcard', cp.address, { Service: ['*'], Endpoints: ['*'], Inbound: ['*'] });
    const legacy = sim('eff-legacy', cp.address, { Service: list(subIds), Endpoints: list(subIds) }, false);
    sims.push(subscribed, wildcard, legacy);
    const others: Sim[] = [];
    for (let o = 0; o < OTHERS; o++) {
      const ids = [SENTINEL, ...Array.from({ length: SUBSCRIBED - 1 }, (_, k) => SERVICES / 2 + ((o * 53 + k * 17) % (SERVICES / 2 - 1)))];
      others.push(sim(`eff-other-${o}`, cp.address, { Service: list(ids), Endpoints: list(ids) }));
    }
    sims.push(...others);

    const t0 = nowMs();
    const full = (c: DiscoveryClient, n: number, inbound: boolean): boolean =>
      c.held('Service').size === n && c.held('Endpoints').size === n && (!inbound || c.held('Inbound').size === n);
    await waitFor('proxies synced', () => full(wildcard.client, SERVICES, true) && [subscribed, legacy, ...others].every((s) => full(s.client, SUBSCRIBED, false)), {
      timeoutMs: 120_000,
      intervalMs: 20,
    });
    const syncMs = nowMs() - t0;
    const initial = new Map(sims.map((s) => [s, sum(s.log)]));

    // The change: one endpoint of the target service gets a new weight.
    const mark = new Map(sims.map((s) => [s, s.log.length]));
    const targetName = `default/${svcName(TARGET)}`;
    const sentinelName = `default/${svcName(SENTINEL)}`;
    const target = records[TARGET * ENDPOINTS]!;
    const tChange = nowMs();
    await writer.putInstance({ ...target, weight: 42, updatedAt: new Date().toISOString() }, { kind: 'instance.updated' });
    const seen = (s: Sim, name: string): boolean => s.log.slice(mark.get(s)).some((e) => e.names.includes(name));
    await waitFor('change delivered', () => seen(subscribed, targetName) && seen(wildcard, targetName) && seen(legacy, targetName), { timeoutMs: 30_000, intervalMs: 5 });
    const changeToProxyMs = nowMs() - tChange;

    // The sentinel: a change every proxy sees; what came before it belongs to the first change.
    const sentinel = records[SENTINEL * ENDPOINTS]!;
    await writer.putInstance({ ...sentinel, weight: 43, updatedAt: new Date().toISOString() }, { kind: 'instance.updated' });
    await waitFor('sentinel delivered', () => sims.every((s) => seen(s, sentinelName)), { timeoutMs: 30_000, intervalMs: 5 });
    const forChange = new Map(
      sims.map((s) => {
        const after = s.log.slice(mark.get(s));
        const upTo = after.findIndex((e) => e.names.includes(sentinelName));
        const window = after.slice(0, upTo);
        // A response that carried the sentinel AND the target (coalesced) would hide target bytes.
        const mixed = after[upTo]!.names.includes(targetName);
        return [s, { ...sum(window), mixedWithSentinel: mixed }];
      }),
    );

    const subChange = forChange.get(subscribed)!;
    const wildChange = forChange.get(wildcard)!;
    const legacyChange = forChange.get(legacy)!;
    const othersChange = others.map((o) => forChange.get(o)!);
    const result = {
      scenario: 'efficiency',
      quick,
      at: new Date().toISOString(),
      machine: { cores: cpus().length, loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] },
      setup: {
        services: SERVICES,
        endpointsPerService: ENDPOINTS,
        store: 'etcd',
        bus: 'nats',
        configPushReplicas: 1,
        subscribedServices: SUBSCRIBED,
        unsubscribedProxies: OTHERS,
        change: 'weight of one endpoint of one service (instance.updated)',
        bytes: 'serialized DeltaResponse protobuf message size (gRPC payload, before framing); bodyBytes: resource bodies only',
      },
      syncAllMs: syncMs,
      changeToSubscribedAndWildcardMs: changeToProxyMs,
      subscribedProxy: {
        changeBytes: subChange.bytes,
        changeBodyBytes: subChange.bodyBytes,
        changeResponses: subChange.responses,
        initialPushBytes: initial.get(subscribed)!.bytes,
        changeVsOwnPushPercent: (subChange.bytes / initial.get(subscribed)!.bytes) * 100,
      },
      legacyProxy: {
        changeBytes: legacyChange.bytes,
        initialPushBytes: initial.get(legacy)!.bytes,
        changeVsOwnPushPercent: (legacyChange.bytes / initial.get(legacy)!.bytes) * 100,
      },
      wildcardProxy: { changeBytes: wildChange.bytes, changeBodyBytes: wildChange.bodyBytes, changeResponses: wildChange.responses, fullStatePushBytes: initial.get(wildcard)!.bytes, fullStateBodyBytes: initial.get(wildcard)!.bodyBytes, fullStateResponses: initial.get(wildcard)!.responses },
      unsubscribedProxies: {
        count: OTHERS,
        changeBytesTotal: othersChange.reduce((n, x) => n + x.bytes, 0),
        changeResponsesTotal: othersChange.reduce((n, x) => n + x.responses, 0),
        coalescedWithSentinel: othersChange.filter((x) => x.mixedWithSentinel).length,
      },
      changeVsFullStatePercent: (subChange.bytes / initial.get(wildcard)!.bytes) * 100,
    };
    printTable(
      `Incremental efficiency (${SERVICES} services × ${ENDPOINTS} endpoints, one endpoint weight change; protobuf message bytes${quick ? ', quick' : ''})`,
      ['proxy', 'subscription', 'bytes for the change', 'responses', 'initial push bytes'],
      [
        ['subscribed', `Service+Endpoints of ${SUBSCRIBED} (incl. changed)`, subChange.bytes, subChange.responses, initial.get(subscribed)!.bytes],
        ['legacy (no deltas)', `Service+Endpoints of ${SUBSCRIBED} (incl. changed)`, legacyChange.bytes, legacyChange.responses, initial.get(legacy)!.bytes],
        ['wildcard', 'Service+Endpoints+Inbound *', wildChange.bytes, wildChange.responses, initial.get(wildcard)!.bytes],
        [`unsubscribed ×${OTHERS}`, `Service+Endpoints of ${SUBSCRIBED} (not the changed)`, result.unsubscribedProxies.changeBytesTotal, result.unsubscribedProxies.changeResponsesTotal, ''],
      ],
    );
    console.log(
      `one change = ${fmt(result.subscribedProxy.changeVsOwnPushPercent, 2)} % of the subscribed proxy's own full push (older proxy: ${fmt(result.legacyProxy.changeVsOwnPushPercent, 2)} %), ` +
        `${fmt(result.changeVsFullStatePercent, 4)} % of a full-state push (${initial.get(wildcard)!.bytes} bytes in ${initial.get(wildcard)!.responses} responses); ` +
        `delivered in ${fmt(changeToProxyMs, 1)} ms; all proxies synced in ${fmt(syncMs, 0)} ms` +
        (result.unsubscribedProxies.coalescedWithSentinel ? `; WARNING: ${result.unsubscribedProxies.coalescedWithSentinel} unsubscribed proxies got the target with the sentinel` : ''),
    );
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    writeFileSync(join(process.cwd(), 'bench', 'results', 'efficiency.json'), JSON.stringify(result, null, 2) + '\n');
    console.log('\nwrote bench/results/efficiency.json');
  } finally {
    for (const s of sims) s.client.close();
    await cp?.stop();
    await bus.close();
    await store.close();
    await Promise.all([etcd.stop(), nats.stop()]);
  }
}

runBench(main);
