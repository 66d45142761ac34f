// Credentials of a federation NATS link (lib/process/nats-link.ts `leafTls`): the hub's server
// certificate, and the spoke's client certificate whose SPIFFE ID (a URI SAN) the hub lists as
// a leaf user. Each spoke certificate carries a new identity (`nats-leaf-<spoke>-<generation>`),
// so the hub can accept the old and the new one during a rotation and then drop the old one.
// Files live under `<dir>/hub` and `<dir>/spoke` (the launcher: .plexus-local/nats-leaf).
//
// rotateLeafCredentials is the operator's rotation, step by step, with no process restarted:
//   1. issue the spoke a certificate with a new identity;
//   2. hub: accept old + new identity (users file), reload;
//   3. spoke: replace its certificate files, reload (the link stays up; its next dial uses them);
//   4. hub: accept only the new identity, reload: the old identity can no longer dial;
//   5. the link's next dial uses the new certificate. nats-server 2.9.10 does not re-check
//      established leaf connections on reload, so to switch at once the operator resets that
//      one TCP connection (`reconnect`; e.g. `ss -K` on the hub, or a load balancer's drain).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevRootFiles } from '../../lib/identity/ca-material.js';
import type { CertificateAuthority } from '../../lib/identity/certificate-authority.js';
import { generateP256, privateKeyToPem } from '../../lib/identity/crypto.js';
import { devCertificateAuthority, issueWorkloadTls, writeTlsFiles } from '../../lib/identity/service-tls.js';
import { CONTROL_PLANE_NAMESPACE, DEFAULT_TRUST_DOMAIN, formatSpiffeId } from '../../lib/model/names.js';
import { writeLeafUsers, type LeafTlsFiles, type LinkedNatsServer } from '../../lib/process/index.js';

export interface LeafLinkCredentials {
  hub: LeafTlsFiles & { leafUsersFile: string };
  spoke: LeafTlsFiles;
  spokeCluster: string;
  /** The identity the spoke's certificate files carry now. */
  identity: string;
  ca: CertificateAuthority;
  rootsPem: string;
}

/** A spoke certificate with a fresh identity: `spiffe://<td>/ns/plexus-system/svc/nats-leaf-<spoke>-<generation>`. */
async function issueSpokeCertificate(creds: Pick<LeafLinkCredentials, 'ca' | 'rootsPem' | 'spokeCluster'>): Promise<{ identity: string; material: Awaited<ReturnType<typeof issueWorkloadTls>> }> {
  const generation = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
  const id = { trustDomain: DEFAULT_TRUST_DOMAIN, namespace: CONTROL_PLANE_NAMESPACE, service: `nats-leaf-${creds.spokeCluster}-${generation}` };
  const material = await issueWorkloadTls(creds.ca, creds.rootsPem, id, 30 * 86_400);
  return { identity: formatSpiffeId(id), material };
}

/** Replace a certificate and key as a set: written aside, then renamed over (key first). */
async function replaceTlsFiles(files: LeafTlsFiles, certChainPem: string, keyPem: string): Promise<void> {
  await writeFile(`${files.keyFile}.new`, keyPem, { mode: 0o600 });
  await writeFile(`${files.certFile}.new`, certChainPem, { mode: 0o644 });
  await rename(`${files.keyFile}.new`, files.keyFile);
  await rename(`${files.certFile}.new`, files.certFile);
}

/** The hub's certificate (for 127.0.0.1/localhost) and a first spoke certificate, under one CA from `root`. */
export async function issueLeafLinkCredentials(dir: string, root: DevRootFiles, hubCluster: string, spokeCluster: string): Promise<LeafLinkCredentials> {
  const { ca, rootsPem } = await devCertificateAuthority(root, hubCluster);
  const keys = await generateP256(true);
  const server = await ca.issueServer(keys.publicKey, { trustDomain: DEFAULT_TRUST_DOMAIN, namespace: CONTROL_PLANE_NAMESPACE, service: `nats-leaf-${hubCluster}` }, ['127.0.0.1', 'localhost'], 30 * 86_400);
  const hubFiles = await writeTlsFiles(join(dir, 'hub'), { certChainPem: `${server.pem}\n${ca.intermediate.pem}\n`, keyPem: await privateKeyToPem(keys.privateKey), rootsPem });
  const first = await issueSpokeCertificate({ ca, rootsPem, spokeCluster });
  const spoke = await writeTlsFiles(join(dir, 'spoke'), first.material);
  const leafUsersFile = join(dir, 'hub', 'leaf-users.conf');
  await mkdir(join(dir, 'hub'), { recursive: true, mode: 0o700 });
  await writeLeafUsers(leafUsersFile, [first.identity]);
  return { hub: { ...hubFiles, leafUsersFile }, spoke, spokeCluster, identity: first.identity, ca, rootsPem };
}

export interface RotationSteps {
  /** Called after each step (tests check the link and the imports in between). */
  after?: (step: 'hub-accepts-both' | 'spoke-files-replaced' | 'hub-accepts-new-only') => Promise<void> | void;
  /** Step 5: make the link dial again now (else it switches at its next reconnect). */
  reconnect?: () => Promise<void> | void;
}

/** Rotate the spoke's credentials on running servers (steps in the header); returns the new identity. */
export async function rotateLeafCredentials(creds: LeafLinkCredentials, hub: LinkedNatsServer, spoke: LinkedNatsServer, steps: RotationSteps = {}): Promise<string> {
  const old = creds.identity;
  const next = await issueSpokeCertificate(creds);
  await writeLeafUsers(creds.hub.leafUsersFile, [old, next.identity]);
  await hub.reload();
  await steps.after?.('hub-accepts-both');
  await replaceTlsFiles(creds.spoke, next.material.certChainPem, next.material.keyPem);
  await spoke.reload();
  creds.identity = next.identity;
  await steps.after?.('spoke-files-replaced');
  await writeLeafUsers(creds.hub.leafUsersFile, [next.identity]);
  await hub.reload();
  await steps.after?.('hub-accepts-new-only');
  await steps.reconnect?.();
  return next.identity;
}
