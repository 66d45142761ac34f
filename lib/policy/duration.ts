// Durations in policy documents. Input: a string of one or more `<number><unit>` parts with
// units ms, s, m, h (`250ms`, `1.5s`, `1m30s`), or a bare non-negative integer meaning
// milliseconds. Normalised policies hold integer milliseconds, so a normalised document parses
// to itself.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
const MAX_TEXT = 32;

/** Parse a duration to whole milliseconds; undefined if it is not one (or is not whole ms). */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const text = input.trim();
  if (text.length === 0 || text.length > MAX_TEXT) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== at) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  // Sub-millisecond precision is not representable; reject rather than round silently.
  const rounded = Math.round(total * 1000) / 1000;
  return Number.isInteger(rounded) ? rounded : undefined;
}

/** Human form of a millisecond count: `250ms`, `1.5s`, `2m`, `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${ms / 1000}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest ? `${rest / 1000}s` : ''}`;
}

/**
 * A duration field bounded to [minMs, maxMs]; parses to integer milliseconds. Bounds keep a
 * typo (`10h` for `10s`) from tying up connections for hours.
 */
export function duration(minMs: number, maxMs: number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration like 250ms, 1.5s, 2m or 1h (or whole milliseconds as a number); got ${JSON.stringify(value).slice(0, 40)}`,
      });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)}; got ${formatDuration(ms)}` });
      return z.NEVER;
    }
    return ms;
  });
}
