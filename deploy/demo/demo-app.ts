// The demo mesh's applications: frontend → catalog (v1, v2) → pricing. Each is a tiny HTTP
// server that knows nothing about the mesh: it reaches other services by name through its
// sidecar's outbound listener used as an HTTP forward proxy (like HTTP_PROXY), and so shows
// which instance, version and cluster answered (with federation, a call may be answered by
// another cluster's instance).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type DemoRole = 'frontend' | 'catalog' | 'pricing';

export interface DemoAppOptions {
  role: DemoRole;
  version: string;
  instance: string;
  host?: string;
  port?: number;
  /** The sidecar's outbound listener, e.g. `http://127.0.0.1:15001`; required for callers. */
  outboundProxy?: string;
  namespace?: string;
  /** The cluster this instance runs in, returned in every answer; default `local`. */
  cluster?: string;
}

export interface RunningDemoApp {
  port: number;
  url: string;
  close(): Promise<void>;
}

const ITEMS = [
  { sku: 'tea-01', name: 'Green tea' },
  { sku: 'cof-02', name: 'Espresso beans' },
  { sku: 'cup-03', name: 'Ceramic cup' },
];

/** GET `http://<service>.<namespace><path>` through the forward proxy. */
function callThroughProxy(proxy: string, service: string, namespace: string, path: string, headers: http.IncomingHttpHeaders): Promise<unknown> {
  const p = new URL(proxy);
  const authority = `${service}.${namespace}`;
  const forward: http.OutgoingHttpHeaders = { host: authority, accept: 'application/json' };
  // Propagate tracing and request ids so one request can be followed across the mesh.
  for (const h of ['traceparent', 'tracestate', 'x-request-id']) if (headers[h]) forward[h] = headers[h];
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: p.hostname, port: Number(p.port), method: 'GET', path: `http://${authority}${path}`, headers: forward, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 400) {
            reject(new Error(`${authority}${path} answered ${res.statusCode}: ${body.trim().slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(new Error(`${authority}${path} answered non-JSON: ${body.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${authority}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function startDemoApp(opts: DemoAppOptions): Promise<RunningDemoApp> {
  const ns = opts.namespace ?? 'default';
  const cluster = opts.cluster ?? 'local';
  const send = (res: http.ServerResponse, code: number, body: unknown): void => {
    const text = JSON.stringify(body, null, 2) + '\n';
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return send(res, 200, { ok: true });
    const handle = async (): Promise<unknown> => {
      switch (opts.role) {
        case 'pricing':
          return { service: 'pricing', version: opts.version, instance: opts.instance, cluster, currency: 'EUR', prices: { 'tea-01': 4.5, 'cof-02': 12.9, 'cup-03': 8 } };
        case 'catalog': {
          const pricing = (await callThroughProxy(opts.outboundProxy!, 'pricing', ns, '/prices', req.headers)) as { prices: Record<string, number>; currency: string };
          return {
            service: 'catalog',
            version: opts.version,
            instance: opts.instance,
            cluster,
            items: ITEMS.map((i) => ({ ...i, price: pricing.prices[i.sku], currency: pricing.currency })),
          };
        }
        case 'frontend': {
          const catalog = (await callThroughProxy(opts.outboundProxy!, 'catalog', ns, '/items', req.headers)) as Record<string, unknown>;
          return { service: 'frontend', version: opts.version, instance: opts.instance, cluster, catalog };
        }
      }
    };
    handle().then(
      (body) => send(res, 200, body),
      (err: unknown) => send(res, 502, { service: opts.role, error: (err as Error).message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
