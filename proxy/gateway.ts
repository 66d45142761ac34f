// The ingress gateway: the proxy core (proxy-core.ts) with one edge listener. Traffic from outside
// the mesh arrives on `gateway.listen`; each request is matched to a route (host, path prefix) and
// sent to that mesh service through the same outbound handling a sidecar uses (routing, retries,
// outlier detection, telemetry). The original Host travels on in x-forwarded-host. The gateway
// registers itself as an instance of its own service and follows config like any proxy.
//
// East-west mode (`gateway.mode: east-west`): the traffic comes from other clusters' proxies and
// names an exported service by authority (gateway-east-west.ts) or, on the optional passthrough
// listener, by TLS SNI (gateway-passthrough.ts); it goes only to this cluster's own endpoints.
// Outside clients may speak plaintext or TLS (gateway.tls: the operator's certificate); into the
// mesh the gateway speaks mTLS with its own workload certificate, so callees see its identity.
import type { ServerResponse } from 'node:http';
import type http2 from 'node:http2';
import type { Logger } from 'pino';
import { sleep } from '../lib/registry-client/index.js';
import { matchGatewayRoute, type GatewayConfig } from './config/gateway-config.js';
import { eastWestHandler } from './gateway-east-west.js';
import { PassthroughListener } from './gateway-passthrough.js';
import type { MeshConfig } from './config/mesh-config.js';
import { HttpListener } from './http/listener.js';
import type { AnyRequest, AnyResponse } from './http/local-reply.js';
import { createProxyCore } from './proxy-core.js';
import { edgeTls } from './security/edge-tls.js';

export interface Gateway {
  readonly port: number;
  /** East-west mode with `passthrough`: the TLS passthrough port; else undefined. */
  readonly passthroughPort: number | undefined;
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
  /** false: no registration and no discovery stream; config is fed through `mesh.apply` (tests). */
  controlPlane?: boolean;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const eastWest = config.gateway.mode === 'east-west';
  const core = await createProxyCore({ config, logName: 'gateway', logger: options.logger, controlPlane: options.controlPlane !== false, localOnly: eastWest });
  const { identity, logger, telemetry, mesh, limits } = core;
  const outbound = core.outboundHandler();
  const exports = new Set(config.gateway.exports);

  // Rewrite the authority to the routed service and hand the request to the outbound side.
  const ingressHandler = (req: AnyRequest, res: AnyResponse): void => {
    const h2 = req.httpVersionMajor === 2;
    const host = h2 ? (req as http2.Http2ServerRequest).authority : req.headers.host;
    const url = req.url ?? '/';
    if (!url.startsWith('/')) {
      res.writeHead(400, { 'content-type': 'text/plain', 'x-plexus-flags': 'DPE' });
      (res as ServerResponse).end('the gateway accepts origin-form request targets only\n');
      return;
    }
    const route = matchGatewayRoute(config.gateway.routes, host, url.split('?')[0] ?? '/');
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain', 'x-plexus-flags': 'NR' });
      (res as ServerResponse).end(`no gateway route for ${host ?? ''}${url.split('?')[0]}\n`);
      return;
    }
    const [ns, svc] = route.service.split('/') as [string, string];
    if (host) req.headers['x-forwarded-host'] = host;
    if (h2) req.headers[':authority'] = `${svc}.${ns}`;
    else req.headers.host = `${svc}.${ns}`;
    outbound(req, res);
  };

  const handler = eastWest ? eastWestHandler(exports, outbound) : ingressHandler;
  const tls = config.gateway.tls ? edgeTls(config.gateway.tls, logger) : undefined;
  const listener = new HttpListener({ name: 'gateway', host: config.gateway.listen.host, port: config.gateway.listen.port, logger, handler, limits, ...(tls ? { tls } : {}) });
  let port: number;
  try {
    port = await listener.listen();
  } catch (err) {
    tls?.close();
    throw err;
  }
  const listen = `${config.gateway.listen.host}:${port}`;
  const routeServices = eastWest ? [...exports] : [...new Set(config.gateway.routes.map((r) => r.service))];
  const pt = config.gateway.passthrough;
  const passthrough = pt && eastWest ? new PassthroughListener({ host: pt.host, port: pt.port, exports, lookup: (s) => mesh.get(s), logger }) : undefined;
  let passthroughPort: number | undefined;
  try {
    passthroughPort = await passthrough?.listen();
  } catch (err) {
    listener.destroyAll();
    tls?.close();
    throw err;
  }

  const proxy = await core.start({
    listeners: [listener],
    drain: [{ listener, idle: () => telemetry.activeRequests() === 0 && (passthrough?.active() ?? 0) === 0 }],
    instance: { port, protocol: 'http1', labels: { ...config.labels, 'plexus.dev/mode': eastWest ? 'east-west-gateway' : 'gateway' }, weight: 100 },
    prefetch: routeServices,
    controlPlane: options.controlPlane ?? true,
    node: { mode: eastWest ? 'east-west-gateway' : 'gateway' },
    dump: () => ({
      gateway: eastWest
        ? { mode: 'east-west', listen, exports: [...exports], passthrough: passthrough ? { port: passthroughPort, ...passthrough.stats } : null }
        : { listen, tls: config.gateway.tls ? { certFile: config.gateway.tls.certFile } : null, routes: config.gateway.routes },
    }),
    endpoints: () => ({ upstreams: mesh.clusters().map((c) => c.describe()) }),
    close: () => {
      tls?.close();
      void passthrough?.close();
    },
    readiness: () => {
      const missing = routeServices.filter((s) => !mesh.get(s));
      return missing.length ? `no endpoints yet for ${missing.join(', ')}` : undefined;
    },
  });
  logger.info({ identity, listen, mode: config.gateway.mode, routes: config.gateway.routes, exports: config.gateway.exports, passthroughPort }, 'gateway listening');

  return {
    port,
    passthroughPort,
    adminPort: proxy.adminPort,
    mesh,
    readiness: proxy.readiness,
    ready: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (proxy.readiness() !== undefined) {
        if (Date.now() > deadline) throw new Error(`gateway not ready after ${timeoutMs} ms: ${proxy.readiness()}`);
        await sleep(25);
      }
    },
    drain: () => {
      passthrough?.stopAccepting();
      return proxy.drain();
    },
    close: proxy.close,
  };
}
