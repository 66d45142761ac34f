// Certificates for the control-plane services themselves (DESIGN.md "Trust"): each runs as
// spiffe://<td>/ns/plexus-system/svc/<registry|policy|config-push|identity>, with the DNS names
// and IPs it is dialled by as extra SANs (clients check the SPIFFE ID; the names are for tools
// like grpcurl). Used by the dev and local meshes and by tests; in production an operator mints
// them the same way (or a cert-manager issuer under the mesh root) and mounts them as files.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TlsFiles, TlsMaterial } from '../grpc/tls.js';
import { CONTROL_PLANE_NAMESPACE, DEFAULT_TRUST_DOMAIN } from '../model/names.js';
import { loadCaMaterial, type DevRootFiles } from './ca-material.js';
import { CertificateAuthority } from './certificate-authority.js';
import { generateP256, privateKeyToPem, x509 } from './crypto.js';

export const CONTROL_PLANE_SERVICES = ['registry', 'policy', 'config-push', 'identity'] as const;
export type ControlPlaneService = (typeof CONTROL_PLANE_SERVICES)[number];

export interface ServiceTlsOptions {
  trustDomain?: string;
  hostNames?: string[];
  ttlSeconds?: number;
}

/** A fresh key and a server certificate for `service`, with the CA's chain and `rootsPem`. */
export async function issueServiceTls(ca: CertificateAuthority, rootsPem: string, service: ControlPlaneService, opts: ServiceTlsOptions = {}): Promise<TlsMaterial> {
  const keys = await generateP256(true);
  const issued = await ca.issueServer(
    keys.publicKey,
    { trustDomain: opts.trustDomain ?? DEFAULT_TRUST_DOMAIN, namespace: CONTROL_PLANE_NAMESPACE, service },
    opts.hostNames ?? ['localhost', '127.0.0.1'],
    opts.ttlSeconds ?? 30 * 86_400,
  );
  return { certChainPem: `${issued.pem}\n${ca.intermediate.pem}\n`, keyPem: await privateKeyToPem(keys.privateKey), rootsPem };
}

/** Writes `m` as tls.crt / tls.key (0600) / ca.crt in `dir` and returns the paths. */
export async function writeTlsFiles(dir: string, m: TlsMaterial): Promise<Required<TlsFiles>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
  await writeFile(files.keyFile, m.keyPem, { mode: 0o600 });
  await chmod(files.keyFile, 0o600);
  await writeFile(files.certFile, m.certChainPem, { mode: 0o644 });
  await writeFile(files.caFile, m.rootsPem, { mode: 0o644 });
  return files;
}

/** A CA with an intermediate minted in memory from a dev root (dev and local meshes, tests). */
export async function devCertificateAuthority(root: DevRootFiles, cluster: string): Promise<{ ca: CertificateAuthority; rootsPem: string }> {
  const material = await loadCaMaterial(
    { rootCertFile: root.rootCertFile, rootKeyFile: root.rootKeyFile, generateIntermediate: true, intermediateTtlSeconds: 30 * 86_400 },
    cluster,
  );
  const ca = new CertificateAuthority(material.intermediate, { defaultSeconds: 86_400, minSeconds: 1, maxSeconds: 30 * 86_400 });
  return { ca, rootsPem: material.roots.map((r) => r.toString('pem')).join('\n') + '\n' };
}

/**
 * A fresh key and a workload certificate (X.509-SVID) for `<namespace>/<service>` straight from
 * `ca`, without the identity service: proxies run without a control plane (data-plane tests,
 * the benchmark). `now` back-dates or forward-dates it (tests of expiry and rotation).
 */
export async function issueWorkloadTls(
  ca: CertificateAuthority,
  rootsPem: string,
  id: { trustDomain?: string; namespace: string; service: string },
  ttlSeconds = 86_400,
  now = new Date(),
): Promise<TlsMaterial> {
  const keys = await generateP256(true);
  const pub = new x509.PublicKey(await crypto.subtle.exportKey('spki', keys.publicKey));
  const issued = await ca.issueWorkload(pub, { trustDomain: id.trustDomain ?? DEFAULT_TRUST_DOMAIN, namespace: id.namespace, service: id.service }, ttlSeconds, now);
  return { certChainPem: `${issued.pem}\n${ca.intermediate.pem}\n`, keyPem: await privateKeyToPem(keys.privateKey), rootsPem };
}
