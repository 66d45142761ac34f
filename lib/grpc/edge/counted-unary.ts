// A unary handler that counts each call by method and outcome (the status code name), so every
// API's request metric means the same thing. Refusals are optional log lines; unexpected errors
// are logged as errors and answered INTERNAL by `unary`.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isPlexusError } from '../../errors.js';
import { unary } from '../status.js';

export interface CallCounter {
  inc(labels: { method: string; code: string }): void;
}

export interface CountedUnaryOptions {
  counter: CallCounter;
  logger: Logger;
  /** Names the API in the unexpected-error log line, e.g. "policy API". */
  api: string;
  /** Log refused calls (domain errors other than INTERNAL) at info. */
  logRefusals?: boolean;
}

/** `counted(method, handler)`: `unary(handler)` plus the request counter. */
export function countedUnary(opts: CountedUnaryOptions) {
  return <Req, Res>(method: string, handler: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    unary<Req, Res>(
      async (call) => {
        try {
          const res = await handler(call);
          opts.counter.inc({ method, code: 'OK' });
          return res;
        } catch (err) {
          opts.counter.inc({ method, code: isPlexusError(err) ? err.code : 'INTERNAL' });
          if (opts.logRefusals && isPlexusError(err) && err.code !== 'INTERNAL') {
            opts.logger.info({ method, code: err.code, reason: err.message }, `${opts.api} call refused`);
          }
          throw err;
        }
      },
      (err) => opts.logger.error({ err, method }, `unexpected error in ${opts.api}`),
    );
}
