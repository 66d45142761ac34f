// A service runtime: the logger, store, event bus, admin server and lifecycle a control-plane
// service is built from. Entry points (services/*/main.ts) create one from their config and hand
// it to the service's modules; tests build the same with memory or real backends.
import type { Logger } from 'pino';
import { startAdminServer, type RunningAdminServer } from './admin/admin-server.js';
import { createBus, type BusConfig } from './bus/index.js';
import type { EventBus } from './bus/bus.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger } from './log.js';
import { createStore, type StoreConfig } from './store/index.js';
import type { Store } from './store/store.js';
import { createTracing, type Tracing, type TracingConfig } from './tracing/tracing.js';

export interface RuntimeConfig {
  cluster: string;
  zone: string;
  instance: string;
  logLevel: string;
  store: StoreConfig;
  bus: BusConfig;
  admin: { host: string; port: number };
  /** OTLP export of this service's spans; absent or without an endpoint: off. */
  tracing?: Partial<TracingConfig>;
}

export interface Runtime {
  service: string;
  config: RuntimeConfig;
  logger: Logger;
  store: Store;
  bus: EventBus;
  admin: RunningAdminServer;
  lifecycle: Lifecycle;
  tracing: Tracing;
}

export interface RuntimeOverrides {
  logger?: Logger;
  /** Use an existing store/bus (dev mode shares one memory store and hub across services). */
  store?: Store;
  bus?: EventBus;
}

export async function createRuntime(service: string, config: RuntimeConfig, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const logger =
    overrides.logger ?? createLogger({ service, cluster: config.cluster, instance: config.instance, level: config.logLevel });
  const lifecycle = new Lifecycle(logger);
  try {
    const store = overrides.store ?? (await createStore(config.store, logger));
    if (!overrides.store) lifecycle.add('store', () => store.close());
    const bus =
      overrides.bus ?? (await createBus(config.bus, { cluster: config.cluster, service, replica: config.instance }, logger));
    if (!overrides.bus) lifecycle.add('bus', () => bus.close());
    const admin = await startAdminServer({ host: config.admin.host, port: config.admin.port, logger });
    lifecycle.add('admin', () => admin.close());
    const tracing = createTracing(config.tracing, { service, namespace: 'plexus', instance: config.instance, cluster: config.cluster });
    // Closed after the service parts registered later (reverse order): their last spans still go out.
    lifecycle.add('tracing', () => tracing.shutdown());
    return { service, config, logger, store, bus, admin, lifecycle, tracing };
  } catch (err) {
    await lifecycle.shutdown('start-up failed');
    throw err;
  }
}
