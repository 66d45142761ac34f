// The proxy's admin port (default 15000), lib/admin's server with the proxy's parts: /healthz
// (alive), /readyz (registered, first config applied, not draining), /metrics (this proxy's
// metrics plus process metrics), /config_dump (the config in use with versions and the
// control-plane connection state) and /endpoints (every upstream host with its health,
// ejection state and active requests).
import type { Logger } from 'pino';
import { startAdminServer, type AdminRoute, type RunningAdminServer } from '../lib/admin/admin-server.js';
import { UnavailableError } from '../lib/errors.js';
import type { ProxyMetrics } from './telemetry/metrics.js';

export interface AdminSources {
  metrics: ProxyMetrics;
  /** undefined when ready, else the reason it is not. */
  readiness(): string | undefined;
  configDump(): unknown;
  endpoints(): unknown;
}

export type ProxyAdmin = Pick<RunningAdminServer, 'port' | 'close'>;

export async function startProxyAdmin(host: string, port: number, sources: AdminSources, logger: Logger): Promise<ProxyAdmin> {
  const json =
    (value: () => unknown): AdminRoute =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(`${JSON.stringify(value(), null, 2)}\n`);
    };
  return startAdminServer({
    host,
    port,
    logger,
    readiness: [{ name: 'proxy', check: () => sources.readiness() }],
    metrics: () => sources.metrics.render(),
    routes: { '/config_dump': json(() => sources.configDump()), '/endpoints': json(() => sources.endpoints()) },
  }).catch((err: unknown) => {
    throw new UnavailableError(`admin: ${(err as Error).message}`, { cause: err });
  });
}
