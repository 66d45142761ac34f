// The east-west gateway's admission: proxies of other clusters reach this cluster's exported
// services through it. A request (or a TLS connection, by SNI) names one service as
// `<service>.<namespace>`, optionally with a port; anything else — another form, an IP literal,
// a name not in `exports`, an oversized name — is refused and nothing is forwarded. Names are
// compared in ASCII lower case, as DNS does; non-ASCII never matches.
//
// Accepted requests go to the outbound side of the gateway's own proxy core, which in this mode
// sees only this cluster's own endpoints (never another cluster's, never through a gateway), so
// traffic cannot be bounced from one cluster's gateway to another.
import { DNS_LABEL_RE } from '../lib/model/names.js';
import type { AnyRequest, AnyResponse } from './http/local-reply.js';
import { sendLocalReply } from './http/local-reply.js';
import type http2 from 'node:http2';

/** Longer than any DNS name plus a port: refused before any other look. */
export const MAX_EAST_WEST_NAME = 253 + 6;

export type EastWestTarget = { ok: true; service: string; authority: string } | { ok: false; status: 400 | 404; message: string };

/** Which exported service (`<namespace>/<service>`) a request authority or SNI names. */
export function eastWestTarget(name: string | undefined, exports: ReadonlySet<string>): EastWestTarget {
  if (name === undefined || name === '') return { ok: false, status: 400, message: 'missing authority' };
  if (name.length > MAX_EAST_WEST_NAME) return { ok: false, status: 400, message: `authority longer than ${MAX_EAST_WEST_NAME} characters` };
  // Printable ASCII only, before any case folding (no Unicode letter may fold into an exported name).
  if (!/^[\x21-\x7e]+$/.test(name)) return { ok: false, status: 400, message: 'authority is not printable ASCII' };
  let host = name;
  const colon = host.indexOf(':');
  if (colon !== -1) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return { ok: false, status: 400, message: 'authority is not <service>.<namespace>[:port]' };
    host = host.slice(0, colon);
  }
  const parts = host.toLowerCase().split('.');
  const [svc, ns] = parts;
  if (parts.length !== 2 || !DNS_LABEL_RE.test(svc!) || !DNS_LABEL_RE.test(ns!)) {
    return { ok: false, status: 400, message: 'authority is not <service>.<namespace>[:port]' };
  }
  const service = `${ns}/${svc}`;
  if (!exports.has(service)) return { ok: false, status: 404, message: `${service} is not exported by this cluster` };
  return { ok: true, service, authority: `${svc}.${ns}` };
}

/** The HTTP handler of an east-west listener: admit by authority, then the outbound side. */
export function eastWestHandler(
  exports: ReadonlySet<string>,
  outbound: (req: AnyRequest, res: AnyResponse) => void,
): (req: AnyRequest, res: AnyResponse) => void {
  return (req, res) => {
    const h2 = req.httpVersionMajor === 2;
    const authority = h2 ? (req as http2.Http2ServerRequest).authority : req.headers.host;
    if (!(req.url ?? '').startsWith('/')) {
      sendLocalReply(req, res, 400, 'DPE', 'the east-west gateway accepts origin-form request targets only');
      return;
    }
    const target = eastWestTarget(authority, exports);
    if (!target.ok) {
      sendLocalReply(req, res, target.status, target.status === 404 ? 'NR' : 'DPE', target.message);
      return;
    }
    if (h2) req.headers[':authority'] = target.authority;
    else req.headers.host = target.authority;
    outbound(req, res);
  };
}
