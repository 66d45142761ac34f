// The entry point every control-plane service shares: config from `--config FILE` (and any other
// flag), the YAML file and PLEXUS_* variables → runtime (logger, store, bus, admin) → the
// service → signal handlers. A bad config exits 2 naming each field (runMain).
import type { z } from 'zod';
import { loadConfigFromArgs } from './config/flags.js';
import { runMain } from './lifecycle.js';
import { createRuntime, type Runtime, type RuntimeConfig } from './runtime.js';

export interface ServiceMain<S extends z.ZodType<RuntimeConfig>> {
  /** The service's name in logs, messages and metrics (`registry`, `policy`, `config-push`). */
  service: string;
  schema: S;
  /** Starts the service on the runtime; resolves with its gRPC address once it serves. */
  start(runtime: Runtime, config: z.infer<S>): Promise<{ address: string }>;
}

export function runServiceMain<S extends z.ZodType<RuntimeConfig>>(main: ServiceMain<S>): void {
  runMain(main.service, async () => {
    const config = loadConfigFromArgs(main.schema, process.argv.slice(2)) as z.infer<S>;
    const runtime = await createRuntime(main.service, config);
    try {
      const handle = await main.start(runtime, config);
      runtime.logger.info(
        { grpc: handle.address, admin: runtime.admin.url, store: runtime.store.backend, bus: runtime.bus.kind },
        `${main.service} ready`,
      );
    } catch (err) {
      await runtime.lifecycle.shutdown('start-up failed');
      throw err;
    }
    runtime.lifecycle.installSignalHandlers();
  });
}
