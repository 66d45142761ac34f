// Test support (not a test): an in-process identity service on given backends, a dev root in a
// temp dir shared by replicas, clients per role, and CSR/key helpers.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusConfig } from '../../lib/bus/index.js';
import { silentLogger } from '../../lib/log.js';
import { ensureDevRoot, type DevRootFiles } from '../../lib/identity/ca-material.js';
import { ES256_SIGNING, generateP256, privateKeyToPem, x509, type CryptoKeyPair } from '../../lib/identity/crypto.js';
import { IdentityClient } from '../../lib/identity/identity-client.js';
import { createRuntime, type Runtime } from '../../lib/runtime.js';
import type { StoreConfig } from '../../lib/store/index.js';
import type { Role } from '../../lib/auth/operator-auth.js';
import type { IdentityOptions } from '../../services/identity/config.js';
import { startIdentityService, type IdentityServiceHandle } from '../../services/identity/identity-service.js';

export const TEST_TOKENS: Record<Role, string> = {
  viewer: 'viewer-token-0000000000001',
  editor: 'editor-token-0000000000001',
  admin: 'admin-token-00000000000001',
};

export async function devRoot(): Promise<DevRootFiles & { rootPem: string }> {
  const files = await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-ca-')));
  return { ...files, rootPem: readFileSync(files.rootCertFile, 'utf8') };
}

export interface IdentityTestEnv {
  runtime: Runtime;
  service: IdentityServiceHandle;
  address: string;
  client(role?: Role | 'anonymous', extra?: { clientCert?: { certChainPem: string; privateKeyPem: string } }): IdentityClient;
  close(): Promise<void>;
}

export async function startIdentityTestEnv(options: {
  root: DevRootFiles & { rootPem: string };
  store: StoreConfig;
  bus: BusConfig;
  cluster?: string;
  instance?: string;
  identity?: Partial<IdentityOptions>;
  runtime?: { store?: Runtime['store']; bus?: Runtime['bus'] };
  /** false: this replica signs join tokens with its own in-memory key (default: the dev root's token key file). */
  sharedTokenKey?: boolean;
  /** How often the CA files are polled (rotation tests). */
  caWatchIntervalMs?: number;
}): Promise<IdentityTestEnv> {
  const cluster = options.cluster ?? 'test';
  const runtime = await createRuntime(
    'identity',
    {
      cluster,
      zone: 'z1',
      instance: options.instance ?? 'identity-test',
      logLevel: 'silent',
      store: options.store,
      bus: options.bus,
      admin: { host: '127.0.0.1', port: 0 },
    },
    { logger: silentLogger(), ...(options.runtime?.store ? { store: options.runtime.store } : {}), ...(options.runtime?.bus ? { bus: options.runtime.bus } : {}) },
  );
  const service = await startIdentityService(runtime, {
    cluster,
    grpc: { host: '127.0.0.1', port: 0 },
    auth: {
      tokens: (Object.keys(TEST_TOKENS) as Role[]).map((role) => ({ name: `${role}-user`, token: TEST_TOKENS[role], role })),
      anonymous: 'none',
    },
    ca: {
      rootCertFile: options.root.rootCertFile,
      rootKeyFile: options.root.rootKeyFile,
      generateIntermediate: true,
      intermediateTtlSeconds: 30 * 86_400,
      ...(options.sharedTokenKey === false ? {} : { tokenKeyFile: options.root.tokenKeyFile }),
      ...(options.caWatchIntervalMs !== undefined ? { watchIntervalMs: options.caWatchIntervalMs } : {}),
    },
    ...(options.identity ? { identity: options.identity } : {}),
  });
  const clients: IdentityClient[] = [];
  return {
    runtime,
    service,
    address: `localhost:${service.port}`,
    client(role = 'admin', extra = {}) {
      const c = new IdentityClient(`localhost:${service.port}`, {
        roots: [options.root.rootPem],
        ...(role === 'anonymous' ? {} : { token: TEST_TOKENS[role] }),
        ...extra,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await runtime.lifecycle.shutdown('test done');
    },
  };
}

export async function makeCsr(spiffeIds: string[], keys?: CryptoKeyPair, extraNames: x509.JsonGeneralNames = []): Promise<{ csr: string; keyPem: string }> {
  const pair = keys ?? (await generateP256(true));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=test',
    keys: pair,
    signingAlgorithm: pair.privateKey.algorithm.name === 'ECDSA' ? ES256_SIGNING : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([...spiffeIds.map((value) => ({ type: 'url' as const, value })), ...extraNames])],
  });
  return { csr: csr.toString('pem'), keyPem: await privateKeyToPem(pair.privateKey) };
}
