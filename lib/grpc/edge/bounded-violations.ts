// An INVALID_ARGUMENT status travels in HTTP/2 trailers (grpc-message and
// grpc-status-details-bin). Trailers above the peer's header-list limit (about 64 KB) are
// never sent: the caller gets no answer at all and its connection is left wedged. So the edge
// reports at most MAX_LISTED violations, each cut to a sane length, within a byte budget, plus
// the count of the rest; the status message is cut the same way.
import type { FieldViolation } from '../../errors.js';

export const VIOLATION_LIMITS = {
  /** Violations listed one by one; the rest are counted. */
  maxListed: 100,
  maxPathChars: 200,
  maxMessageChars: 300,
  /** UTF-8 bytes of all listed paths and messages together (base64 in the trailer adds a third). */
  maxListedBytes: 16 * 1024,
  /** Characters of the human-readable status message (percent-encoded on the wire). */
  maxStatusMessageChars: 2048,
} as const;

export interface BoundedViolations {
  listed: FieldViolation[];
  /** Violations not listed. */
  more: number;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function boundViolations(violations: readonly FieldViolation[]): BoundedViolations {
  const listed: FieldViolation[] = [];
  let bytes = 0;
  for (const v of violations) {
    if (listed.length === VIOLATION_LIMITS.maxListed) break;
    const bounded = { path: cut(v.path, VIOLATION_LIMITS.maxPathChars), message: cut(v.message, VIOLATION_LIMITS.maxMessageChars) };
    bytes += Buffer.byteLength(bounded.path) + Buffer.byteLength(bounded.message) + 8;
    if (bytes > VIOLATION_LIMITS.maxListedBytes) break;
    listed.push(bounded);
  }
  return { listed, more: violations.length - listed.length };
}

/** `… and N more`, the trailing entry and message suffix for violations not listed. */
export function moreText(more: number): string {
  return `… and ${more} more`;
}

/**
 * The status message: `message` when short enough, else as many whole `path: message` entries
 * of `listed` as fit, followed by the count of the rest.
 */
export function boundedStatusMessage(message: string, violations: readonly FieldViolation[]): string {
  const max = VIOLATION_LIMITS.maxStatusMessageChars;
  if (message.length <= max) return message;
  if (violations.length === 0) return cut(message, max);
  let out = '';
  let shown = 0;
  for (const v of violations) {
    const entry = `${cut(v.path, VIOLATION_LIMITS.maxPathChars) || '(root)'}: ${cut(v.message, VIOLATION_LIMITS.maxMessageChars)}`;
    const next = out === '' ? entry : `${out}; ${entry}`;
    if (next.length > max - 32) break;
    out = next;
    shown++;
  }
  const rest = violations.length - shown;
  return rest > 0 ? `${out}${out === '' ? '' : '; '}${moreText(rest)}` : out;
}
