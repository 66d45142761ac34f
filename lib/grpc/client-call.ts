// Client side of the edge: one unary call as a promise, with a deadline, and the answer's gRPC
// status turned back into a domain error (lib/registry-client/errors.ts) so callers test
// `isPlexusError(err, 'NOT_FOUND')` whatever the transport.
import type * as grpc from '@grpc/grpc-js';
import { fromGrpcError } from '../registry-client/errors.js';

export type UnaryInvoke<T> = (options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: T) => void) => void;

/**
 * Run `invoke` with a deadline `deadlineMs` from now. `mapError` may replace the default
 * mapping for some statuses (return undefined to keep it).
 */
export function unaryCall<T>(
  what: string,
  deadlineMs: number,
  invoke: UnaryInvoke<T>,
  mapError?: (err: grpc.ServiceError) => Error | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    invoke({ deadline: Date.now() + deadlineMs }, (err, res) => {
      if (err) reject(mapError?.(err) ?? fromGrpcError(err, what));
      else if (res === undefined) reject(fromGrpcError(new Error('empty response'), what));
      else resolve(res);
    });
  });
}
