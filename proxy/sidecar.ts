// The sidecar: the proxy core (proxy-core.ts) with two listeners, outbound (the app's calls into
// the mesh) and inbound (the mesh's calls to the app, under the access policy). Inbound denies
// until its policy arrives; on drain it stops first, so callers move elsewhere while outbound
// still serves the requests in flight. With a workload certificate, inbound terminates mTLS
// (the caller is its certificate's identity) and outbound originates it (proxy-core.ts).
import type { Logger } from 'pino';
import type { MeshConfig } from './config/mesh-config.js';
import type { ProxyConfig } from './config/proxy-config.js';
import { createInboundHandler } from './http/inbound-handler.js';
import { HttpListener } from './http/listener.js';
import { createProxyCore } from './proxy-core.js';
import { inboundTls } from './security/inbound-tls.js';
import type { MeshTls } from './security/mesh-tls.js';
import { defaultRoute } from './routing/route-table.js';
import type { ProxyMetrics } from './telemetry/metrics.js';
import { Cluster, DEFAULT_RESILIENCE } from './upstream/cluster.js';

export interface SidecarOptions {
  logger?: Logger;
  /**
   * false: do not register or open the discovery stream; config is fed through `mesh.apply`
   * (data-plane tests and benchmarks). Default true.
   */
  controlPlane?: boolean;
  /** false: serve HTTP/1.1 with node:http only (tests of the fallback). Default: the listener's. */
  fastPath?: boolean;
  /** mTLS material given directly (static proxies without a control plane: tests, benchmarks). */
  meshTls?: MeshTls;
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
  const core = await createProxyCore({ config, logName: 'proxy', logger: options.logger, controlPlane: options.controlPlane !== false, meshTls: options.meshTls });
  const { identity, logger, metrics, telemetry, mesh, limits } = core;
  const locality = { zone: config.zone, cluster: config.cluster };

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
    ...(options.fastPath !== undefined ? { fastPath: options.fastPath } : {}),
    handler: core.outboundHandler(),
  });
  const inbound = new HttpListener({
    name: 'inbound',
    host: config.inbound.host,
    port: config.inbound.port,
    limits,
    logger,
    ...(options.fastPath !== undefined ? { fastPath: options.fastPath } : {}),
    ...(core.meshTls ? { tls: inboundTls(core.meshTls) } : {}),
    handler: createInboundHandler({
      identity,
      access: () => mesh.access(),
      mtlsMode: () => mesh.mtlsMode(),
      app,
      appRoute: defaultRoute(null, null),
      telemetry,
      bufferLimit: config.limits.retryBufferBytes,
    }),
  });

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

  const proxy = await core.start({
    listeners: [outbound, inbound],
    drain: [
      { listener: inbound, idle: () => telemetry.activeRequests('inbound') === 0 },
      { listener: outbound, idle: () => telemetry.activeRequests() === 0 },
    ],
    instance: { port: ports.inbound, protocol: config.app.protocol, labels: config.labels, weight: config.weight },
    prefetch: config.dependencies,
    controlPlane: options.controlPlane !== false,
    node: { labels: config.labels },
    endpoints: () => ({ app: app.describe(), upstreams: mesh.clusters().map((c) => c.describe()) }),
    close: () => app.close(),
  });
  ports.admin = proxy.adminPort;
  logger.info({ identity, ports, app: `${config.app.host}:${config.app.port}` }, 'proxy listening');

  return {
    config,
    identity,
    ports,
    mesh,
    metrics,
    readiness: proxy.readiness,
    registered: proxy.registered,
    drain: proxy.drain,
    close: proxy.close,
  };
}
