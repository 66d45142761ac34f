// Shared by the security suites: a real sidecar that gets its workload certificate with a join
// token and talks to a TLS control plane (the services run as separate processes).
import { join } from 'node:path';
import type { CertificateAuthority } from '../../lib/identity/certificate-authority.js';
import { issueServiceTls, writeTlsFiles } from '../../lib/identity/service-tls.js';
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

/** The environment every control-plane process of a security suite shares: etcd, NATS, the cluster, operator tokens. */
export function controlPlaneEnv(o: { cluster: string; etcd: string; nats: string; tokens: Array<{ name: string; token: string; role: string }> }): Record<string, string> {
  return {
    PLEXUS_LOG_LEVEL: process.env.PLEXUS_LOG_LEVEL ?? 'warn',
    PLEXUS_CLUSTER: o.cluster,
    PLEXUS_STORE__BACKEND: 'etcd',
    PLEXUS_STORE__ENDPOINTS: JSON.stringify([o.etcd]),
    PLEXUS_BUS__KIND: 'nats',
    PLEXUS_BUS__SERVERS: JSON.stringify([o.nats]),
    PLEXUS_AUTH__TOKENS: JSON.stringify(o.tokens),
  };
}

/** A server certificate for `service` from `ca`, written under `dir/<service>`, as that service's PLEXUS_TLS__* variables. */
export async function serviceTlsEnv(ca: CertificateAuthority, rootsPem: string, dir: string, service: 'registry' | 'config-push'): Promise<Record<string, string>> {
  const files = await writeTlsFiles(join(dir, service), await issueServiceTls(ca, rootsPem, service));
  return { PLEXUS_TLS__CERT_FILE: files.certFile, PLEXUS_TLS__KEY_FILE: files.keyFile, PLEXUS_TLS__CA_FILE: files.caFile };
}
