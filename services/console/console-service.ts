// Starts the console: the model, its control-plane readers and the HTTP side. Used by main.ts,
// the dev mesh and tests. Identity (and later federation) are optional sections: with no
// identity address configured the page says so instead of showing anything made up; otherwise
// a reader of its CaStatus fills `identity` the way the others fill their parts.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { rootsOnlySource, type ClientSecurity } from '../../lib/grpc/tls.js';
import { ConsoleModel } from './console-model.js';
import { startSources } from './console-sources.js';
import type { ConsoleConfig } from './config.js';
import { startConsoleHttp } from './http-server.js';

export interface ConsoleHandle {
  url: string;
  port: number;
  model: ConsoleModel;
  streams(): number;
  close(): Promise<void>;
}

export type ConsoleStartConfig = Pick<
  ConsoleConfig,
  'http' | 'controlPlane' | 'scrapeIntervalMs' | 'rateWindowMs' | 'statusIntervalMs' | 'identityIntervalMs' | 'maxEventStreams'
>;

/** TLS verified with the mesh CA file, or plaintext where the config says insecure. */
function clientSecurity(cp: ConsoleConfig['controlPlane']): ClientSecurity {
  if (cp.insecure || cp.caFile === undefined) return { insecure: true };
  return { tls: rootsOnlySource(readFileSync(cp.caFile, 'utf8')), trustDomain: cp.trustDomain };
}

export async function startConsole(config: ConsoleStartConfig, logger: Logger): Promise<ConsoleHandle> {
  const identity = config.controlPlane.identity;
  const model = new ConsoleModel(
    identity.length
      ? { configured: true, message: `Mesh CA certificates and workload certificate expiries, from the identity service's CaStatus (${identity.join(', ')}).` }
      : { configured: false, message: 'Identity is not configured: no identity service address (controlPlane.identity) is set, so there are no certificates to show.' },
  );
  const sources = startSources(model, {
    registry: config.controlPlane.registry,
    policy: config.controlPlane.policy,
    configPush: config.controlPlane.configPush,
    identity,
    token: config.controlPlane.token,
    security: clientSecurity(config.controlPlane),
    scrapeIntervalMs: config.scrapeIntervalMs,
    rateWindowMs: config.rateWindowMs,
    statusIntervalMs: config.statusIntervalMs,
    identityIntervalMs: config.identityIntervalMs,
    logger,
  });
  try {
    const http = await startConsoleHttp({
      host: config.http.host,
      port: config.http.port,
      model,
      policyClient: sources.policyClient,
      maxEventStreams: config.maxEventStreams,
      logger,
    });
    return {
      url: http.url,
      port: http.port,
      model,
      streams: http.streams,
      close: async () => {
        await http.close();
        await sources.close();
      },
    };
  } catch (err) {
    await sources.close();
    throw err;
  }
}
