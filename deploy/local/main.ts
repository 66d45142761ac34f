// `npm run local [-- --store etcd|zookeeper --replicas 2 --gateway-port 8080]`: the production
// topology on one machine (see local-mesh.ts). Needs the Debian packages etcd-server (or
// zookeeper) and nats-server. Ctrl-C stops everything.
import { parseArgs } from 'node:util';
import { runMain, stopOnSignals } from '../../lib/lifecycle.js';
import { startLocalMesh } from './local-mesh.js';

runMain('plexus local mesh', async () => {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'etcd' },
      replicas: { type: 'string', default: '2' },
      'gateway-port': { type: 'string', default: '8080' },
      'log-level': { type: 'string', default: 'warn' },
    },
    strict: true,
  });
  if (values.store !== 'etcd' && values.store !== 'zookeeper') throw new Error('--store must be etcd or zookeeper');
  const replicas = Number(values.replicas);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new Error('--replicas must be 1–5');
  const started = Date.now();
  const mesh = await startLocalMesh({ store: values.store, replicas, gatewayPort: Number(values['gateway-port']), logLevel: values['log-level'] });
  const lines = [
    '',
    `Plexus local topology up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `  ${values.store} ${'endpoint' in mesh.storeServer ? mesh.storeServer.endpoint : mesh.storeServer.connectString}   nats ${mesh.nats.url}`,
    ...mesh.replicas.map((r) => `  ${r.name.padEnd(14)} pid ${String(r.process.pid).padEnd(8)} gRPC 127.0.0.1:${r.grpcPort}  admin http://127.0.0.1:${r.adminPort}`),
    ...mesh.proxies.map((p) => `  proxy ${p.name.padEnd(14)} pid ${String(p.process.pid).padEnd(8)} admin http://127.0.0.1:${p.adminPort}`),
    `  ingress gateway ${mesh.gatewayUrl}  (admin http://127.0.0.1:${mesh.gateway.adminPort})`,
    '',
    'plexctl against it:',
    `  export PLEXCTL_POLICY_ADDR=${mesh.addresses.policy.split(',')[0]} PLEXCTL_REGISTRY_ADDR=${mesh.addresses.registry.split(',')[0]} PLEXCTL_CONFIG_PUSH_ADDR=${mesh.addresses.configPush.split(',')[0]}`,
    `  export PLEXCTL_TOKEN=${mesh.token} PLEXCTL_CONFIG_PUSH_REPLICAS=${mesh.addresses.configPush}`,
    `  curl -s ${mesh.gatewayUrl}/ ; npx plexctl apply -f examples/canary.yaml --wait ; npx plexctl proxy-status`,
    '  kill -9 any replica pid above: traffic through the gateway keeps flowing.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  stopOnSignals('draining proxies, stopping the control plane and servers', () => mesh.close());
});
