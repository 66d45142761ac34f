// Two clusters for federation tests on real servers: east on etcd, west on ZooKeeper, each
// with its own nats-server (JetStream domain = cluster name); west's server dials east's
// leaf-node port through a link the test can cut. Federation services run in-process on each
// cluster's runtime (startInProcess), and can be restarted.
import { connect, type NatsConnection } from 'nats';
import { instanceKey, policyKey } from '../../lib/store/keys.js';
import { createStore } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import { MeshView, MeshViewSync, buildEndpoints, clusterSource, policyCodec, type EndpointsBody } from '../../lib/mesh/index.js';
import type { Policy } from '../../lib/policy/index.js';
import { startLinkedNats, type LinkedNatsServer } from '../../lib/process/nats-link.js';
import { portOutsideEphemeralRange, startEtcd, startInProcess, startZooKeeper, waitFor, type EtcdServer, type InProcessService, type ZooKeeperServer } from '../harness/index.js';
import { instanceRecord, policy, policyRecord } from '../config-push/fixtures.js';
import { startFederation, type FederationHandle } from '../../services/federation/federation-service.js';
import type { FederationOptions } from '../../services/federation/config.js';
import type { StoreConfig } from '../../lib/store/index.js';
import { startCuttableLink, type CuttableLink } from './cuttable-link.js';
import type { LeafLinkCredentials } from '../../deploy/local/leaf-credentials.js';
import pino from 'pino';
import { DiscoveryClient } from '../../lib/discovery-client/index.js';
import { configPushOptions } from '../../services/config-push/config.js';
import { startConfigPush } from '../../services/config-push/config-push-service.js';

export interface ClusterSide {
  name: string;
  storeConfig: StoreConfig;
  store: Store;
  nats: LinkedNatsServer;
  /** A plain client on this cluster's NATS. */
  nc: NatsConnection;
  federation: InProcessService<FederationHandle & { address: string }> | undefined;
  /** The mesh view config-push builds (same sync, same key layout): Endpoints as a proxy gets them. */
  view: MeshView<Policy>;
  sync: MeshViewSync;
}

export interface TwoClusters {
  east: ClusterSide;
  west: ClusterSide;
  link: CuttableLink;
  etcd: EtcdServer;
  zk: ZooKeeperServer;
  startFederation(side: ClusterSide, peer: string, instance?: string): Promise<void>;
  stopFederation(side: ClusterSide): Promise<void>;
  close(): Promise<void>;
}

export const FAST: Partial<FederationOptions> = {
  heartbeatMs: 100,
  staleAfterMs: 800,
  stalenessWindowMs: 60_000,
  stallAfterMs: 1500,
  leaseTtlSeconds: 2,
};

/**
 * East and west on real servers. With `credentials`, the NATS link runs TLS and west
 * authenticates with a client certificate east lists as a leaf user (deploy/local/leaf-credentials.ts).
 */
export async function startTwoClusters(options: Partial<FederationOptions> = FAST, linkOptions: { credentials?: LeafLinkCredentials } = {}): Promise<TwoClusters> {
  const creds = linkOptions.credentials;
  // The forwarder first: east's hub advertises it, so west's leaf reconnects through it.
  const eastLeafPort = await portOutsideEphemeralRange();
  const link = await startCuttableLink(eastLeafPort);
  const [etcd, zk, eastNats] = await Promise.all([
    startEtcd(),
    startZooKeeper(),
    startLinkedNats({ domain: 'east', leafListen: true, leafPort: eastLeafPort, leafAdvertise: `127.0.0.1:${link.port}`, ...(creds ? { leafTls: creds.hub } : {}) }),
  ]);
  const westNats = await startLinkedNats({ domain: 'west', leafRemotes: [{ url: `nats-leaf://127.0.0.1:${link.port}`, ...(creds ? { tls: creds.spoke } : {}) }] });
  const logger = pino({ level: process.env.PLEXUS_LOG_LEVEL ?? 'silent' });
  const side = async (name: string, nats: LinkedNatsServer, storeConfig: StoreConfig): Promise<ClusterSide> => {
    const store = await createStore(storeConfig, logger);
    const view = new MeshView<Policy>({ cluster: name, policyCodec });
    const sync = new MeshViewSync({ sources: [clusterSource(view, store)], logger, antiEntropyMs: 0 });
    await sync.start();
    return { name, storeConfig, store, nats, nc: await connect({ servers: nats.url }), federation: undefined, view, sync };
  };
  const east = await side('east', eastNats, { backend: 'etcd', endpoints: [etcd.endpoint] });
  const west = await side('west', westNats, { backend: 'zookeeper', connectString: zk.connectString });
  await leafConnected(east, west);

  const start = async (s: ClusterSide, peer: string, instance = `federation-${s.name}`): Promise<void> => {
    s.federation = await startInProcess('federation', { cluster: s.name, zone: 'z1', name: instance, store: s.storeConfig, bus: { kind: 'nats', servers: [s.nats.url] } }, async (runtime) => {
      const handle = await startFederation(runtime, {
        cluster: s.name,
        instance,
        grpc: { host: '127.0.0.1', port: 0 },
        insecure: true,
        natsServers: [s.nats.url],
        federation: { ...options, peers: [{ name: peer, priority: 1 }] },
      });
      runtime.lifecycle.add('federation', () => handle.close());
      return handle;
    });
  };
  const stop = async (s: ClusterSide): Promise<void> => {
    await s.federation?.close();
    s.federation = undefined;
  };
  return {
    east,
    west,
    link,
    etcd,
    zk,
    startFederation: start,
    stopFederation: stop,
    close: async () => {
      for (const s of [east, west]) {
        await stop(s).catch(() => undefined);
        await s.sync.close().catch(() => undefined);
        await s.store.close().catch(() => undefined);
        await s.nc.close().catch(() => undefined);
      }
      await link.close();
      await Promise.all([eastNats.stop(), westNats.stop(), etcd.stop(), zk.stop()]);
    },
  };
}

