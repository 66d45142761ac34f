// The HTTP admin port every Plexus process serves: /metrics (Prometheus text), /healthz (the
// process is alive), /readyz (ready to take traffic: dependencies reachable, caches warm).
// Components may add routes (e.g. the proxy's /config_dump, proxy/admin.ts) and render their own
// metrics (the proxy keeps a registry per instance so several can share a process in tests).
import http from 'node:http';
import type { Logger } from 'pino';
import { UnavailableError } from '../errors.js';
import { reportListening } from '../net.js';

export interface ReadinessCheck {
  name: string;
  /** Resolve with undefined when ready, or a reason it is not. */
  check(): Promise<string | undefined> | string | undefined;
}

export type AdminRoute = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface AdminServerOptions {
  host: string;
  port: number;
  logger: Logger;
  readiness?: ReadinessCheck[];
  routes?: Record<string, AdminRoute>;
  /** What /metrics serves; default the process-wide registry (lib/admin/metrics.ts). */
  metrics?: () => Promise<{ text: string; contentType: string }>;
}

export interface RunningAdminServer {
  port: number;
  url: string;
  addReadiness(check: ReadinessCheck): void;
  addRoute(path: string, route: AdminRoute): void;
  close(): Promise<void>;
}

export async function startAdminServer(opts: AdminServerOptions): Promise<RunningAdminServer> {
  // prom-client's registry only for a server that serves it: the proxy renders its own metrics
  // (lib/metrics) and does not carry prom-client in memory.
  const defaults = opts.metrics ? undefined : await import('./metrics.js');
  defaults?.startDefaultMetrics();
  const checks = [...(opts.readiness ?? [])];
  const routes: Record<string, AdminRoute> = { ...opts.routes };
  let draining = false;

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const handle = async (): Promise<void> => {
      if (path === '/healthz') return send(200, 'ok\n');
      if (path === '/readyz') {
        if (draining) return send(503, 'not ready: shutting down\n');
        const problems: string[] = [];
        for (const c of checks) {
          const reason = await Promise.resolve(c.check()).catch((err: unknown) => (err as Error).message);
          if (reason) problems.push(`${c.name}: ${reason}`);
        }
        return problems.length ? send(503, `not ready:\n${problems.join('\n')}\n`) : send(200, 'ready\n');
      }
      if (path === '/metrics') {
        const m = opts.metrics ? await opts.metrics() : { text: await defaults!.registry.metrics(), contentType: defaults!.registry.contentType };
        return send(200, m.text, m.contentType);
      }
      const route = routes[path];
      if (route) return route(req, res);
      send(404, `no such admin endpoint: ${path}\n(try ${['/healthz', '/readyz', '/metrics', ...Object.keys(routes)].join(' ')})\n`);
    };
    handle().catch((err: unknown) => {
      opts.logger.error({ err, path }, 'admin request failed');
      if (!res.headersSent) send(500, 'internal error\n');
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new UnavailableError(`cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  opts.logger.info({ address: `${opts.host}:${port}` }, 'admin server listening');
  reportListening('admin', opts.host, port);
  return {
    port,
    url: `http://${opts.host}:${port}`,
    addReadiness: (c) => checks.push(c),
    addRoute: (p, r) => {
      routes[p] = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        draining = true;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
