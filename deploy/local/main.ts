// `npm run local [-- --store etcd|zookeeper --ha --replicas 2 --gateway-port 8080]`: the
// production topology on one machine (see local-mesh.ts); `--ha` runs the store and the bus as
// 3-member clusters. Needs the Debian packages etcd-server (or zookeeper) and nats-server.
// Ctrl-C stops everything.
import { z } from 'zod';
import { logLevel, port } from '../../lib/config/fields.js';
import { loadConfigFromArgs } from '../../lib/config/flags.js';
import { runMain, stopOnSignals } from '../../lib/lifecycle.js';
import { startLocalMesh, type BackendMember, type LocalMesh } from './local-mesh.js';
import { multiClusterLines, startMultiCluster } from './multi-cluster.js';

// Flags only (PLEXUS_* variables configure the processes it starts, not the launcher).
const localConfigSchema = z
  .object({
    store: z.enum(['etcd', 'zookeeper']).default('etcd'),
    ha: z.boolean().default(false),
    replicas: z.number().int().min(1, 'must be 1–5').max(5, 'must be 1–5').default(2),
    gatewayPort: port.default(8080),
    consolePort: port.default(7120),
    logLevel: logLevel.default('warn'),
    /** 2: the federated east (etcd) + west (ZooKeeper) pair of multi-cluster.ts. */
    clusters: z.union([z.literal(1), z.literal(2)], { error: 'must be 1 or 2' }).default(1),
  })
  .strict();

/** One line per store and bus member: name, pid, role, address. */
async function backendLines(mesh: LocalMesh): Promise<string[]> {
  const roles = await mesh.backends.store.roles();
  const line = (m: BackendMember, role: string): string => `  ${m.name.padEnd(14)} pid ${String(m.process.pid).padEnd(8)} ${role.padEnd(9)} ${m.address}`;
  return [
    ...mesh.backends.store.members.map((m, i) => line(m, roles[i] ?? 'member')),
    ...mesh.backends.bus.members.map((m) => line(m, 'member')),
  ];
}

runMain('plexus local mesh', async () => {
  // `--ha` is a switch (`--ha true|false` also works); every other flag takes a value.
  const args = process.argv.slice(2).map((a, i, all) => (a === '--ha' && (all[i + 1] === undefined || all[i + 1]!.startsWith('--')) ? '--ha=true' : a));
  const values = loadConfigFromArgs(localConfigSchema, args, {});
  const started = Date.now();
  if (values.clusters === 2) {
    const mc = await startMultiCluster({ gatewayPort: values.gatewayPort, logLevel: values.logLevel });
    process.stdout.write(multiClusterLines(mc, started).join('\n') + '\n');
    stopOnSignals('draining proxies, stopping both clusters', () => mc.close());
    return;
  }
  const mesh = await startLocalMesh({ store: values.store, ha: values.ha, replicas: values.replicas, gatewayPort: values.gatewayPort, logLevel: values.logLevel, consolePort: values.consolePort });
  const lines = [
    '',
    `Plexus local topology up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    ...(await backendLines(mesh)),
    ...mesh.replicas.map((r) => `  ${r.name.padEnd(14)} pid ${String(r.process.pid).padEnd(8)} gRPC 127.0.0.1:${r.grpcPort}  admin http://127.0.0.1:${r.adminPort}`),
    ...mesh.proxies.map((p) => `  proxy ${p.name.padEnd(14)} pid ${String(p.process.pid).padEnd(8)} admin http://127.0.0.1:${p.adminPort}`),
    `  ingress gateway ${mesh.gatewayUrl}  (admin http://127.0.0.1:${mesh.gateway.adminPort})`,
    `  console        ${mesh.console.url}  (pid ${mesh.console.process.pid}, admin http://127.0.0.1:${mesh.console.adminPort}; reads with a viewer token)`,
    '',
    'plexctl against it:',
    `  export PLEXCTL_POLICY_ADDR=${mesh.addresses.policy} PLEXCTL_REGISTRY_ADDR=${mesh.addresses.registry}`,
    `  export PLEXCTL_CONFIG_PUSH_ADDR=${mesh.addresses.configPush} PLEXCTL_IDENTITY_ADDR=${mesh.addresses.identity}`,
    `  export PLEXCTL_TOKEN=${mesh.token} PLEXCTL_CA_FILE=${mesh.caFile}`,
    `  curl -s ${mesh.gatewayUrl}/ ; npx plexctl apply -f examples/canary.yaml --wait ; npx plexctl proxy-status`,
    '  kill -9 any replica pid above: traffic through the gateway keeps flowing.',
    ...(values.ha ? ['  kill -9 any one store member above (the leader too) or NATS server: requests, applies and heartbeats keep working (it stays down until the next run).'] : []),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  stopOnSignals('draining proxies, stopping the control plane and servers', () => mesh.close());
});
