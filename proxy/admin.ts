// The proxy's admin port (default 15000): /healthz (alive), /readyz (registered, first config
// applied, not draining), /metrics (this proxy's metrics plus process metrics), /config_dump
// (the config in use with versions and the control-plane connection state) and /endpoints
// (every upstream host with its health, ejection state and active requests).
import http from 'node:http';
import type { Logger } from 'pino';
import { UnavailableError } from '../lib/errors.js';
import { startDefaultMetrics } from '../lib/admin/metrics.js';
import type { ProxyMetrics } from './telemetry/metrics.js';

export interface AdminSources {
  metrics: ProxyMetrics;
  /** undefined when ready, else the reason it is not. */
  readiness(): string | undefined;
  configDump(): unknown;
  endpoints(): unknown;
}

export interface ProxyAdmin {
  port: number;
  close(): Promise<void>;
}

export async function startProxyAdmin(host: string, port: number, sources: AdminSources, logger: Logger): Promise<ProxyAdmin> {
  startDefaultMetrics();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const json = (value: unknown): void => send(200, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
    switch (path) {
      case '/healthz':
        return send(200, 'ok\n');
      case '/readyz': {
        const reason = sources.readiness();
        return reason === undefined ? send(200, 'ready\n') : send(503, `not ready: ${reason}\n`);
      }
      case '/metrics':
        sources.metrics.render().then(
          (m) => send(200, m.text, m.contentType),
          (err: unknown) => {
            logger.error({ err }, 'rendering metrics failed');
            send(500, 'metrics unavailable\n');
          },
        );
        return;
      case '/config_dump':
        return json(sources.configDump());
      case '/endpoints':
        return json(sources.endpoints());
      default:
        return send(404, `no such admin endpoint: ${path}\n(try /healthz /readyz /metrics /config_dump /endpoints)\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new UnavailableError(`admin: cannot listen on ${host}:${port}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