/** Wait until a message published on east's NATS reaches a subscriber on west's (the leaf link is up). */
export async function leafConnected(east: ClusterSide, west: ClusterSide, timeoutMs = 20_000): Promise<void> {
  const subject = `probe.${Math.random().toString(36).slice(2)}`;
  let got = false;
  const sub = west.nc.subscribe(subject, { callback: () => (got = true) });
  await west.nc.flush();
  try {
    await waitFor('the leaf-node link to carry a message east → west', async () => {
      east.nc.publish(subject);
      await east.nc.flush();
      await new Promise((r) => setTimeout(r, 20));
      return got;
    }, { timeoutMs, intervalMs: 50 });
  } finally {
    sub.unsubscribe();
  }
}

export async function register(side: ClusterSide, service: string, id: string, port: number, zone = 'z1'): Promise<void> {
  await side.store.put(instanceKey(side.name, 'default', service, id), instanceRecord('default', service, id, { cluster: side.name, zone, port }));
}
export async function deregister(side: ClusterSide, service: string, id: string): Promise<void> {
  await side.store.delete(instanceKey(side.name, 'default', service, id));
}
export async function exportService(side: ClusterSide, service: string, peers: string[] = []): Promise<void> {
  const p = policy({ kind: 'ServiceExport', metadata: { namespace: 'default', name: service }, spec: { peers } });
  await side.store.put(policyKey(side.name, 'ServiceExport', 'default', service), policyRecord(p));
}
export async function unexportService(side: ClusterSide, service: string): Promise<void> {
  await side.store.delete(policyKey(side.name, 'ServiceExport', 'default', service));
}

/** Endpoints of `default/<service>` as config-push would build them from `side`'s store. */
export function endpoints(side: ClusterSide, service: string): EndpointsBody['endpoints'] {
  return buildEndpoints(`default/${service}`, side.view).endpoints;
}

/** A counter's value for the given labels, from the process-wide Prometheus registry. */
export async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const { registry } = await import('../../lib/admin/metrics.js');
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((a, v) => a + v.value, 0);
}

/**
 * A config-push replica of `side` and a protocol-speaking proxy on it subscribed to the
 * Endpoints of `services`: what a real proxy of that cluster receives.
 */
export async function proxyOn(side: ClusterSide, services: string[]): Promise<{ client: DiscoveryClient; close(): Promise<void> }> {
  const name = `config-push-${side.name}`;
  const cp = await startInProcess('config-push', { cluster: side.name, zone: 'z1', name, store: side.storeConfig, bus: { kind: 'nats', servers: [side.nats.url] } }, (runtime) =>
    startConfigPush(runtime, {
      cluster: side.name,
      instance: name,
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      auth: { tokens: [], anonymous: 'admin' },
      configPush: configPushOptions({}),
    }),
  );
  const client = new DiscoveryClient({
    addresses: [cp.address],
    node: { instanceId: `${side.name}-proxy`, namespace: 'default', service: 'frontend', cluster: side.name, zone: 'z1', labels: {}, proxyVersion: 'test' },
    subscriptions: { Endpoints: services.map((s) => `default/${s}`) },
    backoffMinMs: 50,
    backoffMaxMs: 500,
  });
  client.start();
  return {
    client,
    close: async () => {
      client.close();
      await cp.close();
    },
  };
}
