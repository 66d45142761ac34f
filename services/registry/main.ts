// The registry binary: `node --import tsx services/registry/main.ts [--config FILE]`.
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_STORE__BACKEND=etcd PLEXUS_STORE__ENDPOINTS=http://127.0.0.1:2379
//   PLEXUS_BUS__KIND=nats PLEXUS_BUS__SERVERS=nats://127.0.0.1:4222 PLEXUS_GRPC__PORT=7101
//   PLEXUS_REGISTRY__DEFAULT_TTL_SECONDS=15
import { loadConfig } from '../../lib/config/load.js';
import { runMain } from '../../lib/lifecycle.js';
import { createRuntime } from '../../lib/runtime.js';
import { registryConfigSchema } from './config.js';
import { startRegistry } from './registry-service.js';

function configFile(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
}

runMain('registry', async () => {
  const file = configFile(process.argv.slice(2));
  const config = loadConfig(registryConfigSchema, file === undefined ? {} : { file });
  const runtime = await createRuntime('registry', config);
  try {
    const handle = await startRegistry(runtime, config);
    runtime.logger.info({ grpc: handle.address, admin: runtime.admin.url, store: runtime.store.backend, bus: runtime.bus.kind }, 'registry ready');
  } catch (err) {
    await runtime.lifecycle.shutdown('start-up failed');
    throw err;
  }
  runtime.lifecycle.installSignalHandlers();
});
