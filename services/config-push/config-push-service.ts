// Starts config-push on a runtime (store, bus, logger, admin): the mesh view kept equal to the
// store, the resource cache computed from it (what to serve), the discovery server streaming it
// (how to serve), and the Status API. Tests and dev mode call startConfigPush in-process;
// main.ts does the same for the standalone binary.
import { storeReadiness } from '../../lib/admin/store-readiness.js';
import type * as grpc from '@grpc/grpc-js';
import { loadPackageDefinition } from '../../lib/grpc/proto.js';
import { guardedStore, tolerantDefinition } from '../../lib/grpc/edge/index.js';
import { startGrpcServer } from '../../lib/grpc/server.js';
import { MeshView } from '../../lib/mesh/mesh-view.js';
import { clusterSource, MeshViewSync } from '../../lib/mesh/mesh-view-sync.js';
import { policyCodec } from '../../lib/mesh/policy-codec.js';
import { meshResourceBuilder } from '../../lib/mesh/resource-builder.js';
import { ResourceCache } from '../../lib/mesh/resource-cache.js';
import type { Policy } from '../../lib/policy/index.js';
import type { DeltaResponse } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import { traceRollouts } from './rollout-trace.js';
import type { Runtime } from '../../lib/runtime.js';
import { Authenticator, type AuthConfig } from '../../lib/auth/operator-auth.js';
import { serverSecurity, type SecurityConfig } from '../../lib/config/service.js';
import { peerIdentity } from '../../lib/identity/peer-identity.js';
import { DEFAULT_TRUST_DOMAIN } from '../../lib/model/names.js';
import type { ConfigPushOptions } from './config.js';
import { DeltaServer } from './delta-server.js';
import { serializeWithEncoded, type PreEncodedResponse } from './encoded-resources.js';
import { configPushMetrics, registerLiveState } from './metrics.js';
import { statusHandlers } from './status-api.js';
import { adsDefinition, ADS_SERVICE } from './xds/xds-proto.js';
import { XdsServer } from './xds/xds-server.js';
import { workloadXdsAuthorizer } from './xds/xds-auth.js';
import type { XdsAuthorizer } from './xds/xds-stream.js';

export const DISCOVERY_PROTO = 'plexus/discovery/v1/discovery.proto';
export const STATUS_PROTO = 'plexus/discovery/v1/status.proto';
export const DISCOVERY_SERVICE = 'plexus.discovery.v1.Discovery';
export const STATUS_SERVICE = 'plexus.discovery.v1.Status';

export interface ConfigPushStartConfig extends SecurityConfig {
  cluster: string;
  /** This replica's name (status output, logs). */
  instance: string;
  grpc: { host: string; port: number };
  configPush: ConfigPushOptions;
  /** Envoy xDS v3 ADS on the same port. `authorize` decides whether a stream's peer may subscribe (default: allow). */
  xds?: {
    /** Replaces the default rule (insecure: allow all; else a workload certificate, see xds-auth.ts). */
    authorize?: XdsAuthorizer;
    /**
     * A second, plaintext listener serving only ADS to peers on this machine, for xDS clients
     * that cannot speak TLS to their xDS server (@grpc/grpc-js-xds). Off by default.
     */
    plaintext?: { host: string; port: number };
  };
  /**
   * Operators' tokens for the Status API. Default: none — except with insecure: true, where an
   * anonymous admin keeps plaintext test set-ups working.
   */
  auth?: AuthConfig | undefined;
}

export interface ConfigPushHandle {
  port: number;
  /** `host:port` of the gRPC API. */
  address: string;
  view: MeshView<Policy>;
  cache: ResourceCache<Policy>;
  sync: MeshViewSync;
  server: DeltaServer;
  xds: XdsServer;
  /** The plaintext loopback ADS listener's port, when `xds.plaintext` is configured. */
  xdsPlaintextPort: number | undefined;
  close(): Promise<void>;
}

