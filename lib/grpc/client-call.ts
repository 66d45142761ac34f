// Client side of the edge: one unary call as a promise, with a deadline, and the answer's gRPC
// status turned back into a domain error (client-errors.ts) so callers test
// `isPlexusError(err, 'NOT_FOUND')` whatever the transport.
import * as grpc from '@grpc/grpc-js';
import { fromGrpcError } from './client-errors.js';

const InterceptingCallCtor = grpc.InterceptingCall;

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

/**
 * Every page of a paged List: calls `page(token)` from '' until the next token is empty.
 * Pages are separate reads, not one snapshot; `revision` is the last page's.
 */
export async function allPages<T>(
  page: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string; revision: number }>,
): Promise<{ items: T[]; revision: number }> {
  const items: T[] = [];
  let pageToken = '';
  let revision = 0;
  do {
    const p = await page(pageToken);
    items.push(...p.items);
    revision = p.revision;
    pageToken = p.nextPageToken;
  } while (pageToken !== '');
  return { items, revision };
}

/**
 * Channel options that send `authorization: Bearer <token>` on every call of a client (an
 * interceptor, so it works on any channel credentials, plaintext included). {} without a token.
 */
export function bearerTokenOptions(token: string | undefined): grpc.ClientOptions {
  if (!token) return {};
  const interceptor: grpc.Interceptor = (options, nextCall) =>
    new InterceptingCallCtor(nextCall(options), {
      start(metadata, listener, next) {
        if (metadata.get('authorization').length === 0) metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
  return { interceptors: [interceptor] };
}
