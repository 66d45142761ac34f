// Retry settings, shared by Route rules and the Mesh default.
import { z } from 'zod';
import { duration } from './duration.js';
import { uniqueList } from './fields.js';

export const RETRY_ON = ['5xx', 'gateway-error', 'connect-failure', 'reset'] as const;
/** Safe for non-idempotent requests: nothing reached the application, or a gateway failed. */
export const DEFAULT_RETRY_ON: Array<(typeof RETRY_ON)[number]> = ['gateway-error', 'connect-failure', 'reset'];
export const DEFAULT_BACKOFF = { baseInterval: 25, maxInterval: 250 };

export const backoffSchema = z
  .strictObject({
    baseInterval: duration(1, 10_000),
    maxInterval: duration(1, 60_000),
  })
  .refine((b) => b.baseInterval <= b.maxInterval, { message: 'baseInterval must not exceed maxInterval', path: ['maxInterval'] });

export const retriesSchema = z.strictObject({
  /** Retries after the first try; 0 disables retrying. */
  attempts: z.number().int('must be an integer').min(0, 'must be between 0 and 10').max(10, 'must be between 0 and 10'),
  /** Deadline of each try; absent: only the overall timeout applies. */
  perTryTimeout: duration(1, 300_000).optional(),
  retryOn: uniqueList(z.enum(RETRY_ON, { error: `must be one of ${RETRY_ON.join(', ')}` }), RETRY_ON.length).default(DEFAULT_RETRY_ON),
  backoff: backoffSchema.default(DEFAULT_BACKOFF),
});

export type Retries = z.output<typeof retriesSchema>;
export type RetryOn = (typeof RETRY_ON)[number];
