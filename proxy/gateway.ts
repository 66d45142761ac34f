// The ingress gateway: the proxy in gateway mode. Traffic from outside the mesh arrives on
// `gateway.listen`; each request is matched to a route (host, path prefix) and sent to that mesh
// service through the same outbound handling a sidecar uses (routing, retries, outlier
// detection, telemetry). The original Host travels on in x-forwarded-host. The gateway
// registers itself as an instance of its own service and follows config like any proxy.
import type http2 from 'node:http2';
import type { Logger } from 'pino';
import { createLogger } from '../lib/log.js';
import { sleep } from '../lib/registry-client/index.js';
import { startProxyAdmin, type ProxyAdmin } from './admin.js';
import { ControlPlaneLink } from './control-plane-link.js';
import { matchGatewayRoute, type GatewayConfig } from './config/gateway-config.js';
import { MeshConfig } from './config/mesh-config.js';
import { HttpListener } from './http/listener.js';
import type { AnyRequest, AnyResponse } from './http/local-reply.js';
import { createOutboundHandler } from './http/outbound-handler.js';
import { PROXY_VERSION } from './sidecar.js';
import { ProxyMetrics } from './telemetry/metrics.js';
import { Telemetry } from './telemetry/telemetry.js';

export interface Gateway {
  readonly port: number;
  readonly adminPort: number;
  readonly mesh: MeshConfig;
  /** Resolves once registered and the first config for every route's service is applied. */
  ready(timeoutMs?: number): Promise<void>;
  readiness(): string | undefined;
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  logger?: Logger;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const identity = `${config.namespace}/${config.service}`;
  const logger = options.logger ?? createLogger({ service: 'gateway', cluster: config.cluster, instance: config.instance, level: config.logLevel });
  const metrics = new ProxyMetrics();
  const telemetry = new Telemetry(metrics, config.accessLog ? logger.child({ log: 'access' }) : undefined);
  const mesh = new MeshConfig({
    identity,
    locality: { zone: config.zone, cluster: config.cluster },
    metrics,
    logger,
    onDemandTimeoutMs: config.onDemandTimeoutMs,
    trustedSources: [],
  });
  const outbound = createOutboundHandler({
    identity,
    namespace: config.namespace,
    lookup: mesh,
    telemetry,
    bufferLimit: config.limits.retryBufferBytes,
    onRetry: (destination) => metrics.retries.inc({ destination }),
  });

  // Rewrite the authority to the routed service and hand the request to the outbound side.
  const handler = (req: AnyRequest, res: AnyResponse): void => {
    const h2 = req.httpVersionMajor === 2;
    const host = h2 ? (req as http2.Http2ServerRequest).authority : req.headers.host;
    const url = req.url ?? '/';
    if (!url.startsWith('/')) {
      res.writeHead(400, { 'content-type': 'text/plain', 'x-plexus-flags': 'DPE' });
      res.end('the gateway accepts origin-form request targets only\n');
      return;
    }
    const route = matchGatewayRoute(config.gateway.routes, host, url.split('?')[0] ?? '/');
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain', 'x-plexus-flags': 'NR' });
      res.end(`no gateway route for ${host ?? ''}${url.split('?')[0]}\n`);
      return;
    }
    const [ns, svc] = route.service.split('/') as [string, string];
    if (host) req.headers['x-forwarded-host'] = host;
    if (h2) req.headers[':authority'] = `${svc}.${ns}`;
    else req.headers.host = `${svc}.${ns}`;
    outbound(req, res);
  };

  const listener = new HttpListener({
    name: 'gateway',
    host: config.gateway.listen.host,
    port: config.gateway.listen.port,
    logger,
    handler,
    limits: {
      maxHeaderBytes: config.limits.maxHeaderBytes,
      headersTimeoutMs: config.limits.headersTimeoutMs,
      requestTimeoutMs: config.limits.requestTimeoutMs,
      keepAliveTimeoutMs: config.limits.keepAliveTimeoutMs,
      h2IdleTimeoutMs: config.limits.h2IdleTimeoutMs,
    },
  });
  const port = await listener.listen();

  let link: ControlPlaneLink | undefined;
  let draining = false;
  const routeServices = [...new Set(config.gateway.routes.map((r) => r.service))];

  const readiness = (): string | undefined => {
    if (draining) return 'draining';
    if (!link?.registration) return 'not registered yet';
    const why = mesh.readiness();
    if (why) return why;
    const missing = routeServices.filter((s) => !mesh.get(s));
    return missing.length ? `no endpoints yet for ${missing.join(', ')}` : undefined;
  };

  let admin: ProxyAdmin;
  try {
    admin = await startProxyAdmin(
      config.admin.host,
      config.admin.port,
      {
        metrics,
        readiness,
        configDump: () => ({
          node: { instance: config.instance, identity, mode: 'gateway', cluster: config.cluster, zone: config.zone, version: PROXY_VERSION },
          gateway: { listen: `${config.gateway.listen.host}:${port}`, routes: config.gateway.routes },
          controlPlane: link?.describe() ?? {},
          ...mesh.dump(),
        }),
        endpoints: () => ({ upstreams: mesh.clusters().map((c) => c.describe()) }),
      },
      logger,
    );
  } catch (err) {
    listener.destroyAll();
    throw err;
  }
  logger.info({ identity, listen: `${config.gateway.listen.host}:${port}`, routes: config.gateway.routes }, 'gateway listening');

  link = new ControlPlaneLink({
    registry: config.controlPlane.registry,
    configPush: config.controlPlane.configPush,
    token: config.controlPlane.token,
    instance: {
      namespace: config.namespace,
      service: config.service,
      id: config.instance,
      address: config.advertiseAddress,
      port,
      protocol: 'http1',
      zone: config.zone,
      labels: { ...config.labels, 'plexus.dev/mode': 'gateway' },
      weight: 100,
      metadata: { proxyVersion: PROXY_VERSION, adminPort: String(admin.port) },
      ...(config.controlPlane.ttlSeconds !== undefined ? { ttlSeconds: config.controlPlane.ttlSeconds } : {}),
    },
    node: { instanceId: config.instance, namespace: config.namespace, service: config.service, cluster: config.cluster, zone: config.zone, labels: config.labels, proxyVersion: PROXY_VERSION },
    mesh,
    metrics,
    logger,
    prefetch: routeServices,
  });
  link.start();

  const shutdown = async (): Promise<void> => {
    link?.close();
    mesh.close();
    listener.destroyAll();
    await admin.close();
  };
  let drained: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    draining = true;
    const registration = link?.registration;
    if (registration) await registration.setHealth('DRAINING').catch(() => undefined);
    const deadline = Date.now() + config.drainTimeoutMs;
    const closed = listener.stopAccepting();
    await Promise.race([closed, (async () => { while (telemetry.activeRequests() > 0 && Date.now() < deadline) await sleep(20); })()]);
    if (registration) await registration.deregister().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'deregistration failed'));
    await shutdown();
  };

  return {
    port,
    adminPort: admin.port,
    mesh,
    readiness,
    ready: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (readiness() !== undefined) {
        if (Date.now() > deadline) throw new Error(`gateway not ready after ${timeoutMs} ms: ${readiness()}`);
        await sleep(25);
      }
    },
    drain: () => (drained ??= drain()),
    close: async () => {
      draining = true;
      await link?.registration?.stop();
      await shutdown();
    },
  };
}
