// Turning etcd3/gRPC failures into Plexus domain errors, and bounding every call in time.
// A store that cannot answer must fail fast with UnavailableError, never hang a caller.
import { castGrpcError, ClientClosedError, EtcdError, EtcdLeaseInvalidError, isRecoverableError } from 'etcd3';
import { LeaseNotFoundError, PlexusError, ResourceExhaustedError, UnavailableError } from '../errors.js';

/** etcd server messages that mean "try again later" rather than "your request is wrong". */
const TRANSIENT_MESSAGES = [
  'etcdserver: no leader',
  'etcdserver: leader changed',
  'etcdserver: request timed out',
  'etcdserver: too many requests',
  'etcdserver: server stopped',
  'etcdserver: not capable',
];

export function isUnavailable(err: unknown): boolean {
  if (err instanceof UnavailableError) return true;
  if (!(err instanceof Error)) return false;
  if (err instanceof ClientClosedError) return true;
  if (isRecoverableError(err)) return true;
  return TRANSIENT_MESSAGES.some((m) => err.message.includes(m));
}

/**
 * Map an error from an etcd call to a domain error. `what` names the operation for the
 * message; `leaseId` is the lease the call referred to, if any.
 */
export function mapEtcdError(raw: unknown, what: string, leaseId?: string): Error {
  if (raw instanceof PlexusError) return raw;
  // Errors on streams arrive as plain gRPC status errors; give them etcd3's typed classes.
  const err = raw instanceof Error && raw.constructor === Error ? castGrpcError(raw) : raw;
  if (err instanceof EtcdLeaseInvalidError && leaseId !== undefined) return new LeaseNotFoundError(leaseId, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  if (isUnavailable(err)) return new UnavailableError(`etcd unavailable (${what}): ${message}`, { cause: err });
  if (err instanceof EtcdError && message.includes('request is too large')) {
    return new ResourceExhaustedError(`etcd rejected ${what}: ${message}`);
  }
  return new PlexusError('INTERNAL', `etcd ${what} failed: ${message}`, { cause: err });
}

/**
 * Run `call`, failing with UnavailableError once `ms` have passed. gRPC deadlines normally
 * fire first; this is the backstop that makes "bounded time" hold whatever the client does.
 */
export async function bounded<T>(ms: number, what: string, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`etcd unavailable (${what}): no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([call(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
