import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchPath, normalizePath } from './path-normalize.js';

function ok(input: string): string {
  const r = normalizePath(input);
  assert.ok(r.ok, `${input} should normalise, got ${JSON.stringify(r)}`);
  return r.path + r.query;
}
function rejected(input: string): string {
  const r = normalizePath(input);
  assert.equal(r.ok, false, `${input} should be rejected, got ${JSON.stringify(r)}`);
  return r.ok ? '' : r.reason;
}

describe('normalizePath', () => {
  it('leaves normal paths and queries alone', () => {
    assert.equal(ok('/'), '/');
    assert.equal(ok('/a/b'), '/a/b');
    assert.equal(ok('/a/b/'), '/a/b/');
    assert.equal(ok('/a/.hidden/x.y'), '/a/.hidden/x.y');
    assert.equal(ok('/a?x=1&y=%2F..//'), '/a?x=1&y=%2F..//');
  });

  it('merges slashes', () => {
    assert.equal(ok('//admin'), '/admin');
    assert.equal(ok('/a//b///c'), '/a/b/c');
    assert.equal(ok('/a//'), '/a/');
  });

  it('resolves dot segments', () => {
    assert.equal(ok('/a/../admin'), '/admin');
    assert.equal(ok('/a/./b'), '/a/b');
    assert.equal(ok('/a/b/..'), '/a/');
    assert.equal(ok('/a/b/.'), '/a/b/');
    assert.equal(ok('/public/../admin/x'), '/admin/x');
  });

  it('decodes unreserved percent-encodings before resolving dots', () => {
    assert.equal(ok('/%61dmin'), '/admin');
    assert.equal(ok('/a/%2e%2e/admin'), '/admin');
    assert.equal(ok('/a/%2E./admin'), '/admin');
    assert.equal(ok('/%7Euser'), '/~user');
    // reserved characters stay encoded, with upper-case hex
    assert.equal(ok('/a%3fb'), '/a%3Fb');
    assert.equal(ok('/a%20b'), '/a%20b');
  });

  it('rejects what cannot be normalised safely', () => {
    assert.match(rejected('/a%2Fb'), /separator/);
    assert.match(rejected('/a%2fb'), /separator/);
    assert.match(rejected('/a%5Cb'), /separator/);
    assert.match(rejected('/a\\b'), /backslash/);
    assert.match(rejected('/a%zz'), /malformed/);
    assert.match(rejected('/a%4'), /malformed/);
    assert.match(rejected('/a%00b'), /NUL/);
    assert.match(rejected('/../etc/passwd'), /above the root/);
    assert.match(rejected('/a/../../b'), /above the root/);
    assert.match(rejected('/a/%2e%2e/%2e%2e/b'), /above the root/);
    assert.match(rejected('a/b'), /start with/);
    assert.match(rejected('*'), /start with/);
    assert.match(rejected('/a#frag'), /#/);
    assert.match(rejected('/a\u00e9'), /non-ASCII/);
    assert.match(rejected('/a\tb'), /control/);
  });

  it('keeps case: matching is case-sensitive', () => {
    assert.equal(ok('/Admin'), '/Admin');
  });
});

describe('matchPath', () => {
  const key = (input: string): string | undefined => {
    const r = normalizePath(input);
    assert.ok(r.ok, input);
    return matchPath(r.path);
  };

  it('reads the path as lenient app servers do', () => {
    assert.equal(key('/admin;x=1'), '/admin');
    assert.equal(key('/admin;/x'), '/admin/x');
    assert.equal(key('/admin.'), '/admin');
    assert.equal(key('/admin%2e'), '/admin');
    assert.equal(key('/admin%2E%2e'), '/admin');
    assert.equal(key('/products/admin%20'), '/products/admin');
    assert.equal(key('/products/admin/.'), '/products/admin/');
    assert.equal(key('/public/..;/admin'), '/admin');
    assert.equal(key('/a/;x/b'), '/a/b');
    assert.equal(key('/a/b.json'), '/a/b.json');
    assert.equal(key('/a/b'), '/a/b');
  });

  it('has no reading for a path that climbs above the root once parameters are cut', () => {
    assert.equal(key('/..;/admin'), undefined);
  });
});
