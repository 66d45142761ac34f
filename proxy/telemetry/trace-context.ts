// W3C Trace Context (traceparent) and x-request-id. The proxy joins the caller's trace when a
// valid traceparent arrives and starts one when it is missing or malformed; either way the
// request leaves with a traceparent whose parent-id is a span id of this proxy's hop.
import { randomFillSync, randomUUID } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

// Random hex comes from a pool refilled in bulk: one syscall per 512 ids, not per request.
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const s = POOL.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return s;
}

export interface TraceContext {
  traceId: string;
  /** This hop's span id (the parent-id of the outgoing traceparent). */
  spanId: string;
  /** The caller's span id, when it sent one. */
  parentId: string | undefined;
  flags: string;
  /** The value to send upstream. */
  traceparent: string;
}

export function traceFrom(header: string | string[] | undefined): TraceContext {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value === undefined ? null : TRACEPARENT.exec(value.trim());
  const spanId = randomHex(8);
  if (m && m[1] !== ZERO_TRACE && m[2] !== ZERO_SPAN) {
    const traceId = m[1]!;
    const flags = m[3]!;
    return { traceId, spanId, parentId: m[2], flags, traceparent: `00-${traceId}-${spanId}-${flags}` };
  }
  const traceId = randomHex(16);
  return { traceId, spanId, parentId: undefined, flags: '01', traceparent: `00-${traceId}-${spanId}-01` };
}

/** The caller's x-request-id when it is sane (printable, ≤ 128 chars), else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.length > 0 && value.length <= 128 && /^[\x21-\x7e]+$/.test(value)) return value;
  return randomUUID();
}
