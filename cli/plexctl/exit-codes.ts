// The exit codes scripts can rely on, and the error that means exit code 2. Apart from
// command.ts so that settings.ts and kinds.ts can throw a UsageError without importing the
// command shape (which names Settings).
/**
 * Exit codes (documented in `plexctl help`):
 *   0 success · 1 `diff` found differences · 2 usage error (bad flags or arguments)
 *   3 invalid input (unreadable file, bad YAML/JSON, or a document that failed validation)
 *   4 server unavailable or timed out · 5 not authenticated or not permitted
 *   6 revision conflict (compare-and-set lost) · 7 not found · 8 any other failure
 *   9 a rollout was rejected (NACK) by a proxy · 10 a rollout did not complete in time:
 *     proxies still pending or disconnected, or no proxy holds it although the target has
 *     registered instances (`apply --wait`, `rollout status`)
 * With several documents, the exit code is the first failing document's.
 */
export const EXIT = {
  OK: 0,
  DIFFERENT: 1,
  USAGE: 2,
  INVALID: 3,
  UNAVAILABLE: 4,
  AUTH: 5,
  CONFLICT: 6,
  NOT_FOUND: 7,
  FAILED: 8,
  REJECTED: 9,
  INCOMPLETE: 10,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
