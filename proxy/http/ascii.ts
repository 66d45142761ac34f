// Byte classes and hex digits for the hand-written HTTP/1.1 parsers (message framing and path
// normalisation), which look at bytes and char codes, never at decoded strings.

/** A lookup table: 1 at the char code of each of `chars` (all ASCII). */
export function asciiSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (const c of chars) set[c.charCodeAt(0)] = 1;
  return set;
}

/** True when `set` holds `code` (any code, ASCII or not). */
export function inSet(set: Uint8Array, code: number): boolean {
  return code < 128 && set[code] === 1;
}

/** The value of a hex digit (either case), or -1. */
export function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}
