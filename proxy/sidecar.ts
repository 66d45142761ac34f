// The sidecar, assembled: listeners, the mesh config fed by the discovery stream, the
// registration, telemetry and the admin port. Lifecycle (DESIGN.md "Lifecycles"):
//   start → listeners up (inbound denies until its policy arrives) → register → open the
//   discovery stream → ready once the Inbound policy and the first responses are applied →
//   serve (with the control plane down: keep the last good config, reconnect with backoff) →
//   drain(): DRAINING in the registry, stop accepting inbound connections, let in-flight
//   requests finish (up to drainTimeoutMs), then deregister and close.
import type { Logger } from 'pino';
import { createLogger } from '../lib/log.js';
import { sleep } from '../lib/registry-client/index.js';
import { startProxyAdmin, type ProxyAdmin } from './admin.js';
import { ControlPlaneLink } from './control-plane-link.js';
import { MeshConfig } from './config/mesh-config.js';
import type { ProxyConfig } from './config/proxy-config.js';
import { createInboundHandler } from './http/inbound-handler.js';
import { HttpListener, type ListenerLimits } from './http/listener.js';
import { createOutboundHandler } from './http/outbound-handler.js';
import { defaultRoute } from './routing/route-table.js';
import { ProxyMetrics } from './telemetry/metrics.js';
import { Telemetry } from './telemetry/telemetry.js';
import { Cluster, DEFAULT_RESILIENCE } from './upstream/cluster.js';

export const PROXY_VERSION = '0.1.0';

export interface SidecarOptions {
  logger?: Logger;
  /**
   * false: do not register or open the discovery stream; config is fed through `mesh.apply`
   * (data-plane tests and benchmarks). Default true.
   */
  controlPlane?: boolean;
}

export interface Sidecar {
  readonly config: ProxyConfig;
  readonly identity: string;
  readonly ports: { admin: number; outbound: number; inbound: number };
  readonly mesh: MeshConfig;
  readonly metrics: ProxyMetrics;
  /** undefined when ready, else why not. */
  readiness(): string | undefined;
  /** Resolves once registered (rejects if stopped first). */
  registered(): Promise<void>;
  /** Graceful shutdown (SIGTERM): drain, deregister, close. Idempotent. */
  drain(): Promise<void>;
  /** Immediate shutdown without draining or deregistering (tests: a crash). */
  close(): Promise<void>;
}

