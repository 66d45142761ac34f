// `npm start`: the demo mesh in one process, with no external server. Flags or PLEXUS_* env
// switch the backends to real ones, e.g.
//   npm start -- --store.backend etcd --store.endpoints http://127.0.0.1:2379 --bus.kind nats --bus.servers nats://127.0.0.1:4222
//   PLEXUS_STORE__BACKEND=zookeeper PLEXUS_STORE__CONNECT_STRING=127.0.0.1:2181 npm start
// Ports: the control plane listens on the standard ones (7101–7103 gRPC, 7111–7113 admin) so
// plexctl works without flags; override any of them, e.g. to run beside another mesh or in tests:
//   npm start -- --gateway-port 18080 --ports.registry 17101 --ports.policy 17102 --ports.config-push 17103
//   PLEXUS_PORTS__REGISTRY_ADMIN=17111 npm start          (0 picks a free port)
import { pino } from 'pino';
import { z } from 'zod';
import { busConfigSchema } from '../../lib/bus/index.js';
import { dnsLabel, logLevel, port } from '../../lib/config/fields.js';
import { loadConfigFromArgs } from '../../lib/config/flags.js';
import { runMain, stopOnSignals } from '../../lib/lifecycle.js';
import { storeConfigSchema } from '../../lib/store/index.js';
import { TRACING_DEFAULTS, tracingConfigSchema } from '../../lib/tracing/tracing.js';
import { printBanner } from './banner.js';
import { STANDARD_PORTS, startDevMesh } from './dev-mesh.js';

const devConfigSchema = z
  .object({
    cluster: dnsLabel.default('local'),
    logLevel: logLevel.default('warn'),
    store: storeConfigSchema.default({ backend: 'memory' }),
    bus: busConfigSchema.default({ kind: 'memory' }),
    host: z.string().min(1).default('127.0.0.1'),
    gatewayPort: port.default(8080),
    /** Control-plane gRPC and admin ports; each defaults to its standard port. */
    ports: z
      .object({
        registry: port.default(STANDARD_PORTS.registry),
        policy: port.default(STANDARD_PORTS.policy),
        configPush: port.default(STANDARD_PORTS.configPush),
        identity: port.default(STANDARD_PORTS.identity),
        registryAdmin: port.default(STANDARD_PORTS.registryAdmin),
        policyAdmin: port.default(STANDARD_PORTS.policyAdmin),
        configPushAdmin: port.default(STANDARD_PORTS.configPushAdmin),
        console: port.default(STANDARD_PORTS.console),
        identityAdmin: port.default(STANDARD_PORTS.identityAdmin),
        xdsPlaintext: port.default(STANDARD_PORTS.xdsPlaintext),
      })
      .strict()
      .default(STANDARD_PORTS),
    /** Spans of every proxy and service to an OTLP/HTTP collector, e.g. --tracing.otlp-endpoint http://127.0.0.1:4318 */
    tracing: tracingConfigSchema.default(TRACING_DEFAULTS),
    /** Lease TTL of the demo proxies (seconds). */
    ttlSeconds: z.number().int().min(1).max(3600).default(15),
    /** The dev root CA (reused across runs) and ca.pem for plexctl. */
    dataDir: z.string().min(1).default('.plexus-dev'),
  })
  .strict();

runMain('plexus dev mesh', async () => {
  const started = Date.now();
  const config = loadConfigFromArgs(devConfigSchema, process.argv.slice(2));
  // Logs go to stderr so the banner on stdout stays readable; --log-level info shows more.
  const logger = pino({ level: config.logLevel, base: { cluster: config.cluster } }, pino.destination(2));
  const mesh = await startDevMesh({
    cluster: config.cluster,
    store: config.store,
    bus: config.bus,
    host: config.host,
    gatewayPort: config.gatewayPort,
    ports: config.ports,
    logger,
    ttlSeconds: config.ttlSeconds,
    consolePort: config.ports.console,
    tracing: config.tracing,
    dataDir: config.dataDir,
  });
  await mesh.gateway.ready();
  printBanner(mesh, config, Date.now() - started);

  stopOnSignals('draining proxies, deregistering, stopping the control plane', () => mesh.close());
});
