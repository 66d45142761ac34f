// Argument checks every Store backend applies the same way before touching anything, so bad
// input fails with a ValidationError naming the field and nothing is half-applied.
// (Backend-neutral; it lives beside the memory backend, the reference implementation.)
import { ValidationError } from '../errors.js';
import { validateKey } from './keys.js';
import { STORE_LIMITS, type DeleteOptions, type PutOptions } from './store.js';

export function checkKey(key: string): void {
  validateKey(key);
}

export function checkPrefix(prefix: string): void {
  validateKey(prefix, { prefix: true });
}

/** A revision argument: an integer ≥ min (0 for expectedRevision, 1 for a watch start). */
export function checkRevision(field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError([{ path: field, message: `must be an integer ≥ ${min}, got ${describe(value)}` }]);
  }
}

export function checkLeaseId(field: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new ValidationError([{ path: field, message: `must be a non-empty lease id, got ${describe(id)}` }]);
  }
}

export function checkTtl(ttlSeconds: unknown): asserts ttlSeconds is number {
  const { minLeaseTtlSeconds: min, maxLeaseTtlSeconds: max } = STORE_LIMITS;
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < min || ttlSeconds > max) {
    throw new ValidationError([{ path: 'ttlSeconds', message: `must be an integer from ${min} to ${max}, got ${describe(ttlSeconds)}` }]);
  }
}

export function checkPutOptions(options: PutOptions | undefined): void {
  if (options?.expectedRevision !== undefined) checkRevision('expectedRevision', options.expectedRevision, 0);
  if (options?.lease !== undefined) checkLeaseId('lease', options.lease);
}

export function checkDeleteOptions(options: DeleteOptions | undefined): void {
  if (options?.expectedRevision !== undefined) checkRevision('expectedRevision', options.expectedRevision, 0);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}
