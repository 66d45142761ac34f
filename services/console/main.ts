// plexus-console: the operators' web view (DESIGN.md "console"), read-only over the control
// plane's gRPC APIs with a viewer token. Config: YAML (--config) and PLEXUS_* variables, e.g.
//   PLEXUS_CONTROL_PLANE__REGISTRY=10.0.0.5:7101 PLEXUS_CONTROL_PLANE__TOKEN=… node --import tsx services/console/main.ts
import { startAdminServer } from '../../lib/admin/admin-server.js';
import { loadConfigFromArgs } from '../../lib/config/flags.js';
import { Lifecycle, runMain } from '../../lib/lifecycle.js';
import { createLogger } from '../../lib/log.js';
import { consoleConfigSchema } from './config.js';
import { startConsole } from './console-service.js';

runMain('console', async () => {
  const config = loadConfigFromArgs(consoleConfigSchema, process.argv.slice(2));
  const logger = createLogger({ service: 'console', cluster: config.cluster, instance: config.instance, level: config.logLevel });
  const lifecycle = new Lifecycle(logger);
  try {
    const admin = await startAdminServer({ host: config.admin.host, port: config.admin.port, logger });
    lifecycle.add('admin', () => admin.close());
    const console = await startConsole(config, logger);
    lifecycle.add('console', () => console.close());
    logger.info({ url: console.url, admin: admin.url }, 'console ready');
  } catch (err) {
    await lifecycle.shutdown('start-up failed');
    throw err;
  }
  lifecycle.installSignalHandlers();
});
