// Argument checks every Store backend applies the same way before touching anything, so bad
// input fails with a ValidationError naming the field and nothing is half-applied.
// (Backend-neutral; it lives beside the memory backend, the reference implementation.)
import { ResourceExhaustedError, ValidationError } from '../errors.js';
import { encodeValue, validateKey } from './keys.js';
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

/** A checked op of a commit; puts carry their JSON text. */
export type CheckedOp = { type: 'put'; key: string; text: string; expectedRevision?: number; lease?: string } | { type: 'delete'; key: string; expectedRevision?: number };

/**
 * Checks a whole batch before anything is sent (Store.commit): every problem of every op, with
 * its index in the path; the values' combined size within one value's limit.
 */
export function checkWriteOps(ops: unknown): CheckedOp[] {
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > STORE_LIMITS.maxBatchOps) {
    throw new ValidationError([{ path: 'ops', message: `must be a list of 1 to ${STORE_LIMITS.maxBatchOps} writes, got ${Array.isArray(ops) ? `${ops.length}` : describe(ops)}` }]);
  }
  const problems: Array<{ path: string; message: string }> = [];
  const seen = new Set<string>();
  const out: CheckedOp[] = [];
  let bytes = 0;
  (ops as unknown[]).forEach((raw, i) => {
    const op = raw as { type?: unknown; key?: unknown; value?: unknown; expectedRevision?: unknown; lease?: unknown } | null;
    const at = (field: string): string => `ops[${i}].${field}`;
    const collect = (field: string, check: () => void): boolean => {
      try {
        check();
        return true;
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        for (const v of err.violations) problems.push({ path: at(field), message: v.message });
        return false;
      }
    };
    if (typeof op !== 'object' || op === null || (op.type !== 'put' && op.type !== 'delete')) {
      problems.push({ path: at('type'), message: `must be "put" or "delete", got ${describe(op?.type)}` });
      return;
    }
    const keyOk = collect('key', () => checkKey(op.key as string));
    if (keyOk && seen.has(op.key as string)) problems.push({ path: at('key'), message: `names a key an earlier op already writes: ${JSON.stringify(op.key)}` });
    if (keyOk) seen.add(op.key as string);
    const revOk = op.expectedRevision === undefined || collect('expectedRevision', () => checkRevision('expectedRevision', op.expectedRevision, 0));
    if (op.type === 'delete') {
      if (keyOk && revOk) out.push({ type: 'delete', key: op.key as string, ...(op.expectedRevision !== undefined ? { expectedRevision: op.expectedRevision as number } : {}) });
      return;
    }
    const leaseOk = op.lease === undefined || collect('lease', () => checkLeaseId('lease', op.lease));
    const text = encodeValue(op.value);
    bytes += Buffer.byteLength(text);
    if (keyOk && revOk && leaseOk) {
      out.push({
        type: 'put',
        key: op.key as string,
        text,
        ...(op.expectedRevision !== undefined ? { expectedRevision: op.expectedRevision as number } : {}),
        ...(op.lease !== undefined ? { lease: op.lease as string } : {}),
      });
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
  if (bytes > STORE_LIMITS.maxValueBytes) {
    throw new ResourceExhaustedError(`the values of one commit take ${bytes} bytes together, over the store limit of ${STORE_LIMITS.maxValueBytes} bytes`);
  }
  return out;
}
