// Starts the identity service (the mesh CA) on a runtime: loads the key material from files,
// publishes its public half to the store, follows the shared trust state, serves the gRPC API
// over TLS with a certificate from its own intermediate, and renews that certificate at half
// its lifetime. Used by main.ts, the dev mesh and tests.
import type * as grpc from '@grpc/grpc-js';
import { isPlexusError } from '../../lib/errors.js';
import { loadGrpcObject, loadPackageDefinition, lookup } from '../../lib/grpc/proto.js';
import { startGrpcServer, type RunningGrpcServer } from '../../lib/grpc/server.js';
import { MutableTlsSource } from '../../lib/grpc/tls.js';
import { unwatchFile, watchFile } from 'node:fs';
import { loadCaMaterial, loadSigningMaterial, type CaFilesConfig, type CaMaterial } from '../../lib/identity/ca-material.js';
import { CertificateAuthority } from '../../lib/identity/certificate-authority.js';
import { fingerprint, generateP256, privateKeyToPem } from '../../lib/identity/crypto.js';
import { JoinTokenSigner, publicJwk } from '../../lib/identity/join-tokens.js';
import { identityKey } from '../../lib/identity/keys.js';
import type { CertRecord, TokenKeyRecord } from '../../lib/identity/trust-state.js';
import { TrustState } from '../../lib/identity/trust-state.js';
import type { Runtime } from '../../lib/runtime.js';
import type { Store } from '../../lib/store/store.js';
import { Authenticator } from '../../lib/auth/operator-auth.js';
import type { AuthConfig } from '../../lib/auth/operator-auth.js';
import { identityOptions, type IdentityOptions } from './config.js';
import { identityApi } from './identity-api.js';
import { IssuedTracker } from './issued-tracker.js';
import { identityMetrics, registerIdentityState } from './metrics.js';

export const IDENTITY_PROTO = 'plexus/identity/v1/identity.proto';
export const IDENTITY_SERVICE_NAME = 'plexus.identity.v1.Identity';
/** The identity service's own SPIFFE ID: spiffe://<td>/ns/plexus-system/svc/identity. */
export const IDENTITY_SELF = { namespace: 'plexus-system', service: 'identity' } as const;

export interface IdentityServiceConfig {
  cluster: string;
  grpc: { host: string; port: number };
  auth: AuthConfig;
  ca: CaFilesConfig;
  identity?: Partial<IdentityOptions>;
}

export interface IdentityServiceHandle {
  port: number;
  address: string;
  trust: TrustState;
  ca: CertificateAuthority;
  grpc: RunningGrpcServer;
  close(): Promise<void>;
}

/** Put `value` at `key` unless it exists; true when this call created it. */
async function publishOnce(store: Store, key: string, value: unknown): Promise<boolean> {
  try {
    await store.put(key, value, { expectedRevision: 0 });
    return true;
  } catch (err) {
    if (isPlexusError(err, 'CONFLICT')) return false;
    throw err;
  }
}

