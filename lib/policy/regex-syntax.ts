// Parser for the regular-expression subset policies may use (see regex.ts for the contract).
// Produces a small AST for the linear-time matcher in regex-vm.ts and rejects, with the offset,
// everything outside the subset: backreferences, lookaround, inline flags, named groups,
// nested quantifiers and alternation under a repeating quantifier.

/** Inclusive UTF-16 code-unit ranges; `negate` inverts the set. */
export interface CharSet {
  ranges: Array<[number, number]>;
  negate: boolean;
}

export type RegexNode =
  | { t: 'empty' }
  | { t: 'char'; set: CharSet }
  | { t: 'cat'; items: RegexNode[] }
  | { t: 'alt'; items: RegexNode[] }
  | { t: 'repeat'; node: RegexNode; min: number; max: number }
  | { t: 'assert'; kind: 'bol' | 'eol' | 'word' | 'notword' };

export class RegexSyntaxError extends Error {
  constructor(readonly offset: number, message: string) {
    super(`at offset ${offset}: ${message}`);
  }
}

/** Largest bound in `{n}`, `{n,}`, `{n,m}`. */
export const MAX_REPEAT = 100;

const DIGIT: Array<[number, number]> = [[0x30, 0x39]];
const WORD: Array<[number, number]> = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
// ECMAScript's \s (WhiteSpace and LineTerminator).
const SPACE: Array<[number, number]> = [
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a],
  [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
];
// `.` matches anything but a line terminator (ECMAScript without the s flag).
export const DOT: CharSet = { ranges: [[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]], negate: true };

const SIMPLE_ESCAPES: Record<string, number> = { t: 0x09, n: 0x0a, v: 0x0b, f: 0x0c, r: 0x0d };
const CLASS_ESCAPES: Record<string, CharSet> = {
  d: { ranges: DIGIT, negate: false },
  D: { ranges: DIGIT, negate: true },
  w: { ranges: WORD, negate: false },
  W: { ranges: WORD, negate: true },
  s: { ranges: SPACE, negate: false },
  S: { ranges: SPACE, negate: true },
};

export function isWordChar(code: number): boolean {
  return WORD.some(([lo, hi]) => code >= lo && code <= hi);
}

