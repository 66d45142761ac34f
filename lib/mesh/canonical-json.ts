// Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped. Two values
// with equal content always give the same text, so a hash of it is a content version.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(src).sort()) {
      const v = src[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Content version: the first 16 hex digits (64 bits) of the SHA-256 of the canonical text. */
export function contentVersion(canonicalText: string): string {
  return createHash('sha256').update(canonicalText).digest('hex').slice(0, 16);
}
