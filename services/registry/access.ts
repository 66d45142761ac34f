// Who may do what in the registry (DESIGN.md "Trust"). Writes (Register, Heartbeat, SetHealth,
// Deregister) come from workloads: the caller is the SPIFFE ID of its verified client
// certificate, and it may act only on instances of its own namespace/service; an instance
// remembers the identity that registered it (`owner`), and no other identity may supersede,
// renew, mark or remove it. Reads (Get, List, Watch) are for operators, with a bearer token of
// at least the viewer role: proxies learn endpoints from config-push, never from the registry.
// Registrations are rate-limited per identity, so a workload can only exhaust its own budget.
//
// `insecure: true` (plaintext, tests) has no certificates: every write is taken as from an
// unauthenticated workload, as before this module existed, and nothing records an owner.
import type * as grpc from '@grpc/grpc-js';
import { PermissionDeniedError, ResourceExhaustedError } from '../../lib/errors.js';
import type { Authenticator, Principal, Role } from '../../lib/auth/operator-auth.js';
import { peerIdentity, type Workload } from '../../lib/identity/peer-identity.js';
import { formatServiceId } from '../../lib/model/names.js';

/** The identity a write acts as: a verified workload, or none in insecure mode. */
export type WriteCaller = Workload | undefined;

export interface RegistryAccessOptions {
  insecure: boolean;
  trustDomain: string;
  auth: Authenticator;
  /** Register calls per second per identity (burst: twice as many). */
  registrationsPerSecond: number;
}

type WithContext = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext' | 'metadata'>;

export class RegistryAccess {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly opts: RegistryAccessOptions) {}

  /** The caller of a write; UNAUTHENTICATED without a workload certificate (unless insecure). */
  caller(call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): WriteCaller {
    if (this.opts.insecure) return undefined;
    return peerIdentity(call, this.opts.trustDomain, 'registry writes need the workload certificate of the instance\'s service (mTLS)');
  }

  /** PERMISSION_DENIED unless `caller` is the service `namespace/service`. */
  checkService(caller: WriteCaller, namespace: string, service: string, action: string): void {
    if (!caller) return;
    if (caller.namespace === namespace && caller.service === service) return;
    throw new PermissionDeniedError(
      `${caller.spiffeId} may not ${action} instances of ${formatServiceId({ namespace, service })}: a workload acts only for its own namespace/service`,
    );
  }

  /** PERMISSION_DENIED when the instance was registered by another identity than `caller`. */
  checkOwner(caller: WriteCaller, owner: string | undefined, subject: string, action: string): void {
    if (!caller || owner === undefined || owner === caller.spiffeId) return;
    throw new PermissionDeniedError(`instance ${subject} was registered by ${owner}; ${caller.spiffeId} may not ${action} it`);
  }

  /** RESOURCE_EXHAUSTED when `caller` registers faster than its budget allows. */
  takeRegistration(caller: WriteCaller): void {
    if (!caller) return;
    const rate = this.opts.registrationsPerSecond;
    const now = Date.now();
    const b = this.buckets.get(caller.spiffeId) ?? { tokens: rate * 2, at: now };
    b.tokens = Math.min(rate * 2, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(caller.spiffeId, b);
      throw new ResourceExhaustedError(`${caller.spiffeId} registers more than ${rate} instances per second; retry later`);
    }
    b.tokens -= 1;
    this.buckets.set(caller.spiffeId, b);
    if (this.buckets.size > 10_000) for (const [k, v] of this.buckets) if (v.tokens >= rate * 2) this.buckets.delete(k);
  }

  /** An operator with at least `role` (bearer token); UNAUTHENTICATED / PERMISSION_DENIED otherwise. */
  operator(call: Pick<WithContext, 'metadata'>, role: Role, action: string): Principal {
    const principal = this.opts.auth.authenticate(call.metadata);
    this.opts.auth.authorize(principal, role, action);
    return principal;
  }
}
