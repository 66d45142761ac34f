// `npm run local -- --clusters 2`: two clusters on one machine, federated. `east` runs on etcd,
// `west` on ZooKeeper; each is a whole local mesh (startLocalMesh: control plane, demo apps,
// sidecars, ingress gateway, console) plus a federation service and a nats-server with
// JetStream in the cluster's domain; west's server is a leaf of east's. The clusters' own
// event buses stay as startLocalMesh starts them; federation uses the linked servers
// (federation.natsServers). One mesh, one root: both clusters' data directories
// (.plexus-local/<cluster>) get the same dev root, and each cluster's identity service signs with
// its own intermediate under it, so workload certificates verify across the clusters.
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { SERVICE_LISTENERS, spawnNodeProcess, startLinkedNats, type LinkedNatsServer, type ManagedProcess } from '../../lib/process/index.js';
import { startLocalMesh, type LocalMesh } from './local-mesh.js';

export interface FederatedCluster {
  name: string;
  mesh: LocalMesh;
  nats: LinkedNatsServer;
  federation: { process: ManagedProcess; grpcPort: number; adminPort: number };
}

export interface MultiCluster {
  clusters: FederatedCluster[];
  close(): Promise<void>;
}

const CLUSTERS = [
  { name: 'east', store: 'etcd', peer: 'west' },
  { name: 'west', store: 'zookeeper', peer: 'east' },
] as const;

export async function startMultiCluster(opts: { gatewayPort?: number; logLevel: string; dataDir?: string }): Promise<MultiCluster> {
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
    const east = await startLinkedNats({ domain: 'east', leafListen: true });
    stops.push(() => east.stop());
    const west = await startLinkedNats({ domain: 'west', leafRemotes: [east.leafUrl!] });
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
        },
        listeners: SERVICE_LISTENERS,
        ready: async ({ admin }) => (await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined))?.status === 200,
      });
      stops.push(() => proc.stop());
      const [grpcPort, adminPort] = [proc.listening('grpc')!, proc.listening('admin')!];
      clusters.push({ name: c.name, mesh, nats: linked[c.name], federation: { process: proc, grpcPort, adminPort } });
    }
    return { clusters, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What `npm run local -- --clusters 2` prints: both gateways and plexctl settings per cluster. */
export function multiClusterLines(mc: MultiCluster, startedMs: number): string[] {
  const lines = ['', `Plexus: ${mc.clusters.length} federated clusters up in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`];
  for (const c of mc.clusters) {
    const { mesh } = c;
    lines.push(
      '',
      `[${c.name}] store ${mesh.backends.store.kind}, NATS (federation, JetStream domain ${c.nats.domain}) ${c.nats.url}`,
      `  ingress gateway ${mesh.gatewayUrl}   console ${mesh.console.url}`,
      `  federation gRPC 127.0.0.1:${c.federation.grpcPort}  admin http://127.0.0.1:${c.federation.adminPort}/metrics`,
      `  plexctl for ${c.name}:`,
      `    export PLEXCTL_POLICY_ADDR=${mesh.addresses.policy.split(',')[0]} PLEXCTL_REGISTRY_ADDR=${mesh.addresses.registry.split(',')[0]} PLEXCTL_CONFIG_PUSH_ADDR=${mesh.addresses.configPush.split(',')[0]}`,
      `    export PLEXCTL_TOKEN=${mesh.token} PLEXCTL_CA_FILE=${mesh.caFile} PLEXCTL_FEDERATION_ADDR=127.0.0.1:${c.federation.grpcPort}`,
    );
  }
  lines.push(
    '',
    'Try it: with east\'s settings, export catalog to west:',
    '  printf "apiVersion: plexus.dev/v1\\nkind: ServiceExport\\nmetadata: {name: catalog}\\nspec: {}\\n" | npx plexctl apply -f -',
    'then, with west\'s settings, see what west imports (the federation API is plaintext on loopback):',
    '  PLEXCTL_CA_FILE= npx plexctl get imports --insecure',
    '',
  );
  return lines;
}