export function parseRegex(source: string): RegexNode {
  return new Parser(source).parse();
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): RegexNode {
    const node = this.alt();
    if (this.pos < this.src.length) throw this.fail(`unmatched ')'`);
    return node;
  }

  private fail(message: string, at = this.pos): RegexSyntaxError {
    return new RegexSyntaxError(at, message);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private alt(): RegexNode {
    const items = [this.cat()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.cat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private cat(): RegexNode {
    const items: RegexNode[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) items.push(this.repeat());
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private repeat(): RegexNode {
    const atomAt = this.pos;
    let node = this.atom();
    const q = this.quantifier();
    if (!q) return node;
    if (node.t === 'assert') throw this.fail('a quantifier cannot follow an anchor or boundary', atomAt);
    if (q.max > 1) {
      // Both shapes make backtracking engines explode: (a+)+ and (a|aa)* on "aaaa…!".
      if (containsKind(node, 'repeat')) {
        throw this.fail('nested quantifier (a repeated group that itself repeats) is not allowed: it can backtrack catastrophically', atomAt);
      }
      if (containsKind(node, 'alt')) {
        throw this.fail('alternation inside a repeated group is not allowed: use a character class or list the alternatives without repetition', atomAt);
      }
    }
    node = { t: 'repeat', node, min: q.min, max: q.max };
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?' || c === '{') throw this.fail('quantifier follows another quantifier');
    return node;
  }

  private quantifier(): { min: number; max: number } | undefined {
    const c = this.peek();
    let q: { min: number; max: number } | undefined;
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    if (q) this.pos++;
    else if (c === '{') q = this.braces();
    if (!q) return undefined;
    if (this.peek() === '?') this.pos++; // lazy: same language, and match() only answers yes/no
    return q;
  }

  private braces(): { min: number; max: number } {
    const start = this.pos;
    const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.src.slice(this.pos));
    if (!m) throw this.fail('malformed {n,m} quantifier (escape a literal brace as \\{)', start);
    this.pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) throw this.fail(`repetition bound above ${MAX_REPEAT}`, start);
    if (max < min) throw this.fail('quantifier {n,m} has m < n', start);
    return { min, max };
  }

  private atom(): RegexNode {
    const at = this.pos;
    const c = this.src[this.pos++]!;
    switch (c) {
      case '(':
        return this.group(at);
      case '[':
        return { t: 'char', set: this.charClass(at) };
      case '.':
        return { t: 'char', set: DOT };
      case '^':
        return { t: 'assert', kind: 'bol' };
      case '$':
        return { t: 'assert', kind: 'eol' };
      case '\\':
        return this.escape(at);
      case '*':
      case '+':
      case '?':
        throw this.fail('nothing to repeat', at);
      case '{':
      case '}':
        throw this.fail(`unescaped '${c}' (escape a literal brace as \\${c})`, at);
      default:
        return literal(c.charCodeAt(0));
    }
  }

  private group(at: number): RegexNode {
    if (this.peek() === '?') {
      const next = this.peek(1);
      const next2 = this.peek(2);
      if (next === ':') this.pos += 2;
      else if (next === '=' || next === '!' || (next === '<' && (next2 === '=' || next2 === '!'))) {
        throw this.fail('lookahead and lookbehind are not supported', at);
      } else if (next === '<' || next === 'P') throw this.fail('named groups are not supported; use (?:...) or (...)', at);
      else throw this.fail('inline flags and other (?...) groups are not supported', at);
    }
    const node = this.alt();
    if (this.peek() !== ')') throw this.fail(`missing ')' for the group opened at offset ${at}`);
    this.pos++;
    return node;
  }

  private escape(at: number): RegexNode {
    const c = this.src[this.pos++];
    if (c === undefined) throw this.fail('pattern ends with a lone backslash', at);
    if (c === 'b') return { t: 'assert', kind: 'word' };
    if (c === 'B') return { t: 'assert', kind: 'notword' };
    const set = CLASS_ESCAPES[c];
    if (set) return { t: 'char', set };
    return literal(this.escapedCode(c, at));
  }

  /** The code unit of a single-character escape (after the backslash). */
  private escapedCode(c: string, at: number): number {
    if (c >= '1' && c <= '9') throw this.fail('backreferences are not supported', at);
    if (c === 'k') throw this.fail('backreferences are not supported', at);
    if (c === '0') {
      if (/[0-9]/.test(this.peek() ?? '')) throw this.fail('octal escapes are not supported', at);
      return 0;
    }
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return simple;
    if (c === 'x') {
      const hex = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos));
      if (!hex) throw this.fail('\\x needs two hex digits', at);
      this.pos += 2;
      return parseInt(hex[0], 16);
    }
    if (/[A-Za-z0-9]/.test(c)) throw this.fail(`unsupported escape \\${c}`, at);
    return c.charCodeAt(0);
  }

  private charClass(at: number): CharSet {
    const negate = this.peek() === '^';
    if (negate) this.pos++;
    const ranges: Array<[number, number]> = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw this.fail(`missing ']' for the class opened at offset ${at}`);
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const lo = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        const dashAt = this.pos;
        this.pos++;
        const hi = this.classAtom();
        if (typeof lo !== 'number' || typeof hi !== 'number') throw this.fail('a range cannot start or end with a class escape', dashAt);
        if (hi < lo) throw this.fail('range out of order in character class', dashAt);
        ranges.push([lo, hi]);
      } else if (typeof lo === 'number') ranges.push([lo, lo]);
      else if (lo.negate) {
        // [\D], [\W], [\S] inside a class: add the complement explicitly.
        ranges.push(...complement(lo.ranges));
      } else ranges.push(...lo.ranges);
    }
    return { ranges, negate };
  }

  private classAtom(): number | CharSet {
    const at = this.pos;
    const c = this.src[this.pos++]!;
    if (c === '[' && this.peek() === ':') throw this.fail('POSIX classes like [:alpha:] are not supported', at);
    if (c !== '\\') return c.charCodeAt(0);
    const e = this.src[this.pos++];
    if (e === undefined) throw this.fail('pattern ends with a lone backslash', at);
    if (e === 'b') throw this.fail('\\b inside a character class is not supported', at);
    const set = CLASS_ESCAPES[e];
    if (set) return set;
    return this.escapedCode(e, at);
  }
}

function literal(code: number): RegexNode {
  return { t: 'char', set: { ranges: [[code, code]], negate: false } };
}

function complement(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

/** True when `node` or a node inside it is of kind `t`. */
function containsKind(node: RegexNode, t: 'repeat' | 'alt'): boolean {
  if (node.t === t) return true;
  switch (node.t) {
    case 'repeat':
      return containsKind(node.node, t);
    case 'cat':
    case 'alt':
      return node.items.some((n) => containsKind(n, t));
    default:
      return false;
  }
}
