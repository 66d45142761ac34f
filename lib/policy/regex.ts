// Regular expressions in policies (Route path/header matches).
//
// Contract, chosen so that no pattern can make the mesh spend super-linear time:
// - Syntax is a subset that means the same in RE2 and ECMAScript: literals, `.`, classes
//   `[a-z]`/`[^...]`, `\d \w \s \D \W \S \b \B`, `\t \n \r \f \v \0 \xHH`, escaped punctuation,
//   groups `(...)`/`(?:...)`, `|`, anchors `^ $`, quantifiers `* + ? {n} {n,} {n,m}` (n, m ≤ 100;
//   lazy forms accepted). Rejected with the offset: backreferences, lookaround, named groups,
//   inline flags, unknown escapes, and the shapes that backtrack catastrophically in a
//   backtracking engine: a repeated group that contains a quantifier (`(a+)+`, `(a?b?)*`) and
//   alternation under a repeating quantifier (`(a|aa)*`).
// - Patterns are at most MAX_REGEX_LENGTH characters and compile to at most MAX_PROGRAM
//   instructions.
// - A pattern matches the WHOLE value (implicitly anchored, like Envoy's safe_regex).
// - Matching uses compileRegex(), a Pike VM that runs in O(input × pattern) time. Consumers
//   (config-push, the proxy) must match with it, never with `new RegExp(pattern)`: even the
//   subset allows `.*.*.*x`, which takes minutes in V8's backtracking engine on 8 KB input.
import { parseRegex, RegexSyntaxError } from './regex-syntax.js';
import { compileProgram, ProgramTooLargeError, runProgram, type Program } from './regex-vm.js';

export const MAX_REGEX_LENGTH = 256;

export interface SafeRegex {
  readonly source: string;
  /** True when the pattern matches the whole input. */
  matches(input: string): boolean;
}

export type RegexCheck = { ok: true; regex: SafeRegex } | { ok: false; message: string };

/** Validate and compile; never throws. The message names the offending offset. */
export function checkRegex(source: string): RegexCheck {
  if (source.length === 0) return { ok: false, message: 'must not be empty' };
  if (source.length > MAX_REGEX_LENGTH) return { ok: false, message: `must be at most ${MAX_REGEX_LENGTH} characters (got ${source.length})` };
  let program: Program;
  try {
    program = compileProgram(parseRegex(source));
  } catch (err) {
    if (err instanceof RegexSyntaxError || err instanceof ProgramTooLargeError) return { ok: false, message: `invalid regex: ${err.message}` };
    throw err;
  }
  // The subset is valid ECMAScript too; check so that tools showing the pattern never choke.
  try {
    new RegExp(source);
  } catch (err) {
    return { ok: false, message: `invalid regex: ${(err as Error).message}` };
  }
  return { ok: true, regex: { source, matches: (input) => runProgram(program, input) } };
}

/** Compile a pattern that has passed validation; throws on an invalid one. */
export function compileRegex(source: string): SafeRegex {
  const result = checkRegex(source);
  if (!result.ok) throw new Error(result.message);
  return result.regex;
}
