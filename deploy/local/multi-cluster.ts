// `npm run local -- --clusters 2`: two clusters on one machine, federated. `east` runs on etcd,
// `west` on ZooKeeper; each is a whole local mesh (startLocalMesh: control plane, demo apps,
// sidecars, ingress gateway, console) plus a federation service and a nats-server with
// JetStream in the cluster's domain; west's server is a leaf of east's. The clusters' own
// event buses stay as startLocalMesh starts them; federation uses the linked servers
// (federation.natsServers). One mesh, one root: both clusters' data directories
// (.plexus-local/<cluster>) get the same dev root, and each cluster's identity service signs with
// its own intermediate under it, so workload certificates verify across the clusters.
// Traffic across clusters: each cluster runs an east-west gateway (the proxy in gateway mode
// east-west, exporting EXPORTED with a TLS passthrough listener), and its federation service
// exports with `federation.gateway` = that passthrough address. A peer's sidecars dial the
// imported instances through it with SNI `<service>.<namespace>`; the gateway splices the
// unterminated TLS to a local instance, so mTLS runs end to end (the callee sees the caller).
// The NATS link between the clusters is authenticated: TLS, and west's client certificate (its
// SPIFFE ID) listed as a leaf user by east (.plexus-local/nats-leaf; leaf-credentials.ts), so it
// can be rotated without restarting anything (README "Federation").
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { portOutsideEphemeralRange } from '../../lib/net.js';
import { SERVICE_LISTENERS, spawnNodeProcess, startLinkedNats, type LinkedNatsServer, type ManagedProcess } from '../../lib/process/index.js';
import { issueLeafLinkCredentials, type LeafLinkCredentials } from './leaf-credentials.js';
import { startLocalMesh, type LocalMesh } from './local-mesh.js';

export interface FederatedCluster {
  name: string;
  mesh: LocalMesh;
  nats: LinkedNatsServer;
  federation: { process: ManagedProcess; grpcPort: number; adminPort: number };
  /** The east-west gateway: HTTP listener (`port`), TLS passthrough listener, admin. */
  eastWest: { process: ManagedProcess; port: number; passthroughPort: number; adminPort: number };
}

/** The services each cluster's east-west gateway lets peers reach (a ServiceExport still decides what is shared). */
export const EXPORTED = ['default/catalog'];

export interface MultiClusterOptions {
  gatewayPort?: number;
  logLevel: string;
  dataDir?: string;
  /**
   * Fault tests: put something between west's leaf connection and east's leaf port (a link the
   * test can cut). Called with east's leaf port before east's server starts; east advertises
   * the returned port, so west reconnects through it.
   */
  leafVia?: (eastLeafPort: number) => Promise<{ port: number }>;
  /** Extra PLEXUS_* variables of both federation services (fault tests: short heartbeats). */
  federationEnv?: NodeJS.ProcessEnv;
}

const EAST_WEST_LISTENERS = { admin: 'PLEXUS_ADMIN__PORT', gateway: 'PLEXUS_GATEWAY__LISTEN__PORT', passthrough: 'PLEXUS_GATEWAY__PASSTHROUGH__PORT' };

async function startEastWestGateway(name: string, mesh: LocalMesh): Promise<FederatedCluster['eastWest']> {
  const { PLEXUS_INBOUND__HOST: _h, ...env } = mesh.proxyEnv('east-west-gateway');
  const proc = await spawnNodeProcess({
    name: `east-west-gateway-${name}`,
    entry: 'proxy/gateway-main.ts',
    env: {
      ...env,
      PLEXUS_SERVICE: 'east-west-gateway',
      PLEXUS_NAMESPACE: 'default',
      PLEXUS_IDENTITY__JOIN_TOKEN: await mesh.joinToken('east-west-gateway'),
      PLEXUS_GATEWAY__MODE: 'east-west',
      PLEXUS_GATEWAY__EXPORTS: JSON.stringify(EXPORTED),
      PLEXUS_GATEWAY__PASSTHROUGH__HOST: '127.0.0.1',
    },
    listeners: EAST_WEST_LISTENERS,
    ready: async ({ admin }) => (await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined))?.status === 200,
  });
  return { process: proc, port: proc.listening('gateway')!, passthroughPort: proc.listening('passthrough')!, adminPort: proc.listening('admin')! };
}

