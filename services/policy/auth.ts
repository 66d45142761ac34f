// Bearer-token authentication and role checks for the policy API. Roles are ordered:
// viewer < editor < admin. Tokens are compared by SHA-256 digest in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { PermissionDeniedError, UnauthenticatedError } from '../../lib/errors.js';
import type { AuthConfig, Role } from './config.js';

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
