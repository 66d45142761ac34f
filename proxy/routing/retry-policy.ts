// When a failed try may be retried, and how long to wait first. Semantics follow Envoy's
// retry_on values:
//   5xx              any 5xx response, a connect failure, a reset, a per-try timeout;
//   gateway-error    502/503/504 responses, a connect failure, a per-try timeout;
//   connect-failure  no connection could be made;
//   reset            the upstream reset or closed without a response, or a per-try timeout.
// Backoff is exponential with full jitter: try n waits random(0, min(max, base × 2^(n-1))).
import type { RetryPolicy } from '../../lib/mesh/resources.js';

export type TryFailure = 'connect-failure' | 'reset' | 'per-try-timeout';

export const DEFAULT_BACKOFF = { baseMs: 25, maxMs: 250 };

export function retriableStatus(policy: RetryPolicy, status: number): boolean {
  if (status < 500 || status > 599) return false;
  for (const on of policy.retryOn) {
    if (on === '5xx') return true;
    if (on === 'gateway-error' && (status === 502 || status === 503 || status === 504)) return true;
  }
  return false;
}

export function retriableFailure(policy: RetryPolicy, failure: TryFailure): boolean {
  for (const on of policy.retryOn) {
    if (on === '5xx') return true;
    if (on === 'gateway-error' && failure !== 'reset') return true;
    if (on === 'connect-failure' && failure === 'connect-failure') return true;
    if (on === 'reset' && failure !== 'connect-failure') return true;
  }
  return false;
}

/** Delay before retry number `retry` (1 = the first retry). */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const { baseMs, maxMs } = policy.backoff ?? DEFAULT_BACKOFF;
  const ceiling = Math.min(Math.max(maxMs, baseMs), baseMs * 2 ** Math.min(30, retry - 1));
  return Math.floor(random() * ceiling);
}
