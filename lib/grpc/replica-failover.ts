// One unary call against a list of replicas of one service (`host:port,host:port`): the same
// request goes to the next replica only when sending it again cannot do harm.
//
// When is a resend safe?
// - read: always (nothing changes); on any UNAVAILABLE, whether the replica is unreachable or
//   answered that it cannot reach its store (another replica may).
// - write: only when the failure proves the request never left this process: grpc-js fails a
//   call with "No connection established" when no connection to the replica could be made (it
//   was down, refused, or failed its TLS handshake before the call was sent). A call that broke
//   after it was sent (connection dropped, deadline passed, the server's own UNAVAILABLE) may have
//   been applied, and is never resent: the caller gets the error and decides.
// - conditional write (compare-and-set on an expected revision): resent on any UNAVAILABLE,
//   because the revision precondition makes a second application impossible: if the first
//   attempt was applied after all, the resend fails with a conflict, and the error says that the
//   earlier attempt may have been applied.
// Each process tries the replicas in order, starting with the last one that answered.
import * as grpc from '@grpc/grpc-js';
import { PlexusError, UnavailableError } from '../errors.js';
import { isServiceError } from './status.js';

export type CallSafety = 'read' | 'write' | 'conditional-write';

/** `a:1, b:2` → ['a:1', 'b:2'] (blanks dropped). */
export function splitAddresses(list: string): string[] {
  return list
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** grpc-js says so when the call failed before any connection carried it. */
export function provablyUndelivered(err: grpc.ServiceError): boolean {
  return err.code === grpc.status.UNAVAILABLE && /^No connection established/.test(err.details);
}

function mayResend(err: unknown, safety: CallSafety): boolean {
  if (!isServiceError(err)) return false;
  if (safety === 'write') return provablyUndelivered(err);
  return err.code === grpc.status.UNAVAILABLE;
}

/** The reason of an UNAVAILABLE, without grpc-js's boilerplate. */
export function unavailableCause(err: grpc.ServiceError): string {
  return err.details.replace(/\. Resolution note:.*$/s, '').replace(/^No connection established\. Last error: (Error: )?/, '');
}

export interface ReplicaCallOptions<T> {
  /** For messages: `policy service`. */
  service: string;
  addresses: readonly string[];
  safety: CallSafety;
  /** Index to try first (the last replica that answered). */
  first: number;
  /** One attempt on replica `index`; rejects with the raw grpc ServiceError. */
  attempt: (index: number) => Promise<T>;
  /** The domain error of a final failure of one replica (the single-replica mapping). */
  mapError: (err: unknown, address: string) => Error;
}

/** Runs the call on the replicas (see the header); resolves with the answer and who gave it. */
export async function callReplicas<T>(opts: ReplicaCallOptions<T>): Promise<{ value: T; index: number }> {
  const n = opts.addresses.length;
  const failures: Array<{ address: string; err: unknown }> = [];
  let ambiguous: string | undefined;
  for (let k = 0; k < n; k++) {
    const index = (opts.first + k) % n;
    const address = opts.addresses[index]!;
    try {
      return { value: await opts.attempt(index), index };
    } catch (err) {
      failures.push({ address, err });
      const last = k === n - 1;
      if (last || !mayResend(err, opts.safety)) {
        const mapped = opts.mapError(err, address);
        if (ambiguous !== undefined && mapped instanceof PlexusError && mapped.code === 'CONFLICT') {
          mapped.message = `${mapped.message} (an earlier attempt at ${ambiguous} failed after it was sent and may have been applied: check the current state)`;
        }
        if (failures.length > 1 && isServiceError(err) && err.code === grpc.status.UNAVAILABLE) {
          const each = failures.map((f) => `${f.address} (${isServiceError(f.err) ? unavailableCause(f.err) : String(f.err)})`);
          throw new UnavailableError(`${opts.service} is unavailable at every address: ${each.join('; ')}`, { cause: err });
        }
        throw mapped;
      }
      if (isServiceError(err) && !provablyUndelivered(err)) ambiguous = address;
    }
  }
  throw new UnavailableError(`${opts.service}: no address to call`);
}
