// NATS-style subject patterns over the event kind (`instance.*`, `policy.>`, `>`), validated
// the same way for every transport, and matched locally by the in-process bus.
import { ValidationError } from '../errors.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Throws ValidationError unless `pattern` is dot-separated tokens, `*` wildcards and an optional final `>`. */
export function validatePattern(pattern: string): string[] {
  const tokens = pattern.split('.');
  const bad = (message: string): never => {
    throw new ValidationError([{ path: 'pattern', message: `${message} (got '${pattern}')` }]);
  };
  if (pattern.length === 0 || pattern.length > 256) bad('must be 1–256 characters');
  tokens.forEach((t, i) => {
    if (t === '>') {
      if (i !== tokens.length - 1) bad("'>' may only be the last token");
    } else if (t !== '*' && !TOKEN.test(t)) {
      bad(`token ${i + 1} must be '*', '>' or letters, digits, '_' and '-'`);
    }
  });
  return tokens;
}

/** True when `subject` (concrete tokens) matches `pattern` (tokens with `*` / final `>`). */
export function subjectMatches(pattern: readonly string[], subject: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (p !== '*' && p !== subject[i]) return false;
  }
  return subject.length === pattern.length;
}
