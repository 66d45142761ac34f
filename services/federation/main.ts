// Federation service entry point: config → runtime → service → signal handlers.
//   node --import tsx services/federation/main.ts [--config FILE]
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_CLUSTER=east PLEXUS_BUS__KIND=nats PLEXUS_BUS__SERVERS=nats://127.0.0.1:4222
//   PLEXUS_FEDERATION__PEERS='[{"name":"west","priority":1}]'
// See config.ts for every field. The cluster's nats-server needs JetStream in a domain named
// after the cluster and a leaf-node (or gateway) link to each peer's server (README "Federation").
import { runServiceMain } from '../../lib/service-main.js';
import { federationConfigSchema } from './config.js';
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
    return { address: handle.address };
  },
});
