// xDS benchmark: `tsx bench/xds.ts [--quick]` (also run by `npm run bench`).
//
// Real etcd and NATS; ONE config-push replica as a child process (the real binary). In this
// process, for N = 100 and 1,000: N simulated xDS clients (hand-written ADS state-of-the-world
// streams, the protocol gRPC and Envoy use by default, one connection each, subscribed to the
// RouteConfiguration of one service and ACKing every response) and, beside them in the same run,
// N Plexus-protocol proxies (lib/discovery-client) subscribed to the same service's Service.
// Each round applies a Route for that service (store write + event, as the policy service does)
// and measures, from the write, until each client has ACKed a config carrying it: an xDS client
// when it ACKs a RouteConfiguration with the round's timeout, a Plexus proxy when it applies the
// Service body with it. One warm-up round per size is not counted. Clients share this process's
// event loop, so latencies include their own processing: an upper bound.
import * as grpc from '@grpc/grpc-js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBus } from '../lib/bus/index.js';
import { DiscoveryClient, type ReceivedResponse } from '../lib/discovery-client/index.js';
import { silentLogger } from '../lib/log.js';
import { createStore } from '../lib/store/index.js';
import { adsDefinition, TYPE_URL, unpackAny, type DiscoveryRequest, type DiscoveryResponse } from '../services/config-push/xds/xds-proto.js';
import { startEtcd, startNats, waitFor } from '../test/harness/index.js';
import { instanceRecord, MeshWriter, policy } from '../test/config-push/fixtures.js';
import { CLUSTER, spawnReplica } from '../test/config-push/support.js';
import { fmt, nowMs, printTable, summarize, type LatencySummary } from './stats.js';

const quick = process.argv.includes('--quick');
const SIZES = [100, 1000];
const ROUNDS = quick ? 5 : 12;
const SERVICE = 'inventory';
const HOST = `${SERVICE}.default`;
const Ads = grpc.makeGenericClientConstructor(adsDefinition(), 'AggregatedDiscoveryService');

interface XdsSim {
  client: grpc.Client;
  call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  /** Route timeout (ms) of the last RouteConfiguration ACKed, and when. */
  ackedTimeoutMs: number;
  ackedAt: number;
}

function routeTimeoutMs(res: DiscoveryResponse): number {
  const rc = res.resources[0] ? unpackAny(res.resources[0]) : undefined;
  const vh = (rc?.virtual_hosts as Array<{ routes: Array<{ route?: { timeout?: { seconds: string; nanos: number } } }> }> | undefined)?.[0];
  const t = vh?.routes[0]?.route?.timeout;
  return t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : -1;
}

function connectXds(address: string, index: number): XdsSim {
  const client = new Ads(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>>).StreamAggregatedResources!();
  const sim: XdsSim = { client, call, ackedTimeoutMs: -1, ackedAt: 0 };
  call.on('data', (res: DiscoveryResponse) => {
    call.write({ type_url: res.type_url, version_info: res.version_info, response_nonce: res.nonce, resource_names: [HOST] } as DiscoveryRequest);
    sim.ackedTimeoutMs = routeTimeoutMs(res);
    sim.ackedAt = nowMs();
  });
  call.on('error', () => undefined);
  call.write({
    node: { id: `xds-sim-${index}`, cluster: 'bench', locality: { region: '', zone: 'zone-a', sub_zone: '' }, metadata: null, user_agent_name: 'bench' },
    type_url: TYPE_URL.RouteConfiguration,
    resource_names: [HOST],
    response_nonce: '',
    version_info: '',
  } as DiscoveryRequest);
  return sim;
}

interface PlexusSim {
  client: DiscoveryClient;
  ackedTimeoutMs: number;
  ackedAt: number;
}

