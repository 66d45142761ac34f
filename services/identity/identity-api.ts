// The gRPC edge of plexus.identity.v1.Identity: authenticate (operator bearer token, join
// token or verified client certificate), check input, call the CA, encode responses. Domain
// errors become statuses in lib/grpc/status.ts only. Nothing is written before every check passed.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { EventBus } from '../../lib/bus/index.js';
import { DNS_LABEL_RE } from '../../lib/config/fields.js';
import { isPlexusError, PermissionDeniedError, ValidationError, type FieldViolation } from '../../lib/errors.js';
import { countedUnary } from '../../lib/grpc/edge/counted-unary.js';
import type { CertificateAuthority} from '../../lib/identity/certificate-authority.js';
import type { IssuedCertificate } from '../../lib/identity/certificate-authority.js';
import { fingerprint, parseCertificates } from '../../lib/identity/crypto.js';
import { parseCsr, type ParsedCsr } from '../../lib/identity/csr.js';
import { verifyJoinToken, type JoinTokenSigner } from '../../lib/identity/join-tokens.js';
import { identityKey } from '../../lib/identity/keys.js';
import { formatSpiffeId, type SpiffeServiceId as SpiffeId } from '../../lib/model/names.js';
import { peerIdentity } from '../../lib/identity/peer-identity.js';
import type { RevokedRecord, TrustState } from '../../lib/identity/trust-state.js';
import type { CaStatusResponse } from '../../lib/proto/gen/plexus/identity/v1/CaStatusResponse.js';
import type { CertificateResponse } from '../../lib/proto/gen/plexus/identity/v1/CertificateResponse.js';
import type { CreateJoinTokenRequest__Output } from '../../lib/proto/gen/plexus/identity/v1/CreateJoinTokenRequest.js';
import type { CreateJoinTokenResponse } from '../../lib/proto/gen/plexus/identity/v1/CreateJoinTokenResponse.js';
import type { IssueCertificateRequest__Output } from '../../lib/proto/gen/plexus/identity/v1/IssueCertificateRequest.js';
import type { RenewCertificateRequest__Output } from '../../lib/proto/gen/plexus/identity/v1/RenewCertificateRequest.js';
import type { RevokeJoinTokenRequest__Output } from '../../lib/proto/gen/plexus/identity/v1/RevokeJoinTokenRequest.js';
import type { RevokeJoinTokenResponse } from '../../lib/proto/gen/plexus/identity/v1/RevokeJoinTokenResponse.js';
import type { TrustBundle } from '../../lib/proto/gen/plexus/identity/v1/TrustBundle.js';
import type { Store } from '../../lib/store/store.js';
import type { Authenticator, Principal } from '../../lib/auth/operator-auth.js';
import type { IdentityOptions } from './config.js';
import type { IssuedTracker } from './issued-tracker.js';
import type { IdentityMetrics } from './metrics.js';

export interface IdentityApiDeps {
  cluster: string;
  options: IdentityOptions;
  ca: CertificateAuthority;
  signer: JoinTokenSigner;
  trust: TrustState;
  auth: Authenticator;
  store: Store;
  bus: EventBus;
  logger: Logger;
  metrics: IdentityMetrics;
  tracker: IssuedTracker;
  sessions: Set<{ end(): void }>;
  publishTimeoutMs: number;
}

const TOKEN_ID_RE = /^[A-Za-z0-9-]{1,64}$/;