export async function startIdentityService(runtime: Runtime, config: IdentityServiceConfig): Promise<IdentityServiceHandle> {
  const options = identityOptions(config.identity);
  const { logger, store, bus } = runtime;
  const cluster = config.cluster;
  // Not ready before the gRPC port serves: loading the CA takes a moment, the admin port is up at once.
  let serving = false;
  runtime.admin.addReadiness({ name: 'identity-grpc', check: () => (serving ? undefined : 'the CA is starting (gRPC not serving yet)') });
  const auth = new Authenticator(config.auth);
  if (auth.locked) logger.warn('no operator tokens configured: CreateJoinToken, RevokeJoinToken and CaStatus will be refused');

  const material = await loadCaMaterial(config.ca, cluster);
  if (material.tokenKey.generated) {
    logger.warn('ca.tokenKeyFile not set: join tokens are signed with a key generated for this process (its public key stays in the store)');
  }
  const { kid, jwk } = await publicJwk(material.tokenKey.publicKey);

  // Public material only: certificates and the token verifying key. On a rotation (`prev` set):
  // new roots first, then the new intermediate, then what the files no longer hold is retired
  // from the bundle: roots removed from rootCertFile, and this replica's previous intermediate
  // (proxies whose certificate it signed see it gone and renew early onto the new chain).
  type Signing = Pick<CaMaterial, 'roots' | 'intermediate'>;
  const publish = async (next: Signing, prev?: Signing): Promise<void> => {
    let changed = false;
    for (const root of next.roots) {
      changed = (await publishOnce(store, identityKey(cluster, 'roots', fingerprint(root)), { pem: root.toString('pem') } satisfies CertRecord)) || changed;
    }
    changed =
      (await publishOnce(store, identityKey(cluster, 'intermediates', next.intermediate.fingerprint), {
        pem: next.intermediate.pem,
        cluster,
      } satisfies CertRecord)) || changed;
    if (prev) {
      const keepRoots = new Set(next.roots.map((r) => fingerprint(r)));
      for (const r of prev.roots) {
        if (!keepRoots.has(fingerprint(r))) changed = (await store.delete(identityKey(cluster, 'roots', fingerprint(r))).then(() => true, () => false)) || changed;
      }
      if (prev.intermediate.fingerprint !== next.intermediate.fingerprint) {
        changed = (await store.delete(identityKey(cluster, 'intermediates', prev.intermediate.fingerprint)).then(() => true, () => false)) || changed;
      }
    }
    if (changed) {
      const revision = await store.currentRevision();
      await bus.publish({ kind: 'identity.bundle-changed', subject: 'bundle', data: null, revision }).catch((err: unknown) => {
        logger.warn({ err }, 'bundle-changed event not published; replicas will see the store watch');
      });
    }
  };
  await publish(material);
  await publishOnce(store, identityKey(cluster, 'token-keys', kid), { jwk, createdAt: new Date().toISOString() } satisfies TokenKeyRecord);

  const trust = new TrustState({ cluster, store, bus, logger, resyncMs: options.resyncMs });
  await trust.start();
  const ca = new CertificateAuthority(material.intermediate, {
    defaultSeconds: options.certTtlSeconds,
    minSeconds: options.minCertTtlSeconds,
    maxSeconds: options.maxCertTtlSeconds,
  });
  const signer = new JoinTokenSigner(kid, material.tokenKey.privateKey);
  const metrics = identityMetrics();

  // Own TLS certificate, renewed at half its lifetime; roots follow the trust bundle.
  const tls = new MutableTlsSource();
  tls.setRoots(trust.bundle().roots.join('\n'));
  const onBundle = (b: { roots: string[] }): void => tls.setRoots(b.roots.join('\n'));
  trust.on('bundle', onBundle);
  let renewTimer: NodeJS.Timeout | undefined;
  const renewOwn = async (): Promise<void> => {
    const keys = await generateP256(true);
    const issued = await ca.issueServer(keys.publicKey, { trustDomain: options.trustDomain, ...IDENTITY_SELF }, options.serverNames, options.serverCertTtlSeconds);
    tls.set({ certChainPem: `${issued.pem}\n${ca.intermediate.pem}\n`, keyPem: await privateKeyToPem(keys.privateKey), rootsPem: tls.current?.rootsPem ?? '' });
    const delay = Math.max(1000, (issued.notAfter.getTime() - Date.now()) / 2);
    renewTimer = setTimeout(() => {
      renewOwn().catch((err: unknown) => {
        logger.error({ err }, 'renewing the identity server certificate failed; retrying in 5 s');
        renewTimer = setTimeout(() => void renewOwn().catch(() => undefined), 5000);
        renewTimer.unref();
      });
    }, delay);
    renewTimer.unref();
  };
  await renewOwn();

  // Rotation without restart: the CA files are polled; a usable new set is published and signs
  // from then on, a half-written or inconsistent one is logged and the current material kept.
  let signing: Signing = material;
  let reloading: Promise<void> = Promise.resolve();
  const reloadCa = async (): Promise<void> => {
    let next: Signing;
    try {
      next = await loadSigningMaterial(config.ca, cluster, new Date(), signing.intermediate);
    } catch (err) {
      metrics.caReloads.inc({ result: 'rejected' });
      logger.warn({ err: (err as Error).message }, 'CA files changed but cannot be used (yet); keeping the current CA material');
      return;
    }
    const sameRoots = next.roots.map((r) => fingerprint(r)).join() === signing.roots.map((r) => fingerprint(r)).join();
    if (sameRoots && next.intermediate.fingerprint === signing.intermediate.fingerprint) return;
    const prev = signing;
    await publish(next, prev);
    signing = next;
    if (next.intermediate !== prev.intermediate) {
      ca.setIntermediate(next.intermediate);
      clearTimeout(renewTimer);
      await renewOwn();
    }
    metrics.caReloads.inc({ result: 'applied' });
    logger.warn(
      { roots: next.roots.map((r) => r.subject), intermediate: next.intermediate.cert.subject, retiredIntermediate: next.intermediate === prev.intermediate ? null : prev.intermediate.cert.subject },
      'CA files changed: new CA material in use',
    );
  };
  const caFiles = [config.ca.rootCertFile, config.ca.rootKeyFile, config.ca.intermediateCertFile, config.ca.intermediateKeyFile].filter((f): f is string => f !== undefined);
  const onCaFile = (): void => {
    reloading = reloading.then(reloadCa).catch((err: unknown) => logger.error({ err }, 'applying new CA material failed; will retry on the next file change'));
  };
  for (const f of caFiles) watchFile(f, { interval: config.ca.watchIntervalMs ?? 1000, persistent: false }, onCaFile);
  const unwatchCa = (): void => {
    for (const f of caFiles) unwatchFile(f, onCaFile);
  };

  const sessions = new Set<{ end(): void }>();
  const pkg = loadPackageDefinition(IDENTITY_PROTO);
  const ctor = lookup<grpc.ServiceClientConstructor>(loadGrpcObject(IDENTITY_PROTO), IDENTITY_SERVICE_NAME);
  const tracker = new IssuedTracker();
  const unregisterState = registerIdentityState({ tracker, trust });
  let server: RunningGrpcServer;
  try {
    server = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      services: [
        {
          name: IDENTITY_SERVICE_NAME,
          definition: ctor.service,
          implementation: identityApi({ cluster, options, ca, signer, trust, auth, store, bus, logger, metrics, tracker, sessions, publishTimeoutMs: 3000 }),
        },
      ],
      reflection: [pkg],
      logger,
      // Generous so that oversized CSRs reach the handler and get a precise INVALID_ARGUMENT.
      maxReceiveMessageBytes: 2 * 1024 * 1024,
      // Identity is the one service that must also take calls without a client certificate
      // (first issuance with a join token), so it never insists on one at the handshake.
      security: { tls },
    });
  } catch (err) {
    unwatchCa();
    unregisterState();
    clearTimeout(renewTimer);
    await trust.close();
    throw err;
  }
  serving = true;
  runtime.admin.addReadiness({
    name: 'store',
    check: async () => {
      try {
        await store.currentRevision();
        return undefined;
      } catch (err) {
        return `store unreachable: ${(err as Error).message}`;
      }
    },
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unwatchCa();
      unregisterState();
      await reloading;
      clearTimeout(renewTimer);
      trust.off('bundle', onBundle);
      for (const s of [...sessions]) s.end();
      await server.close();
      await trust.close();
    })();
    return closing;
  };
  runtime.lifecycle.add('identity-grpc', close);
  logger.info({ intermediate: material.intermediate.cert.subject, notAfter: material.intermediate.cert.notAfter, kid }, 'mesh CA ready');
  return { port: server.port, address: server.address, trust, ca, grpc: server, close };
}
