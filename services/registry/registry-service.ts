// Starts the registry on a runtime (store, bus, logger, admin): the instance view, the reaper
// that judges liveness (reaper.ts), the removal claims that announce expiries exactly once, and
// the gRPC API. Tests and dev mode call startRegistry in-process; main.ts does the same for the
// standalone binary.
import { storeReadiness } from '../../lib/admin/store-readiness.js';
import { loadPackageDefinition, serviceClient } from '../../lib/grpc/proto.js';
import { startGrpcServer } from '../../lib/grpc/server.js';
import { REGISTRY_PROTO, REGISTRY_SERVICE } from '../../lib/registry-client/registry-api.js';
import type { Runtime } from '../../lib/runtime.js';
import { instancesPrefix } from '../../lib/store/keys.js';
import type { RegistryOptions } from './config.js';
import { InstanceEvents } from './events.js';
import { registryHandlers } from './grpc-handlers.js';
import { InstanceRegistry } from './instance-registry.js';
import { InstanceView } from './instance-view.js';
import { registerInstanceCounts, registerUnconfirmedCount } from './metrics.js';
import { LivenessMarkers } from './liveness-markers.js';
import { Reaper } from './reaper.js';
import { RemovalClaims } from './removal-claims.js';
import { storeGuard, tolerantDefinition } from '../../lib/grpc/edge/index.js';
import type { StreamSession } from './watch-stream.js';
import { RegistryAccess } from './access.js';
import { Authenticator, type AuthConfig } from '../../lib/auth/operator-auth.js';
import { serverSecurity, type SecurityConfig } from '../../lib/config/service.js';
import { DEFAULT_TRUST_DOMAIN } from '../../lib/model/names.js';

export { REGISTRY_PROTO, REGISTRY_SERVICE };

export interface RegistryStartConfig extends SecurityConfig {
  cluster: string;
  zone: string;
  /** This replica's name (logs, claims). */
  instance: string;
  grpc: { host: string; port: number };
  registry: RegistryOptions;
  /**
   * Operators' tokens for Get/List/Watch. Default: none — except with insecure: true, where an
   * anonymous admin keeps plaintext test set-ups working.
   */
  auth?: AuthConfig | undefined;
}

export interface RegistryHandle {
  port: number;
  /** `host:port` of the gRPC API. */
  address: string;
  registry: InstanceRegistry;
  view: InstanceView;
  claims: RemovalClaims;
  reaper: Reaper;
  close(): Promise<void>;
}

export async function startRegistry(runtime: Runtime, config: RegistryStartConfig): Promise<RegistryHandle> {
  const { store, bus } = runtime;
  const logger = runtime.logger.child({ component: 'registry' });
  const opts = config.registry;
  const { security, close: closeSecurity } = serverSecurity(config, logger);
  const auth = new Authenticator(config.auth ?? { tokens: [], anonymous: config.insecure === true ? 'admin' : 'none' });
  if (auth.locked) logger.warn('no operator tokens configured: Get, List and Watch will be refused');
  const access = new RegistryAccess({
    insecure: security?.insecure === true,
    trustDomain: config.trustDomain ?? DEFAULT_TRUST_DOMAIN,
    auth,
    registrationsPerSecond: opts.registrationsPerSecond,
  });
  const call = storeGuard(opts.storeTimeoutMs);
  const events = new InstanceEvents(bus, logger);
  const claims = new RemovalClaims({
    store,
    call,
    cluster: config.cluster,
    replica: config.instance,
    claimTtlSeconds: opts.claimTtlSeconds,
    events,
    logger,
  });
  const view = new InstanceView({
    store,
    call,
    prefix: instancesPrefix(config.cluster),
    logger,
    onRemoved: (removal) => claims.handle(removal),
  });
  await view.start();
  const unregisterCounts = registerInstanceCounts(view);
  const registry = new InstanceRegistry({
    store,
    call,
    view,
    events,
    cluster: config.cluster,
    maxInstancesPerService: opts.maxInstancesPerService,
    markers: new LivenessMarkers(store, call, config.cluster),
    claims,
    outageAllowanceSeconds: opts.outageAllowanceSeconds,
    logger,
  });
  const reaper = new Reaper({
    store,
    call,
    view,
    cluster: config.cluster,
    graceSeconds: opts.expiryGraceSeconds,
    tickMs: opts.reaperTickMs,
    logger,
  });
  const sessions = new Set<StreamSession>();
  const implementation = registryHandlers({
    registry,
    validation: {
      defaultZone: config.zone,
      defaultTtlSeconds: opts.defaultTtlSeconds,
      minTtlSeconds: opts.minTtlSeconds,
      maxTtlSeconds: opts.maxTtlSeconds,
      maxMetadataBytes: opts.maxMetadataBytes,
    },
    cluster: config.cluster,
    logger,
    watch: { store, call, cluster: config.cluster, logger, sessions },
    sessions,
    access,
    liveness: reaper,
  });
  let server;
  try {
    server = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      services: [
        { name: REGISTRY_SERVICE, definition: tolerantDefinition(serviceClient(REGISTRY_PROTO, REGISTRY_SERVICE).service), implementation },
      ],
      reflection: [loadPackageDefinition(REGISTRY_PROTO)],
      logger,
      maxReceiveMessageBytes: opts.maxRequestBytes,
      security,
    });
  } catch (err) {
    closeSecurity();
    unregisterCounts();
    await view.close();
    throw err;
  }
  // Judging starts once this replica serves: its healthy period begins now.
  await reaper.start();
  const unregisterUnconfirmed = registerUnconfirmedCount(reaper);
  runtime.admin.addReadiness({
    name: 'registry',
    check: () => (view.synced ? undefined : 'instance view is not in sync with the store (re-listing)'),
  });
  // Register, Heartbeat and Deregister all write the store: without it the API cannot serve.
  runtime.admin.addReadiness(storeReadiness(runtime.store));

  let closing: Promise<void> | undefined;
  const grpcServer = server;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Open streams would hold tryShutdown until the grace period; end them first.
      for (const s of [...sessions]) s.shutdown();
      await grpcServer.close(2000);
      closeSecurity();
      unregisterCounts();
      unregisterUnconfirmed();
      await reaper.close();
      await view.close();
      await claims.close();
      logger.info('registry stopped');
    })();
    return closing;
  };
  runtime.lifecycle.add('registry', close);
  return { port: grpcServer.port, address: grpcServer.address, registry, view, claims, reaper, close };
}
