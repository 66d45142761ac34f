// A Plexus service started inside the test process on its own runtime (admin port and gRPC on
// free ports, log level from PLEXUS_LOG_LEVEL, silent by default); the runtime is shut down
// again when the service fails to start.
import type { BusConfig } from '../../lib/bus/index.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../../lib/runtime.js';
import type { StoreConfig } from '../../lib/store/index.js';

export interface InProcessOptions {
  cluster: string;
  zone: string;
  /** The instance name. */
  name: string;
  store: StoreConfig;
  bus: BusConfig;
  overrides?: RuntimeOverrides | undefined;
}

export interface InProcessService<H> {
  name: string;
  handle: H;
  runtime: Runtime;
  address: string;
  close(): Promise<void>;
}

export async function startInProcess<H extends { address: string }>(
  service: string,
  opts: InProcessOptions,
  start: (runtime: Runtime) => Promise<H>,
): Promise<InProcessService<H>> {
  const runtime = await createRuntime(
    service,
    {
      cluster: opts.cluster,
      zone: opts.zone,
      instance: opts.name,
      logLevel: process.env.PLEXUS_LOG_LEVEL ?? 'silent',
      store: opts.store,
      bus: opts.bus,
      admin: { host: '127.0.0.1', port: 0 },
    },
    opts.overrides,
  );
  try {
    const handle = await start(runtime);
    return { name: opts.name, handle, runtime, address: handle.address, close: () => runtime.lifecycle.shutdown('test done') };
  } catch (err) {
    await runtime.lifecycle.shutdown('start failed');
    throw err;
  }
}