/** The Discovery service definition, counting the bytes of every response it serializes. */
function countingDiscoveryDefinition(): grpc.ServiceDefinition {
  const pkg = loadPackageDefinition(DISCOVERY_PROTO, STATUS_PROTO);
  const def = pkg[DISCOVERY_SERVICE] as grpc.ServiceDefinition;
  const method = def.DeltaResources!;
  const serialize = method.responseSerialize as (value: DeltaResponse) => Buffer;
  return {
    ...def,
    DeltaResources: {
      ...method,
      responseSerialize: (value: PreEncodedResponse) => {
        const buf = serializeWithEncoded(serialize, value);
        configPushMetrics.pushBytes.inc({ type: value.type ?? '' }, buf.length);
        return buf;
      },
    },
  };
}

export async function startConfigPush(runtime: Runtime, config: ConfigPushStartConfig): Promise<ConfigPushHandle> {
  const { store, bus } = runtime;
  const logger = runtime.logger.child({ component: 'config-push' });
  const opts = config.configPush;
  const { security, close: closeSecurity } = serverSecurity(config, logger);
  const insecure = security?.insecure === true;
  const trustDomain = config.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const auth = new Authenticator(config.auth ?? { tokens: [], anonymous: insecure ? 'admin' : 'none' });
  if (auth.locked) logger.warn('no operator tokens configured: the Status API (proxy-status, rollouts) will be refused');

  const view = new MeshView<Policy>({
    cluster: config.cluster,
    policyCodec,
    onInvalid: (key, reason) => {
      configPushMetrics.invalidValues.inc();
      logger.warn({ key, reason }, 'stored value unusable: treated as absent');
    },
    selfPreservation: opts.selfPreservation,
    onPreservation: (event, held, count) => {
      const instance = `${held.service}/${held.instance.id}`;
      if (event === 'held') logger.warn({ instance, unconfirmed: count }, 'self-preservation: instance expired without deregistering during a mass expiry; kept, served unconfirmed');
      else if (event === 'returned') logger.info({ instance, unconfirmed: count }, 'self-preservation: unconfirmed instance registered again; confirmed');
      else logger.info({ instance, unconfirmed: count }, 'self-preservation: unconfirmed instance did not return within the grace period; removed');
      if (count === 0) logger.info('self-preservation ended: no unconfirmed instances left');
    },
  });
  const sweeper = setInterval(() => view.sweepUnconfirmed(), 1000);
  sweeper.unref();
  const cache = new ResourceCache<Policy>({
    view,
    builder: meshResourceBuilder,
    debounceMs: opts.debounceMs,
    maxDelayMs: opts.maxDelayMs,
    onError: (err, type, name) => {
      configPushMetrics.recomputeErrors.inc();
      logger.error({ err, type, name }, 'building a resource failed; serving its previous version');
    },
  });
  const sync = new MeshViewSync({
    sources: [clusterSource(view, store, bus)],
    logger,
    watch: opts.storeWatch,
    antiEntropyMs: opts.antiEntropySeconds * 1000,
    onRelist: (reason, repaired) => {
      configPushMetrics.relists.inc({ reason });
      // The first listing fills an empty view: nothing was wrong.
      if (repaired > 0 && reason !== 'start') configPushMetrics.repairs.inc({ reason }, repaired);
    },
    onEvent: (source, outcome) => configPushMetrics.viewChanges.inc({ source, outcome }),
  });

  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        logger.warn({ err }, 'error while closing config-push');
      }
    }
    closers.length = 0;
  };
  try {
    closers.push(() => clearInterval(sweeper));
    closers.push(closeSecurity);
    closers.push(() => cache.close());
    closers.push(() => sync.close());
    // Serve nothing before the first listing: a proxy must never get an empty mesh by mistake.
    await sync.start();
    cache.rebuildAll();

    const server = new DeltaServer({
      cache,
      cluster: config.cluster,
      replica: config.instance,
      maxNames: opts.maxSubscriptions,
      maxInflight: opts.maxInflight,
      viewRevision: () => view.revision,
      logger,
      identify: insecure ? undefined : (call) => peerIdentity(call, trustDomain, 'discovery streams need the proxy\'s workload certificate (mTLS)'),
    });
    closers.push(() => server.close());
    const xds = new XdsServer({
      cache,
      plexus: server,
      cluster: config.cluster,
      maxNames: opts.maxSubscriptions,
      maxInflight: opts.maxInflight,
      logger,
      authorize: config.xds?.authorize ?? (insecure ? () => true : workloadXdsAuthorizer(trustDomain, config.xds?.plaintext !== undefined)),
    });
    closers.push(() => xds.close());
    closers.push(
      registerLiveState({
        connectedProxies: () => server.connected().length,
        queuedByType: () => server.queuedByType(),
        inflightByType: () => server.inflightByType(),
        dirtyResources: () => cache.dirtyCount,
        viewRevision: () => view.revision,
        unconfirmedEndpoints: () => view.unconfirmedCount,
      }),
    );

    const pkg = loadPackageDefinition(DISCOVERY_PROTO, STATUS_PROTO);
    const rollout = {
      store: guardedStore(store, opts.storeTimeoutMs),
      view,
      cache,
      server,
      cluster: config.cluster,
      replica: config.instance,
      defaultTimeoutMs: opts.rolloutTimeoutMs,
      relist: () => sync.relist('rollout'),
      logger,
    };
    const status = statusHandlers({
      server,
      cache,
      replica: config.instance,
      viewRevision: () => view.revision,
      logger,
      authorize: (metadata, action) => auth.authorize(auth.authenticate(metadata), 'viewer', action),
      rollout,
    });
    let xdsPlainPort: number | undefined;
    const tracer = runtime.tracing.tracer;
    if (tracer) closers.push(await traceRollouts(rollout, bus, tracer, logger));
    const grpcServer = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      services: [
        { name: DISCOVERY_SERVICE, definition: tolerantDefinition(countingDiscoveryDefinition()), implementation: { DeltaResources: server.handle } },
        { name: STATUS_SERVICE, definition: tolerantDefinition(pkg[STATUS_SERVICE] as grpc.ServiceDefinition), implementation: status },
        { name: ADS_SERVICE, definition: adsDefinition(), implementation: xds.implementation },
      ],
      reflection: [pkg],
      logger,
      maxReceiveMessageBytes: opts.maxRequestBytes,
      security,
    });
    // Streams are ended by server.close() first, so the graceful shutdown does not wait on them.
    closers.splice(closers.length - 3, 0, () => grpcServer.close(2000));
    if (config.xds?.plaintext && !insecure) {
      const plain = config.xds.plaintext;
      const xdsPlain = await startGrpcServer({
        host: plain.host,
        port: plain.port,
        services: [{ name: ADS_SERVICE, definition: adsDefinition(), implementation: xds.implementation }],
        reflection: [],
        logger,
        maxReceiveMessageBytes: opts.maxRequestBytes,
        security: { insecure: true },
      });
      xdsPlainPort = xdsPlain.port;
      closers.splice(closers.length - 3, 0, () => xdsPlain.close(2000));
      logger.info({ address: xdsPlain.address }, 'xDS (ADS) also served in plaintext to peers on this machine');
    }

    runtime.admin.addReadiness({
      name: 'mesh-view',
      check: () => {
        if (!view.initialized) return 'mesh view not listed from the store yet';
        // The view is served as it was while the store is away, but it is not in sync.
        if (sync.lastError !== undefined) return `mesh view not in sync: ${(sync.lastError as Error).message ?? String(sync.lastError)}`;
        return undefined;
      },
    });
    runtime.admin.addReadiness(storeReadiness(store));
    logger.info(
      { address: grpcServer.address, keys: view.size, revision: view.revision, watch: opts.storeWatch, bus: bus.kind },
      'config-push serving',
    );
    const handle: ConfigPushHandle = {
      port: grpcServer.port,
      address: grpcServer.address,
      view,
      cache,
      sync,
      server,
      xds,
      xdsPlaintextPort: xdsPlainPort,
      close: closeAll,
    };
    runtime.lifecycle.add('config-push', () => handle.close());
    return handle;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
