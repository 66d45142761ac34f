// The config-push binary: `node --import tsx services/config-push/main.ts [--config FILE]`.
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_STORE__BACKEND=etcd PLEXUS_STORE__ENDPOINTS=http://127.0.0.1:2379
//   PLEXUS_BUS__KIND=nats PLEXUS_BUS__SERVERS=nats://127.0.0.1:4222 PLEXUS_GRPC__PORT=7103
//   PLEXUS_CONFIG_PUSH__DEBOUNCE_MS=10
import { loadConfig } from '../../lib/config/load.js';
import { runMain } from '../../lib/lifecycle.js';
import { createRuntime } from '../../lib/runtime.js';
import { configPushConfigSchema } from './config.js';
import { startConfigPush } from './config-push-service.js';

function configFile(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
}

runMain('config-push', async () => {
  const file = configFile(process.argv.slice(2));
  const config = loadConfig(configPushConfigSchema, file === undefined ? {} : { file });
  const runtime = await createRuntime('config-push', config);
  try {
    const handle = await startConfigPush(runtime, config);
    runtime.logger.info({ grpc: handle.address, admin: runtime.admin.url, store: runtime.store.backend, bus: runtime.bus.kind }, 'config-push ready');
  } catch (err) {
    await runtime.lifecycle.shutdown('start-up failed');
    throw err;
  }
  runtime.lifecycle.installSignalHandlers();
});
