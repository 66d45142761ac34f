// Join tokens: short JWTs (ES256) an operator hands to a workload so it can obtain its first
// certificate. Claims: jti, sub = `ns/svc`, optional cluster, iat, exp, aud `plexus-identity`.
// The verifying keys are public and published in the store (identity/token-keys/<kid>), so any
// replica verifies a token minted by any other. Revocation is by jti (see trust-state.ts).
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { PermissionDeniedError, UnauthenticatedError, ValidationError } from '../errors.js';
import { EC_P256, subtle, type CryptoKey } from './crypto.js';
import { parseWorkloadSubject, workloadSubject, type ServiceId as WorkloadName } from '../model/names.js';

export const JOIN_TOKEN_AUDIENCE = 'plexus-identity';
/** A join token is a few hundred bytes; anything much larger is refused unparsed. */
export const MAX_JOIN_TOKEN_BYTES = 4096;

export interface JoinTokenClaims extends WorkloadName {
  jti: string;
  cluster: string | undefined;
  issuedAt: Date;
  expiresAt: Date;
}

export interface CreatedJoinToken {
  token: string;
  claims: JoinTokenClaims;
}

export async function publicJwk(publicKey: CryptoKey): Promise<{ kid: string; jwk: JWK }> {
  const full = await exportJWK(publicKey);
  const jwk: JWK = { kty: full.kty!, crv: full.crv!, x: full.x!, y: full.y! };
  // Hex of the RFC 7638 thumbprint: usable as a store key segment (base64url may start with '_').
  return { kid: Buffer.from(await calculateJwkThumbprint(jwk), 'base64url').toString('hex'), jwk };
}

export async function importPublicJwk(jwk: JWK): Promise<CryptoKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error('token key must be an EC P-256 JWK');
  return subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true }, EC_P256, true, ['verify']);
}

export class JoinTokenSigner {
  constructor(
    readonly kid: string,
    private readonly privateKey: CryptoKey,
  ) {}

  async create(name: WorkloadName, ttlSeconds: number, cluster?: string, now = new Date()): Promise<CreatedJoinToken> {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: JoinTokenClaims = {
      ...name,
      jti: randomUUID(),
      cluster,
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date((iat + ttlSeconds) * 1000),
    };
    const token = await new SignJWT(cluster === undefined ? {} : { cluster })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.kid })
      .setJti(claims.jti)
      .setSubject(workloadSubject(name))
      .setAudience(JOIN_TOKEN_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(this.privateKey);
    return { token, claims };
  }
}

export interface VerifyContext {
  /** The verifying key for a kid, or undefined when none is published. */
  keyFor(kid: string): Promise<CryptoKey | undefined>;
  isRevoked(jti: string): boolean;
  /** This replica's cluster: a token bound to another cluster is refused. */
  cluster: string;
  now?: Date;
}

/**
 * UNAUTHENTICATED for anything that is not a live token of ours (malformed, unknown key, bad
 * signature, `alg` other than ES256, wrong audience, expired, revoked); PERMISSION_DENIED for a
 * genuine token bound to another cluster.
 */
export async function verifyJoinToken(token: string, ctx: VerifyContext): Promise<JoinTokenClaims> {
  if (typeof token !== 'string' || token.length === 0) throw new UnauthenticatedError('join token is required');
  if (token.length > MAX_JOIN_TOKEN_BYTES) throw new ValidationError([{ path: 'join_token', message: `is longer than ${MAX_JOIN_TOKEN_BYTES} bytes` }]);
  let payload: JWTPayload;
  try {
    const result = await jwtVerify(
      token,
      async (header) => {
        if (header.alg !== 'ES256' || typeof header.kid !== 'string') throw new Error('unsupported header');
        const key = await ctx.keyFor(header.kid);
        if (!key) throw new Error('unknown signing key');
        return key;
      },
      {
        algorithms: ['ES256'],
        audience: JOIN_TOKEN_AUDIENCE,
        requiredClaims: ['jti', 'sub', 'exp', 'iat'],
        clockTolerance: 5,
        ...(ctx.now ? { currentDate: ctx.now } : {}),
      },
    );
    payload = result.payload;
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'invalid';
    throw new UnauthenticatedError(`join token refused (${code === 'ERR_JWT_EXPIRED' ? 'expired' : code.replace(/^ERR_/, '').toLowerCase()})`);
  }
  const name = typeof payload.sub === 'string' ? parseWorkloadSubject(payload.sub) : undefined;
  if (!name || typeof payload.jti !== 'string') throw new UnauthenticatedError('join token refused (bad claims)');
  if (ctx.isRevoked(payload.jti)) throw new UnauthenticatedError('join token refused (revoked)');
  const cluster = payload.cluster;
  if (cluster !== undefined && typeof cluster !== 'string') throw new UnauthenticatedError('join token refused (bad claims)');
  if (cluster !== undefined && cluster !== ctx.cluster) {
    throw new PermissionDeniedError(`join token is for cluster ${cluster}, not ${ctx.cluster}`);
  }
  return {
    ...name,
    jti: payload.jti,
    cluster,
    issuedAt: new Date((payload.iat ?? 0) * 1000),
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
}
