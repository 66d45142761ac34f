// Shared by the security suites: a real sidecar that gets its workload certificate with a join
// token and talks to a TLS control plane (the services run as separate processes).
import { silentLogger } from '../../lib/log.js';
import { parseProxyConfig } from '../../proxy/config/proxy-config.js';
import { startSidecar, type Sidecar } from '../../proxy/sidecar.js';
import { waitFor } from '../harness/index.js';

export interface TrustedSidecarOptions {
  cluster: string;
  trustDomain: string;
  service: string;
  appPort: number;
  joinToken: string;
  /** The mesh root (PEM file) the proxy verifies the control plane with. */
  caFile: string;
  addresses: { registry: string; configPush: string; identity: string };
  /** Requested certificate lifetime; 0 = the identity service's default. */
  ttlSeconds?: number;
}

/** Start a sidecar in zone z1 on free ports and wait until it is ready (registered, configured, certified). */
export async function startTrustedSidecar(o: TrustedSidecarOptions): Promise<Sidecar> {
  const s = await startSidecar(
    parseProxyConfig({
      cluster: o.cluster,
      zone: 'z1',
      service: o.service,
      admin: { host: '127.0.0.1', port: 0 },
      outbound: { host: '127.0.0.1', port: 0 },
      inbound: { host: '127.0.0.1', port: 0 },
      accessLog: false,
      app: { host: '127.0.0.1', port: o.appPort },
      controlPlane: { registry: [o.addresses.registry], configPush: [o.addresses.configPush], ttlSeconds: 6 },
      identity: { addresses: [o.addresses.identity], caFile: o.caFile, joinToken: o.joinToken, trustDomain: o.trustDomain, ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}) },
    }),
    { logger: silentLogger() },
  );
  try {
    await waitFor(`${o.service} proxy ready`, () => s.readiness() === undefined, { timeoutMs: 30_000 });
  } catch (err) {
    await s.drain().catch(() => undefined);
    throw err;
  }
  return s;
}
