// Operator bearer-token authentication and role checks, shared by every control-plane API.
// Roles are ordered: viewer < editor < admin. Tokens are compared by SHA-256 digest in
// constant time.
//
// Auth: bearer tokens, each with a principal name (written to the audit log) and a role.
//   auth:
//     tokens:
//       - { name: alice, token: "…", role: admin }
//     anonymous: none        # role for calls without a token: none | viewer | editor | admin
// Safe default: with no tokens and `anonymous: none` (the default), every call is refused
// with UNAUTHENTICATED — a policy service is never writable by accident. Dev mode must set
// `anonymous` explicitly. A wrong token is always UNAUTHENTICATED, even when anonymous is set.
// Env example: PLEXUS_AUTH__TOKENS='[{"name":"ci","token":"…","role":"editor"}]'.
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { PermissionDeniedError, UnauthenticatedError } from '../errors.js';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const tokenSchema = z
  .object({
    /** Principal name used in the audit log and history. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'must be 1–128 of A-Z a-z 0-9 . _ @ -, starting alphanumeric'),
    token: z.string().min(16, 'must be at least 16 characters').max(512),
    role: z.enum(ROLES),
  })
  .strict();

export const authConfigSchema = z
  .object({
    tokens: z.array(tokenSchema).default([]),
    anonymous: z.enum(['none', ...ROLES]).default('none'),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const seenTokens = new Set<string>();
    const seenNames = new Set<string>();
    auth.tokens.forEach((t, i) => {
      if (seenTokens.has(t.token)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'token'], message: 'duplicates another token' });
      if (seenNames.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'name'], message: 'duplicates another token name' });
      seenTokens.add(t.token);
      seenNames.add(t.name);
    });
  });
export type AuthConfig = z.infer<typeof authConfigSchema>;

export interface Principal {
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class Authenticator {
  private readonly tokens: Array<{ digest: Buffer; principal: Principal }>;
  private readonly anonymous: Principal | undefined;

  constructor(config: AuthConfig) {
    this.tokens = config.tokens.map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role } }));
    this.anonymous = config.anonymous === 'none' ? undefined : { name: 'anonymous', role: config.anonymous };
  }

  /** True when no call can succeed (no tokens, no anonymous role): worth a warning at start. */
  get locked(): boolean {
    return this.tokens.length === 0 && this.anonymous === undefined;
  }

  /** Who is calling; UNAUTHENTICATED for a missing (unless anonymous is allowed) or unknown token. */
  authenticate(metadata: grpc.Metadata): Principal {
    const values = metadata.get('authorization');
    if (values.length === 0) {
      if (this.anonymous) return this.anonymous;
      throw new UnauthenticatedError('missing bearer token (metadata "authorization: Bearer <token>")');
    }
    if (values.length > 1) throw new UnauthenticatedError('more than one authorization header');
    const header = String(values[0]);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new UnauthenticatedError('authorization must be "Bearer <token>"');
    const presented = digest(m[1]!);
    let found: Principal | undefined;
    for (const t of this.tokens) if (timingSafeEqual(t.digest, presented)) found = t.principal;
    if (!found) throw new UnauthenticatedError('invalid token');
    return found;
  }

  /** PERMISSION_DENIED unless `principal` has at least `needed`. */
  authorize(principal: Principal, needed: Role, action: string): void {
    if (RANK[principal.role] < RANK[needed]) {
      throw new PermissionDeniedError(`${principal.name} (${principal.role}) may not ${action}: needs the ${needed} role`);
    }
  }
}
