// Federation service entry point: config → runtime → service → signal handlers.
//   node --import tsx services/federation/main.ts [--config FILE]
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_CLUSTER=east PLEXUS_BUS__KIND=nats PLEXUS_BUS__SERVERS=nats://127.0.0.1:4222
//   PLEXUS_FEDERATION__PEERS='[{"name":"west","priority":1}]'
// See config.ts for every field. The cluster's nats-server needs JetStream in a domain named
// after the cluster and a leaf-node (or gateway) link to each peer's server (README "Federation").
// `federation.peers` reloads without a restart when the config file changes or on SIGHUP
// (config-reload.ts); other fields need a restart.
import { loadConfigFromArgs, parseFlags } from '../../lib/config/flags.js';
import { runServiceMain } from '../../lib/service-main.js';
import { federationConfigSchema } from './config.js';
import { startConfigReload } from './config-reload.js';
import { startFederation } from './federation-service.js';

runServiceMain({
  service: 'federation',
  schema: federationConfigSchema,
  async start(runtime, config) {
    const natsServers = config.federation.natsServers ?? (config.bus.kind === 'nats' ? config.bus.servers : []);
    const handle = await startFederation(runtime, {
      cluster: config.cluster,
      instance: config.instance,
      grpc: config.grpc,
      auth: config.auth,
      tls: config.tls,
      insecure: config.insecure,
      trustDomain: config.trustDomain,
      natsServers,
      federation: config.federation,
    });
    runtime.lifecycle.add('federation', () => handle.close());
    const argv = process.argv.slice(2);
    const reloader = startConfigReload({
      running: config,
      load: () => loadConfigFromArgs(federationConfigSchema, argv),
      setPeers: (peers) => handle.setPeers(peers),
      logger: runtime.logger,
      file: parseFlags(argv).file ?? process.env.PLEXUS_CONFIG,
      sighup: true,
    });
    runtime.lifecycle.add('federation-config-reload', async () => reloader.close());
    return { address: handle.address };
  },
});
