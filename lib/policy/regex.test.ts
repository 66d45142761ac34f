// The safe regex subset: agrees with ECMAScript on what it accepts, rejects backtracking
// shapes quickly, and matches in linear time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRegex, compileRegex } from './regex.js';

const PATTERNS = [
  'abc', 'a.c', '/api/v[0-9]+/.*', '[^/]+', '(?:foo|bar)baz', 'foo|bar|', 'x?y*z+', 'a{2,3}', 'a{2}', 'a{2,}b',
  '[a-z0-9_-]+', '\\d+\\.\\d+', '\\w+\\s\\W', '[\\d.]+', '[^\\s]+', '\\bfoo\\b.*', '.*\\Bo.*', '^/health$', '(ab)?c', '[\\]a]+',
  'a|b|c', '\\x41\\t', '[-a]', '[a-]', '(a|b)c?', '.*', '', '\\/x\\.y', 'a*?b', '[\\D]',
].filter((p) => p !== '');

const INPUTS = ['', 'a', 'abc', 'aXc', '/api/v12/items', '/api/v/x', 'foo', 'bar', 'foobaz', 'barbaz', 'xyz', 'yz', 'z', 'aa', 'aaa', 'aaaa',
  'aab', 'abc_9-', '3.14', 'foo bar', 'foo\nbar', '/health', 'abc', 'ac', ']a]', 'A\t', '-', 'c', 'bc', '/x.y', 'b', 'aaab', 'x1', 'foo-bar', 'boo'];

void describe('safe regex', () => {
  void it('matches exactly like an anchored ECMAScript RegExp on the subset', () => {
    let compared = 0;
    for (const p of PATTERNS) {
      const ours = compileRegex(p);
      const native = new RegExp(`^(?:${p})$`);
      for (const input of INPUTS) {
        assert.equal(ours.matches(input), native.test(input), `pattern ${JSON.stringify(p)} on ${JSON.stringify(input)}`);
        compared++;
      }
    }
    assert.ok(compared > 900);
  });

  void it('rejects catastrophic-backtracking shapes fast, naming the offset', () => {
    for (const p of ['(a+)+$', '(a*)*b', '(a|aa)+', '(x+x+)+y', '(\\w+\\s?)*$', '((ab)*)+', '(a?){2,}', '(.*a){3}']) {
      const started = performance.now();
      const r = checkRegex(p);
      const ms = performance.now() - started;
      assert.equal(r.ok, false, p);
      if (!r.ok) assert.match(r.message, /at offset \d+/);
      assert.ok(ms < 50, `${p} took ${ms} ms to reject`);
    }
  });

  void it('rejects what is outside the subset', () => {
    const cases: Array<[string, RegExp]> = [
      ['(a)\\1', /backreference/],
      ['(?<n>a)\\k<n>', /named groups/],
      ['(?=a)', /lookahead/],
      ['(?<!a)b', /lookahead and lookbehind/],
      ['(?i)abc', /inline flags/],
      ['\\p{L}', /unsupported escape/],
      ['a**', /quantifier follows/],
      ['*a', /nothing to repeat/],
      ['a{1000}', /bound above/],
      ['a{3,2}', /m < n/],
      ['[z-a]', /out of order/],
      ['(ab', /missing '\)'/],
      ['ab)', /unmatched/],
      ['[ab', /missing '\]'/],
      ['a{', /malformed/],
      ['\\', /lone backslash/],
      ['^*', /anchor/],
    ];
    for (const [p, why] of cases) {
      const r = checkRegex(p);
      assert.equal(r.ok, false, p);
      if (!r.ok) assert.match(r.message, why, p);
    }
    assert.equal(checkRegex('x'.repeat(257)).ok, false);
    const big = checkRegex('a{100}'.repeat(42));
    assert.equal(big.ok, false); // > 4000 instructions
  });

  void it('matches in linear time where a backtracking engine explodes', () => {
    // `.*.*.*x` on 8 KB takes about two minutes in V8's backtracking engine.
    const r = compileRegex('.*.*.*x');
    const input = 'a'.repeat(8192);
    const started = performance.now();
    assert.equal(r.matches(input), false);
    assert.equal(r.matches(input + 'x'), true);
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});