export function identityApi(deps: IdentityApiDeps): grpc.UntypedServiceImplementation {
  const { auth, logger, metrics, trust, options } = deps;
  const audit = logger.child({ audit: true });

  const counted = countedUnary({ counter: metrics.requests, logger, api: 'identity API', logRefusals: true });

  const roots = (): string[] => trust.bundle().roots;

  /** Every spiffe:// URI the CSR asks for must be `id`; other requested names are ignored. */
  const checkRequested = (csr: ParsedCsr, id: SpiffeId): void => {
    const want = formatSpiffeId(id);
    const other = csr.requestedIds.find((r) => r !== want);
    if (other !== undefined) throw new PermissionDeniedError(`the CSR asks for ${other}, but the caller may only obtain ${want}`);
  };

  const respond = (issued: IssuedCertificate, how: 'token' | 'renewal'): CertificateResponse => {
    metrics.issued.inc({ how });
    deps.tracker.add(issued.cert.serialNumber, issued.spiffeId, issued.notAfter);
    return {
      certificate: issued.pem,
      chain: [deps.ca.intermediate.pem],
      trustBundle: roots(),
      spiffeId: issued.spiffeId,
      notAfter: issued.notAfter.toISOString(),
      ttlSeconds: issued.ttlSeconds,
    };
  };

  const IssueCertificate = counted<IssueCertificateRequest__Output, CertificateResponse>('IssueCertificate', async (call) => {
    const req = call.request;
    const claims = await verifyJoinToken(req.joinToken, { keyFor: (kid) => trust.keyFor(kid), isRevoked: (j) => trust.isRevoked(j), cluster: deps.cluster });
    const csr = await parseCsr(req.csr);
    const id: SpiffeId = { trustDomain: options.trustDomain, namespace: claims.namespace, service: claims.service };
    checkRequested(csr, id);
    const issued = await deps.ca.issueWorkload(csr.csr.publicKey, id, req.ttlSeconds);
    audit.info({ method: 'IssueCertificate', spiffeId: issued.spiffeId, jti: claims.jti, notAfter: issued.notAfter }, 'certificate issued');
    return respond(issued, 'token');
  });

  const RenewCertificate = counted<RenewCertificateRequest__Output, CertificateResponse>('RenewCertificate', async (call) => {
    const id = peerIdentity(call, options.trustDomain, 'renewal needs the current workload certificate as TLS client certificate');
    const csr = await parseCsr(call.request.csr);
    checkRequested(csr, id);
    const issued = await deps.ca.issueWorkload(csr.csr.publicKey, id, call.request.ttlSeconds);
    const previous = call.getAuthContext()?.sslPeerCertificate?.serialNumber;
    // The tracker holds x509 serials (hex, as generated); Node reports upper-case hex.
    if (previous) deps.tracker.replaced(previous.toLowerCase());
    audit.info({ method: 'RenewCertificate', spiffeId: issued.spiffeId, notAfter: issued.notAfter }, 'certificate renewed');
    return respond(issued, 'renewal');
  });

  const CreateJoinToken = counted<CreateJoinTokenRequest__Output, CreateJoinTokenResponse>('CreateJoinToken', async (call) => {
    const principal = auth.authenticate(call.metadata);
    auth.authorize(principal, 'admin', 'create join tokens');
    const req = call.request;
    const namespace = req.namespace || 'default';
    const violations: FieldViolation[] = [];
    if (!DNS_LABEL_RE.test(namespace)) violations.push({ path: 'namespace', message: 'must be a DNS label' });
    if (!DNS_LABEL_RE.test(req.service)) violations.push({ path: 'service', message: 'must be a DNS label (required)' });
    if (req.cluster !== '' && !DNS_LABEL_RE.test(req.cluster)) violations.push({ path: 'cluster', message: 'must be a DNS label' });
    if (req.ttlSeconds < 0 || req.ttlSeconds > options.maxTokenTtlSeconds || (req.ttlSeconds > 0 && req.ttlSeconds < 60)) {
      violations.push({ path: 'ttl_seconds', message: `must be 60–${options.maxTokenTtlSeconds} (0 = ${options.tokenTtlSeconds})` });
    }
    if (violations.length) throw new ValidationError(violations);
    const created = await deps.signer.create({ namespace, service: req.service }, req.ttlSeconds || options.tokenTtlSeconds, req.cluster || undefined);
    metrics.tokensCreated.inc();
    const spiffeId = formatSpiffeId({ trustDomain: options.trustDomain, namespace, service: req.service });
    audit.info({ method: 'CreateJoinToken', principal: principal.name, jti: created.claims.jti, spiffeId, expiresAt: created.claims.expiresAt }, 'join token created');
    return { token: created.token, id: created.claims.jti, spiffeId, expiresAt: created.claims.expiresAt.toISOString() };
  });

  const RevokeJoinToken = counted<RevokeJoinTokenRequest__Output, RevokeJoinTokenResponse>('RevokeJoinToken', async (call) => {
    let principal: Principal | undefined;
    try {
      principal = auth.authenticate(call.metadata);
      auth.authorize(principal, 'admin', 'revoke join tokens');
      const jti = call.request.id;
      if (!TOKEN_ID_RE.test(jti)) throw new ValidationError([{ path: 'id', message: 'must be a join token id' }]);
      const now = new Date();
      // The id alone does not say when the token expires: keep the record for the longest a token may live.
      const record: RevokedRecord = {
        revokedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + options.maxTokenTtlSeconds * 1000).toISOString(),
        by: principal.name,
      };
      const key = identityKey(deps.cluster, 'revoked', jti);
      const existing = await deps.store.get(key);
      if (existing) return { alreadyRevoked: true, revision: existing.revision };
      let revision: number;
      try {
        revision = await deps.store.put(key, record, { expectedRevision: 0 });
      } catch (err) {
        if (isPlexusError(err, 'CONFLICT')) return { alreadyRevoked: true, revision: (await deps.store.get(key))?.revision ?? 0 };
        throw err;
      }
      trust.markRevoked(jti, Date.parse(record.expiresAt));
      metrics.tokensRevoked.inc();
      metrics.revokedTokens.set(trust.revokedCount);
      await publishRevoked(deps, jti, record, revision);
      audit.info({ method: 'RevokeJoinToken', principal: principal.name, jti, revision }, 'join token revoked');
      return { alreadyRevoked: false, revision };
    } catch (err) {
      audit.warn({ method: 'RevokeJoinToken', principal: principal?.name ?? null, result: isPlexusError(err) ? err.code : 'INTERNAL' }, 'join token revoke refused');
      throw err;
    }
  });

  const toBundle = (): TrustBundle => {
    const b = trust.bundle();
    return { trustDomain: options.trustDomain, roots: b.roots, intermediates: b.intermediates, revision: b.revision };
  };

  const GetTrustBundle = counted<unknown, TrustBundle>('GetTrustBundle', async () => toBundle());

  const WatchTrustBundle: grpc.handleServerStreamingCall<unknown, TrustBundle> = (call) => {
    metrics.requests.inc({ method: 'WatchTrustBundle', code: 'OK' });
    metrics.bundleWatchers.inc();
    const send = (): void => {
      if (!call.writable || call.destroyed) return;
      call.write(toBundle());
    };
    const session = {
      end: () => {
        cleanup();
        call.end();
      },
    };
    const cleanup = (): void => {
      if (!deps.sessions.delete(session)) return;
      trust.off('bundle', send);
      metrics.bundleWatchers.dec();
    };
    deps.sessions.add(session);
    trust.on('bundle', send);
    call.on('cancelled', cleanup);
    call.on('close', cleanup);
    call.on('error', cleanup);
    send();
  };

  const CaStatus = counted<unknown, CaStatusResponse>('CaStatus', async (call) => {
    auth.authorize(auth.authenticate(call.metadata), 'viewer', 'read CA status');
    const b = trust.bundle();
    const describe = (pem: string, kind: 'root' | 'intermediate') =>
      parseCertificates(pem).map((c) => {
        return {
          kind,
          subject: c.subject,
          fingerprint: fingerprint(c),
          notBefore: c.notBefore.toISOString(),
          notAfter: c.notAfter.toISOString(),
          cluster: kind === 'intermediate' ? deps.cluster : '',
        };
      });
    const { soonest, live } = deps.tracker.soonest();
    metrics.revokedTokens.set(trust.revokedCount);
    return {
      trustDomain: options.trustDomain,
      cluster: deps.cluster,
      certificates: [...b.roots.flatMap((p) => describe(p, 'root')), ...b.intermediates.flatMap((p) => describe(p, 'intermediate'))],
      soonestWorkloadExpiry: soonest ? new Date(soonest.notAfter).toISOString() : '',
      soonestWorkloadSpiffeId: soonest?.spiffeId ?? '',
      issuedLive: live,
      revokedTokens: trust.revokedCount,
    };
  });

  return { IssueCertificate, RenewCertificate, CreateJoinToken, RevokeJoinToken, GetTrustBundle, WatchTrustBundle, CaStatus };
}

async function publishRevoked(deps: IdentityApiDeps, jti: string, record: RevokedRecord, revision: number): Promise<void> {
  // The store already holds the revocation; the event only makes other replicas see it sooner.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      deps.bus.publish({ kind: 'identity.token-revoked', subject: `token/${jti}`, data: { jti, expiresAt: record.expiresAt }, revision }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('publish timed out')), deps.publishTimeoutMs);
      }),
    ]);
  } catch (err) {
    deps.logger.warn({ err, jti }, 'token-revoked event not published; replicas will see the store watch');
  } finally {
    clearTimeout(timer);
  }
}


