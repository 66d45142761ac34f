// Request-path normalisation, applied before any route or access rule is matched so that one
// resource has one spelling (the class of bypasses behind CVE-2019-9901 in Envoy).
//
// Contract, for the path part of an origin-form request target (the query is kept verbatim):
//   1. percent-encodings of unreserved characters (A-Z a-z 0-9 - . _ ~) are decoded; every other
//      percent-encoding is kept, with its hex digits upper-cased;
//   2. runs of `/` are merged into one;
//   3. `.` and `..` segments are removed (RFC 3986 §5.2.4).
// The path is rejected (no safe normal form exists) when it does not start with `/`, holds a
// malformed percent-encoding, an encoded `/` or `\` (%2F, %5C: the app might decode them into
// separators the rules never saw), an encoded NUL, a literal `\`, a control character, a space,
// a `#`, a non-ASCII byte, or a `..` that would climb above the root.
// The normalised path is what the app is sent. Access rules match a further reduced form,
// matchPath(): what lenient app servers would resolve the path to (see the README table).

import { asciiSet, hexValue, inSet } from './ascii.js';

export type NormalizedPath =
  | { ok: true; path: string; query: string }
  | { ok: false; reason: string };

const UNRESERVED = asciiSet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~');

// Characters that may appear in a path that needs no work (pchar minus '%', plus '/').
const PLAIN_CHAR = asciiSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/");

/** True when the path is already normal: plain characters, no `//`, no `.` or `..` segment. */
function isPlain(path: string): boolean {
  let prevSlash = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (!inSet(PLAIN_CHAR, c)) return false;
    if (c === 47) {
      if (prevSlash) return false;
      prevSlash = true;
    } else {
      if (prevSlash && c === 46) {
        // "/." or "/.." followed by "/" or the end is a dot segment.
        const n = path.charCodeAt(i + 1);
        if (Number.isNaN(n) || n === 47) return false;
        if (n === 46) {
          const n2 = path.charCodeAt(i + 2);
          if (Number.isNaN(n2) || n2 === 47) return false;
        }
      }
      prevSlash = false;
    }
  }
  return true;
}

/** Normalise a request target (`/a/b?x=1`). Never throws. */
export function normalizePath(target: string): NormalizedPath {
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (rawPath.length === 0 || rawPath.charCodeAt(0) !== 47) return { ok: false, reason: 'path must start with /' };
  if (isPlain(rawPath) && isPlainQuery(query)) return { ok: true, path: rawPath, query };
  if (!isPlainQuery(query)) return { ok: false, reason: 'query holds a control, space, # or non-ASCII character' };

  // 1. decode unreserved, validate the rest.
  let decoded = '';
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 37) {
      const hi = hexValue(rawPath.charCodeAt(i + 1));
      const lo = hexValue(rawPath.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return { ok: false, reason: 'malformed percent-encoding' };
      const byte = hi * 16 + lo;
      if (byte === 0x2f || byte === 0x5c) return { ok: false, reason: 'encoded path separator (%2F or %5C)' };
      if (byte === 0) return { ok: false, reason: 'encoded NUL' };
      if (inSet(UNRESERVED, byte)) decoded += String.fromCharCode(byte);
      else decoded += '%' + rawPath[i + 1]!.toUpperCase() + rawPath[i + 2]!.toUpperCase();
      i += 2;
      continue;
    }
    if (c <= 0x20 || c >= 0x7f) return { ok: false, reason: 'control, space or non-ASCII character in path' };
    if (c === 92) return { ok: false, reason: 'backslash in path' };
    if (c === 35) return { ok: false, reason: '# in path' };
    decoded += rawPath[i];
  }

  // 2 + 3. split on '/', dropping empty segments (merges slashes), resolve dot segments.
  const parts = decoded.split('/');
  const out: string[] = [];
  const last = parts[parts.length - 1];
  const trailingSlash = last === '' || last === '.' || last === '..';
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return { ok: false, reason: 'path climbs above the root' };
      out.pop();
      continue;
    }
    out.push(seg);
  }
  let path = '/' + out.join('/');
  if (trailingSlash && out.length > 0) path += '/';
  return { ok: true, path, query };
}

function isPlainQuery(query: string): boolean {
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 35) return false;
  }
  return true;
}

/**
 * The form Access rules match: the normalised path (from normalizePath) as the most lenient
 * common app servers read it, so that a deny also covers every spelling they would serve as
 * the denied path. Per segment: `;` parameters are cut (Tomcat, Spring, Jetty: `/admin;x=1`
 * is `/admin`, `..;` is `..`); then `.` and `..` are resolved again; then trailing `.` and
 * encoded spaces (`%20`) are cut (Windows and IIS file names: `/admin.` is `/admin`); a
 * segment left empty is dropped. A trailing `/` is kept (exact rules ignore it). Returns
 * undefined when the reduced form climbs above the root (`/..;/x`): no safe reading exists.
 */
export function matchPath(normalized: string): string | undefined {
  if (!NEEDS_REDUCTION.test(normalized)) return normalized;
  const parts = normalized.split('/');
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < parts.length; i++) {
    let seg = parts[i]!;
    const semi = seg.indexOf(';');
    if (semi !== -1) seg = seg.slice(0, semi);
    trailingSlash = i === parts.length - 1;
    if (seg === '.' || seg === '') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    seg = seg.replace(TRAILING_DOTS_SPACES, '');
    if (seg === '') continue;
    trailingSlash = false;
    out.push(seg);
  }
  return '/' + out.join('/') + (trailingSlash && out.length > 0 ? '/' : '');
}

// Only paths holding `;`, a `.` before a `/` or at the end, or `%20` need matchPath's work.
const NEEDS_REDUCTION = /;|\.(?:\/|$)|%20/;
const TRAILING_DOTS_SPACES = /(?:\.|%20)+$/;