function connectPlexus(address: string, index: number): PlexusSim {
  const client = new DiscoveryClient({
    addresses: [address],
    node: { instanceId: `plexus-sim-${index}`, namespace: 'default', service: 'bench', cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'bench' },
    subscriptions: { Service: [`default/${SERVICE}`] },
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  const sim: PlexusSim = { client, ackedTimeoutMs: -1, ackedAt: 0 };
  client.on('applied', (r: ReceivedResponse) => {
    const res = r.resources.find((x) => x.name === `default/${SERVICE}`);
    const m = res ? /"timeoutMs":(\d+)/.exec(res.body.toString()) : null;
    if (m) {
      sim.ackedTimeoutMs = Number(m[1]);
      sim.ackedAt = nowMs();
    }
  });
  client.start();
  return sim;
}

interface SizeResult {
  clients: number;
  rounds: number;
  xdsApplyToAckMs: LatencySummary;
  plexusApplyToAckMs: LatencySummary;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  console.log(`xds bench${quick ? ' (quick)' : ''}: N xDS (SotW) clients and N Plexus proxies on one config-push replica, ${ROUNDS} Route rounds per size`);
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
  const bus = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: CLUSTER, service: 'bench', replica: 'writer' }, silentLogger());
  const writer = new MeshWriter(CLUSTER, store, bus);
  for (const [i, version] of ['v1', 'v2'].entries()) {
    await writer.putInstance(instanceRecord('default', SERVICE, `${SERVICE}-${version}`, { address: `10.0.0.${i + 1}`, port: 9000, protocol: 'grpc', labels: { version } }));
  }
  const cp = await spawnReplica('cp-xds-bench', {
    PLEXUS_CLUSTER: CLUSTER,
    PLEXUS_STORE__BACKEND: 'etcd',
    PLEXUS_STORE__ENDPOINTS: JSON.stringify([etcd.endpoint]),
    PLEXUS_BUS__KIND: 'nats',
    PLEXUS_BUS__SERVERS: JSON.stringify([nats.url]),
    PLEXUS_LOG_LEVEL: 'warn',
  });
  const xds: XdsSim[] = [];
  const plexus: PlexusSim[] = [];
  const results: SizeResult[] = [];
  let round = 0;

  const applyRound = async (): Promise<{ xdsMs: number[]; plexusMs: number[] }> => {
    const timeoutMs = 1000 + ++round;
    const start = nowMs();
    await writer.applyPolicy(
      policy({
        kind: 'Route',
        metadata: { namespace: 'default', name: SERVICE },
        spec: { rules: [{ destinations: [{ subset: { version: 'v1' }, weight: 80 }, { subset: { version: 'v2' }, weight: 20 }], timeout: `${timeoutMs}ms` }] },
      }),
    );
    await waitFor(`round ${round}: every client ACKs`, () => xds.every((s) => s.ackedTimeoutMs === timeoutMs) && plexus.every((s) => s.ackedTimeoutMs === timeoutMs), {
      timeoutMs: 60_000,
      intervalMs: 1,
    });
    return { xdsMs: xds.map((s) => s.ackedAt - start), plexusMs: plexus.map((s) => s.ackedAt - start) };
  };

  try {
    for (const n of SIZES) {
      while (xds.length < n) {
        const batch = Math.min(250, n - xds.length);
        for (let i = 0; i < batch; i++) {
          xds.push(connectXds(cp.address, xds.length));
          plexus.push(connectPlexus(cp.address, plexus.length));
        }
        await waitFor('batch connected', () => xds.every((s) => s.ackedAt > 0) && plexus.every((s) => s.ackedAt > 0 || s.client.held('Service').size === 1), { timeoutMs: 120_000, intervalMs: 20 });
      }
      await applyRound(); // warm-up
      const xdsMs: number[] = [];
      const plexusMs: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const res = await applyRound();
        xdsMs.push(...res.xdsMs);
        plexusMs.push(...res.plexusMs);
      }
      results.push({ clients: n, rounds: ROUNDS, xdsApplyToAckMs: summarize(xdsMs), plexusApplyToAckMs: summarize(plexusMs) });
    }
  } finally {
    for (const s of xds) {
      s.call.cancel();
      s.client.close();
    }
    for (const s of plexus) s.client.close();
    await cp.stop();
    await bus.close?.();
    await store.close?.();
    await Promise.all([etcd.stop(), nats.stop()]);
  }

  printTable(
    'Route apply → client ACK (ms; xDS = state-of-the-world ADS, Plexus = delta discovery; same run, same replica)',
    ['clients', 'xDS p50', 'xDS p99', 'xDS max', 'Plexus p50', 'Plexus p99', 'Plexus max', 'samples each'],
    results.map((r) => [r.clients, fmt(r.xdsApplyToAckMs.p50), fmt(r.xdsApplyToAckMs.p99), fmt(r.xdsApplyToAckMs.max), fmt(r.plexusApplyToAckMs.p50), fmt(r.plexusApplyToAckMs.p99), fmt(r.plexusApplyToAckMs.max), r.xdsApplyToAckMs.n]),
  );
  const out = { date: new Date().toISOString(), quick, machine: { cores: cpus().length, loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0]! } }, sizes: results };
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench', 'results', 'xds.json'), JSON.stringify(out, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
