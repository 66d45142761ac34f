// The CA's key material, from files only: the mesh root (operator-supplied; its key is needed
// only to mint a per-cluster intermediate at start), the cluster's intermediate that signs
// workload certificates, and the join-token signing key. Private keys live in these files and
// in this process's memory, never in the store or on NATS.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import {
  type CryptoKey,
  EC_P256,
  ES256_SIGNING,
  fingerprint,
  generateP256,
  importP256PrivateKey,
  parseCertificates,
  privateKeyToPem,
  publicKeyFromPrivatePem,
  randomSerial,
  subtle,
  x509,
} from './crypto.js';

export interface CaFilesConfig {
  /** PEM of the mesh root certificate(s); every root is trusted, the first one signs intermediates. */
  rootCertFile: string;
  /** PKCS#8 PEM of the root key; only needed with generateIntermediate. */
  rootKeyFile?: string | undefined;
  intermediateCertFile?: string | undefined;
  intermediateKeyFile?: string | undefined;
  /** Mint this replica's intermediate from the root key at start (key kept in memory only). */
  generateIntermediate: boolean;
  intermediateTtlSeconds: number;
  /** PKCS#8 PEM of the ES256 join-token key; when absent a key is generated in memory. */
  tokenKeyFile?: string | undefined;
  /** How often the identity service polls these files for a rotation (ms; default 1000). */
  watchIntervalMs?: number | undefined;
}

export interface SigningCa {
  cert: x509.X509Certificate;
  pem: string;
  key: CryptoKey;
  fingerprint: string;
}

export interface CaMaterial {
  roots: x509.X509Certificate[];
  intermediate: SigningCa;
  tokenKey: { privateKey: CryptoKey; publicKey: CryptoKey; generated: boolean };
}

async function readText(file: string, field: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: field, message: `cannot read ${file}: ${(err as Error).message}` }], 'identity CA files');
  }
}

function fail(field: string, message: string): never {
  throw new ConfigError([{ path: field, message }], 'identity CA files');
}

