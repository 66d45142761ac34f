// Header hygiene between hops. Hop-by-hop headers (RFC 9110 §7.6.1), the headers a Connection
// header names, HTTP/2 pseudo-headers and `expect` (this proxy answers 100-continue itself) are
// not forwarded. HTTP/2 forbids connection-specific headers outright, and allows `te` only as
// `trailers` (which gRPC needs).
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderBag } from '../routing/header-edits.js';

const REQUEST_DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'http2-settings',
  'host',
]);

const RESPONSE_DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer']);

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  let set: Set<string> | undefined;
  for (const raw of text.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t === '' || t === 'keep-alive' || t === 'close') continue;
    (set ??= new Set()).add(t);
  }
  return set;
}

/** Request headers to send upstream (host/:authority are set by the caller). */
export function upstreamRequestHeaders(src: IncomingHttpHeaders, toHttp2: boolean): HeaderBag {
  const out: HeaderBag = {};
  const named = connectionTokens(src.connection);
  for (const name in src) {
    if (name.charCodeAt(0) === 58 /* ':' */ || REQUEST_DROP.has(name)) continue;
    if (named !== undefined && named.has(name)) continue;
    out[name] = src[name];
  }
  if (toHttp2) {
    const te = src.te;
    if (typeof te === 'string' && /(^|,)\s*trailers\s*(,|$)/i.test(te)) out.te = 'trailers';
  }
  return out;
}

/** Response headers to send downstream. */
export function downstreamResponseHeaders(src: IncomingHttpHeaders): HeaderBag {
  const out: HeaderBag = {};
  const named = connectionTokens(src.connection);
  for (const name in src) {
    if (name.charCodeAt(0) === 58 || RESPONSE_DROP.has(name)) continue;
    if (named !== undefined && named.has(name)) continue;
    out[name] = src[name];
  }
  return out;
}

/** Trailers: drop pseudo and hop-by-hop names too. */
export function forwardableTrailers(src: IncomingHttpHeaders | undefined): Record<string, string> | undefined {
  if (!src) return undefined;
  let out: Record<string, string> | undefined;
  for (const name in src) {
    if (name.charCodeAt(0) === 58 || RESPONSE_DROP.has(name)) continue;
    const v = src[name];
    if (v === undefined) continue;
    (out ??= {})[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * A header bag as the flat `[name, value, name, value…]` list node:http accepts for requests
 * and writeHead: it skips the per-header setHeader bookkeeping (values are still validated).
 */
export function toHeaderList(bag: HeaderBag): string[] {
  const out: string[] = [];
  for (const name in bag) {
    const v = bag[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.push(name, item);
    else out.push(name, typeof v === 'string' ? v : String(v));
  }
  return out;
}