export async function startSidecar(config: ProxyConfig, options: SidecarOptions = {}): Promise<Sidecar> {
  const identity = `${config.namespace}/${config.service}`;
  const logger = options.logger ?? createLogger({ service: 'proxy', cluster: config.cluster, instance: config.instance, level: config.logLevel });
  const metrics = new ProxyMetrics();
  const telemetry = new Telemetry(metrics, config.accessLog ? logger.child({ log: 'access' }) : undefined);
  const locality = { zone: config.zone, cluster: config.cluster };
  const mesh = new MeshConfig({
    identity,
    locality,
    metrics,
    logger,
    onDemandTimeoutMs: config.onDemandTimeoutMs,
    trustedSources: config.trustedSources,
  });
  const limits: ListenerLimits = {
    maxHeaderBytes: config.limits.maxHeaderBytes,
    headersTimeoutMs: config.limits.headersTimeoutMs,
    requestTimeoutMs: config.limits.requestTimeoutMs,
    keepAliveTimeoutMs: config.limits.keepAliveTimeoutMs,
    h2IdleTimeoutMs: config.limits.h2IdleTimeoutMs,
  };

  // The local app, as an upstream of the inbound side: one host, no outlier detection.
  const app = new Cluster(`app:${identity}`, locality, metrics, DEFAULT_RESILIENCE);
  app.setEndpoints([
    { id: 'app', address: config.app.host, port: config.app.port, protocol: config.app.protocol, zone: config.zone, cluster: config.cluster, weight: 1, labels: {} },
  ]);

  const outbound = new HttpListener({
    name: 'outbound',
    host: config.outbound.host,
    port: config.outbound.port,
    limits,
    logger,
    handler: createOutboundHandler({
      identity,
      namespace: config.namespace,
      lookup: mesh,
      telemetry,
      bufferLimit: config.limits.retryBufferBytes,
      onRetry: (destination) => metrics.retries.inc({ destination }),
    }),
  });
  const inbound = new HttpListener({
    name: 'inbound',
    host: config.inbound.host,
    port: config.inbound.port,
    limits,
    logger,
    handler: createInboundHandler({
      identity,
      access: () => mesh.access(),
      trust: mesh,
      app,
      appRoute: defaultRoute(null, null),
      telemetry,
      bufferLimit: config.limits.retryBufferBytes,
    }),
  });

  let admin: ProxyAdmin | undefined;
  let link: ControlPlaneLink | undefined;
  let draining = false;

  const ports = { admin: 0, outbound: 0, inbound: 0 };
  try {
    ports.outbound = await outbound.listen();
    ports.inbound = await inbound.listen();
  } catch (err) {
    outbound.destroyAll();
    inbound.destroyAll();
    app.close();
    throw err;
  }

  const readiness = (): string | undefined => {
    if (draining) return 'draining';
    if (options.controlPlane === false) return mesh.readiness();
    if (!link?.registration) return link?.registrationError ? `not registered: ${link.registrationError}` : 'not registered yet';
    return mesh.readiness();
  };

  admin = await startProxyAdmin(
    config.admin.host,
    config.admin.port,
    {
      metrics,
      readiness,
      configDump: () => ({
        node: { instance: config.instance, identity, cluster: config.cluster, zone: config.zone, labels: config.labels, version: PROXY_VERSION },
        controlPlane: link?.describe() ?? { connected: false, registration: { state: 'disabled' } },
        ...mesh.dump(),
      }),
      endpoints: () => ({
        app: app.describe(),
        upstreams: mesh.clusters().map((c) => c.describe()),
      }),
    },
    logger,
  ).catch((err: unknown) => {
    outbound.destroyAll();
    inbound.destroyAll();
    app.close();
    throw err;
  });
  ports.admin = admin.port;
  logger.info({ identity, ports, app: `${config.app.host}:${config.app.port}` }, 'proxy listening');

  // Register, then follow the config stream (skipped when config is fed directly).
  link =
    options.controlPlane === false
      ? undefined
      : new ControlPlaneLink({
          registry: config.controlPlane.registry,
          configPush: config.controlPlane.configPush,
          token: config.controlPlane.token,
          instance: {
            namespace: config.namespace,
            service: config.service,
            id: config.instance,
            address: config.advertiseAddress,
            port: ports.inbound,
            protocol: config.app.protocol,
            zone: config.zone,
            labels: config.labels,
            weight: config.weight,
            metadata: { proxyVersion: PROXY_VERSION, adminPort: String(ports.admin) },
            ...(config.controlPlane.ttlSeconds !== undefined ? { ttlSeconds: config.controlPlane.ttlSeconds } : {}),
          },
          node: {
            instanceId: config.instance,
            namespace: config.namespace,
            service: config.service,
            cluster: config.cluster,
            zone: config.zone,
            labels: config.labels,
            proxyVersion: PROXY_VERSION,
          },
          mesh,
          metrics,
          logger,
          prefetch: config.dependencies,
        });
  link?.start();

  const shutdown = async (): Promise<void> => {
    link?.close();
    mesh.close();
    app.close();
    outbound.destroyAll();
    inbound.destroyAll();
    await admin?.close();
  };

  let draining$: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    draining = true;
    logger.info({ drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    const deadline = Date.now() + config.drainTimeoutMs;
    const registration = link?.registration;
    if (registration) {
      await registration.setHealth('DRAINING').catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'could not mark DRAINING'));
    }
    // Inbound first: callers move elsewhere. Outbound stays up while inbound requests finish
    // (they may still call other services), then closes too.
    const inboundClosed = inbound.stopAccepting();
    await Promise.race([inboundClosed, waitUntil(() => telemetry.activeRequests('inbound') === 0, deadline)]);
    const outboundClosed = outbound.stopAccepting();
    await Promise.race([
      Promise.all([inboundClosed, outboundClosed]),
      waitUntil(() => telemetry.activeRequests() === 0, deadline),
    ]);
    const left = telemetry.activeRequests();
    if (left > 0) logger.warn({ left }, 'drain timeout: cutting requests still in flight');
    if (registration) {
      await registration.deregister().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'deregistration failed'));
    }
    await shutdown();
    logger.info('drained and stopped');
  };

  return {
    config,
    identity,
    ports,
    mesh,
    metrics,
    readiness,
    registered: () => link?.registered() ?? Promise.resolve(),
    drain: () => (draining$ ??= drain()),
    close: async () => {
      draining = true;
      await link?.registration?.stop();
      await shutdown();
    },
  };
}

/** Resolves when `done()` holds (checked every 20 ms) or at the deadline. */
async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await sleep(20);
}