export interface MultiCluster {
  clusters: FederatedCluster[];
  /** The NATS link's credentials: east (hub) accepts west's (spoke's) certificate identity. */
  leafCredentials: LeafLinkCredentials;
  close(): Promise<void>;
}

const CLUSTERS = [
  { name: 'east', store: 'etcd', peer: 'west' },
  { name: 'west', store: 'zookeeper', peer: 'east' },
] as const;

export async function startMultiCluster(opts: MultiClusterOptions): Promise<MultiCluster> {
  const stops: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const stop of [...stops].reverse()) await stop().catch(() => undefined);
  };
  try {
    const base = resolve(opts.dataDir ?? '.plexus-local');
    const root = await ensureDevRoot(join(base, 'ca'));
    for (const c of CLUSTERS) {
      const dir = join(base, c.name, 'ca');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await copyFile(root.rootCertFile, join(dir, 'root.pem'));
      await copyFile(root.rootKeyFile, join(dir, 'root-key.pem'));
    }
    const leafCredentials = await issueLeafLinkCredentials(join(base, 'nats-leaf'), root, 'east', 'west');
    let east: LinkedNatsServer;
    let westRemote: string;
    if (opts.leafVia) {
      const eastLeafPort = await portOutsideEphemeralRange();
      const via = await opts.leafVia(eastLeafPort);
      east = await startLinkedNats({ domain: 'east', leafListen: true, leafPort: eastLeafPort, leafAdvertise: `127.0.0.1:${via.port}`, leafTls: leafCredentials.hub });
      westRemote = `nats-leaf://127.0.0.1:${via.port}`;
    } else {
      east = await startLinkedNats({ domain: 'east', leafListen: true, leafTls: leafCredentials.hub });
      westRemote = east.leafUrl!;
    }
    stops.push(() => east.stop());
    const west = await startLinkedNats({ domain: 'west', leafRemotes: [{ url: westRemote, tls: leafCredentials.spoke }] });
    stops.push(() => west.stop());
    const linked = { east, west };
    const clusters: FederatedCluster[] = [];
    for (const [i, c] of CLUSTERS.entries()) {
      const mesh = await startLocalMesh({
        store: c.store,
        cluster: c.name,
        replicas: 1,
        gatewayPort: opts.gatewayPort ? opts.gatewayPort + i : 0,
        logLevel: opts.logLevel,
        dataDir: join(base, c.name),
      });
      stops.push(() => mesh.close());
      const eastWest = await startEastWestGateway(c.name, mesh);
      stops.push(() => eastWest.process.stop());
      const proc = await spawnNodeProcess({
        name: `federation-${c.name}`,
        entry: 'services/federation/main.ts',
        env: {
          ...mesh.backends.store.env,
          ...mesh.backends.bus.env,
          PLEXUS_CLUSTER: c.name,
          PLEXUS_INSTANCE: `federation-${c.name}-1`,
          PLEXUS_LOG_LEVEL: opts.logLevel,
          // Plaintext on loopback only; callers still need the mesh's admin token.
          PLEXUS_INSECURE: 'true',
          PLEXUS_AUTH__TOKENS: JSON.stringify([{ name: 'local-admin', token: mesh.token, role: 'admin' }]),
          PLEXUS_FEDERATION__NATS_SERVERS: linked[c.name].url,
          PLEXUS_FEDERATION__PEERS: JSON.stringify([{ name: c.peer, priority: 1 }]),
          PLEXUS_FEDERATION__GATEWAY__ADDRESS: '127.0.0.1',
          PLEXUS_FEDERATION__GATEWAY__PORT: String(eastWest.passthroughPort),
          ...opts.federationEnv,
        },
        listeners: SERVICE_LISTENERS,
        ready: async ({ admin }) => (await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined))?.status === 200,
      });
      stops.push(() => proc.stop());
      const [grpcPort, adminPort] = [proc.listening('grpc')!, proc.listening('admin')!];
      clusters.push({ name: c.name, mesh, nats: linked[c.name], federation: { process: proc, grpcPort, adminPort }, eastWest });
    }
    return { clusters, leafCredentials, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The pids of a cluster's catalog sidecars and apps (to try failover). */
function catalogPids(c: FederatedCluster | undefined): number[] {
  if (!c) return [];
  const procs = [...c.mesh.proxies.filter((p) => p.name.startsWith('catalog-')).map((p) => p.process), ...c.mesh.apps.filter((a) => a.spec.name.startsWith('app-catalog-'))];
  return procs.map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
}

/** What `npm run local -- --clusters 2` prints: both gateways and plexctl settings per cluster. */
export function multiClusterLines(mc: MultiCluster, startedMs: number): string[] {
  const lines = ['', `Plexus: ${mc.clusters.length} federated clusters up in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`];
  for (const c of mc.clusters) {
    const { mesh } = c;
    lines.push(
      '',
      `[${c.name}] store ${mesh.backends.store.kind}, NATS (federation, JetStream domain ${c.nats.domain}) ${c.nats.url} pid ${c.nats.process.pid ?? '?'}`,
      `  ingress gateway ${mesh.gatewayUrl}   console ${mesh.console.url}`,
      `  east-west gateway: TLS passthrough 127.0.0.1:${c.eastWest.passthroughPort} (exports ${EXPORTED.join(', ')}; peers' imports are dialled here), admin http://127.0.0.1:${c.eastWest.adminPort}/config_dump`,
      `  federation gRPC 127.0.0.1:${c.federation.grpcPort}  admin http://127.0.0.1:${c.federation.adminPort}/metrics`,
      `  plexctl for ${c.name}:`,
      `    export PLEXCTL_POLICY_ADDR=${mesh.addresses.policy.split(',')[0]} PLEXCTL_REGISTRY_ADDR=${mesh.addresses.registry.split(',')[0]} PLEXCTL_CONFIG_PUSH_ADDR=${mesh.addresses.configPush.split(',')[0]}`,
      `    export PLEXCTL_TOKEN=${mesh.token} PLEXCTL_CA_FILE=${mesh.caFile} PLEXCTL_FEDERATION_ADDR=127.0.0.1:${c.federation.grpcPort}`,
    );
  }
  const west = mc.clusters.find((c) => c.name === 'west');
  const creds = mc.leafCredentials;
  lines.push(
    '',
    `NATS link west → east: TLS, west presents ${creds.spoke.certFile} (identity ${creds.identity}),`,
    `  east accepts the identities in ${creds.hub.leafUsersFile}; rotate without a restart: README "Federation".`,
    '',
    'Try it: with east\'s settings, export catalog (to every peer):',
    '  printf "apiVersion: plexus.dev/v1\\nkind: ServiceExport\\nmetadata: {name: catalog}\\nspec: {}\\n" | npx plexctl apply -f -',
    'then, with west\'s settings, see what west imports (the federation API is plaintext on loopback):',
    '  PLEXCTL_CA_FILE= npx plexctl get imports --insecure',
    `west's frontend calls west's own catalog first (catalog.cluster in the answer): curl -s ${west?.mesh.gatewayUrl ?? ''}/`,
    `kill west's catalog (sidecars and apps: kill -9 ${catalogPids(west).join(' ')}) and the same curl is answered by`,
    'east\'s catalog through east\'s east-west gateway, mTLS end to end (fast with a Resilience policy ejecting refused',
    'instances, see README "Federation"; else once their registrations expire).',
    '',
  );
  return lines;
}