function isCa(cert: x509.X509Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

async function importKey(file: string, field: string, extractable = false): Promise<{ key: CryptoKey; pem: string }> {
  const pem = await readText(file, field);
  try {
    return { key: await importP256PrivateKey(pem, extractable), pem };
  } catch (err) {
    return fail(field, `${file}: not a P-256 PKCS#8 private key (${(err as Error).message})`);
  }
}

/** The certificate `key` must belong to, checked by signing and verifying a probe. */
async function assertKeyMatches(cert: x509.X509Certificate, keyPem: string, field: string): Promise<void> {
  const pub = await publicKeyFromPrivatePem(keyPem);
  const certPub = await cert.publicKey.export(EC_P256, ['verify']);
  const a = Buffer.from(await subtle.exportKey('spki', pub));
  const b = Buffer.from(await subtle.exportKey('spki', certPub));
  if (!a.equals(b)) fail(field, 'the private key does not belong to the certificate');
}

/**
 * The roots and the signing intermediate (no join-token key): at start, and again on every
 * change of the CA files (rotation). `keep`: on a reload, the generated intermediate in use,
 * kept while the first root still signs it (a new one is minted only when the first root changed).
 */
export async function loadSigningMaterial(
  config: CaFilesConfig,
  cluster: string,
  now = new Date(),
  keep?: SigningCa,
): Promise<Pick<CaMaterial, 'roots' | 'intermediate'>> {
  const rootText = await readText(config.rootCertFile, 'ca.rootCertFile');
  const roots = parseCertificates(rootText);
  if (roots.length === 0) fail('ca.rootCertFile', `${config.rootCertFile} holds no CERTIFICATE block`);
  for (const r of roots) {
    if (!isCa(r)) fail('ca.rootCertFile', `${r.subject} is not a CA certificate`);
    if (r.notAfter <= now) fail('ca.rootCertFile', `${r.subject} expired at ${r.notAfter.toISOString()}`);
  }

  let intermediate: SigningCa;
  if (config.intermediateCertFile !== undefined) {
    if (config.intermediateKeyFile === undefined) fail('ca.intermediateKeyFile', 'is required with ca.intermediateCertFile');
    const [cert] = parseCertificates(await readText(config.intermediateCertFile, 'ca.intermediateCertFile'));
    if (!cert) fail('ca.intermediateCertFile', `${config.intermediateCertFile} holds no CERTIFICATE block`);
    if (!isCa(cert)) fail('ca.intermediateCertFile', 'is not a CA certificate');
    if (cert.notAfter <= now) fail('ca.intermediateCertFile', `expired at ${cert.notAfter.toISOString()}`);
    let signed = false;
    for (const r of roots) if (await cert.verify({ publicKey: r, signatureOnly: true })) signed = true;
    if (!signed) fail('ca.intermediateCertFile', 'is not signed by any configured root');
    const { key, pem: keyPem } = await importKey(config.intermediateKeyFile, 'ca.intermediateKeyFile');
    await assertKeyMatches(cert, keyPem, 'ca.intermediateKeyFile');
    intermediate = { cert, pem: cert.toString('pem'), key, fingerprint: fingerprint(cert) };
  } else if (config.generateIntermediate) {
    if (config.rootKeyFile === undefined) fail('ca.rootKeyFile', 'is required with ca.generateIntermediate');
    const root = roots[0]!;
    if (keep && keep.cert.issuer === root.subject && keep.cert.notAfter > now && (await keep.cert.verify({ publicKey: root, signatureOnly: true }))) {
      intermediate = keep;
    } else {
      intermediate = await mintFromRootFiles(config, root, cluster, now);
    }
  } else {
    return fail('ca', 'set ca.intermediateCertFile + ca.intermediateKeyFile, or ca.generateIntermediate with ca.rootKeyFile');
  }

  return { roots, intermediate };
}

export async function loadCaMaterial(config: CaFilesConfig, cluster: string, now = new Date()): Promise<CaMaterial> {
  const { roots, intermediate } = await loadSigningMaterial(config, cluster, now);
  let tokenKey: CaMaterial['tokenKey'];
  if (config.tokenKeyFile !== undefined) {
    const { key, pem } = await importKey(config.tokenKeyFile, 'ca.tokenKeyFile');
    tokenKey = { privateKey: key, publicKey: await publicKeyFromPrivatePem(pem), generated: false };
  } else {
    const pair = await generateP256(false);
    tokenKey = { privateKey: pair.privateKey, publicKey: pair.publicKey, generated: true };
  }
  return { roots, intermediate, tokenKey };
}

async function mintFromRootFiles(config: CaFilesConfig, root: x509.X509Certificate, cluster: string, now: Date): Promise<SigningCa> {
  const { key: rootKey, pem: rootKeyPem } = await importKey(config.rootKeyFile!, 'ca.rootKeyFile');
  await assertKeyMatches(root, rootKeyPem, 'ca.rootKeyFile');
  return mintIntermediate(root, rootKey, cluster, config.intermediateTtlSeconds, now);
}

/**
 * A per-cluster intermediate under `root`, its key generated in memory (never exported unless
 * `extractable`: operator tooling that writes intermediate files for a rotation).
 */
export async function mintIntermediate(
  root: x509.X509Certificate,
  rootKey: CryptoKey,
  cluster: string,
  ttlSeconds: number,
  now = new Date(),
  extractable = false,
): Promise<SigningCa> {
  const keys = await generateP256(extractable);
  const notAfter = new Date(Math.min(root.notAfter.getTime(), now.getTime() + ttlSeconds * 1000));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=Plexus intermediate ${cluster} ${randomUUID().slice(0, 8)}, O=Plexus`,
    issuer: root.subjectName,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: rootKey,
    signingAlgorithm: ES256_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(await root.publicKey.export(EC_P256, ['verify'])),
    ],
  });
  return { cert, pem: cert.toString('pem'), key: keys.privateKey, fingerprint: fingerprint(cert) };
}

export interface DevRootFiles {
  rootCertFile: string;
  rootKeyFile: string;
  tokenKeyFile: string;
}

/**
 * A development root (and join-token key) in `dir`, made once and reused: for the dev mesh and
 * `npm run local`, never for production. Key files are written with mode 0600.
 */
export async function ensureDevRoot(dir: string, trustDomain = 'plexus.local'): Promise<DevRootFiles> {
  const files = { rootCertFile: join(dir, 'root.pem'), rootKeyFile: join(dir, 'root-key.pem'), tokenKeyFile: join(dir, 'token-key.pem') };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const exists = async (f: string): Promise<boolean> => stat(f).then(() => true, () => false);
  // Several processes may start on one data directory at once (two dev meshes, parallel tests):
  // one makes the root under a lock file while the others wait, so no one reads half a key pair.
  const release = await lockDir(join(dir, '.root.lock'));
  try {
  if (!(await exists(files.rootCertFile)) || !(await exists(files.rootKeyFile))) {
    const keys = await generateP256(true);
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=Plexus dev root ${trustDomain}, O=Plexus`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * 365 * 86_400_000),
      keys,
      signingAlgorithm: ES256_SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    await writeFile(files.rootKeyFile, await privateKeyToPem(keys.privateKey), { mode: 0o600 });
    await writeFile(files.rootCertFile, cert.toString('pem') + '\n', { mode: 0o644 });
  }
  if (!(await exists(files.tokenKeyFile))) {
    const keys = await generateP256(true);
    await writeFile(files.tokenKeyFile, await privateKeyToPem(keys.privateKey), { mode: 0o600 });
  }
  await chmod(files.rootKeyFile, 0o600);
  await chmod(files.tokenKeyFile, 0o600);
  } finally {
    await release();
  }
  return files;
}

/** An exclusive lock by creating `path`; waits while another holds it (a lock older than 30 s is stale). */
async function lockDir(path: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(path).then((st) => Date.now() - st.mtimeMs, () => 0);
      if (age > 30_000 || Date.now() > deadline) await rm(path, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
