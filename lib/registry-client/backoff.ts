// Exponential backoff with jitter: each delay is drawn from [base/2, base], base doubling up
// to `maxMs`. The jitter keeps many clients that failed together (a replica died under 50
// proxies) from retrying in lock-step.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Source of randomness in [0, 1); tests may pin it. */
  random?: () => number;
}

export class Backoff {
  private base: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 100;
    this.maxMs = opts.maxMs ?? 5000;
    this.factor = opts.factor ?? 2;
    this.random = opts.random ?? Math.random;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs) || !(this.factor >= 1)) {
      throw new RangeError('backoff needs 0 < initialMs ≤ maxMs and factor ≥ 1');
    }
    this.base = this.initialMs;
  }

  /** The next delay in ms; grows until reset(). */
  next(): number {
    const delay = Math.round(this.base / 2 + (this.random() * this.base) / 2);
    this.base = Math.min(this.base * this.factor, this.maxMs);
    return delay;
  }

  reset(): void {
    this.base = this.initialMs;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
