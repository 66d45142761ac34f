// Checks every listener's handler makes before it matches anything, whichever parser the
// request came through (HTTP/1.1 fast path, node:http fallback, h2c), so that a request means
// one thing to the proxy and to the app:
//   - the method is an HTTP token (RFC 9110 §9); a standard method in any case is matched and
//     forwarded in its canonical upper case (`:method: delete` over h2c is DELETE);
//   - one authority: HTTP/1.1 with more than one Host, or HTTP/2 whose `host` differs from
//     `:authority` (or repeats), is refused (CVE-2021-39155's class: rules and app disagree on
//     which host was asked for).
import { METHODS } from 'node:http';
import type { AnyRequest } from './local-reply.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STANDARD = new Map(METHODS.map((m) => [m.toLowerCase(), m]));

/** The method to match and forward, or undefined when it is not a token. */
export function canonicalMethod(method: string | undefined): string | undefined {
  if (method === undefined || method.length > 64 || !TOKEN.test(method)) return undefined;
  return STANDARD.get(method.toLowerCase()) ?? method;
}

/** Why the request's authority is ambiguous, or undefined when it is not. */
export function authorityProblem(req: AnyRequest): string | undefined {
  // The fast path's parser refuses a repeated Host itself and keeps no raw headers.
  if (!('rawHeaders' in req)) return undefined;
  const raw = req.rawHeaders;
  let hosts = 0;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') {
      hosts++;
      host = raw[i + 1];
    }
  }
  if (hosts > 1) return 'more than one Host';
  if (req.httpVersionMajor === 2 && host !== undefined) {
    const authority = req.headers[':authority'];
    if (typeof authority === 'string' && authority.toLowerCase() !== host.toLowerCase()) return 'Host differs from :authority';
  }
  return undefined;
}

/**
 * Both checks, answered with 400 `DPE` on `reply` when one fails; the canonical method
 * otherwise. Every handler calls this first.
 */
export function admitRequest(req: AnyRequest, reply: (status: number, flag: 'DPE', message: string) => void): string | undefined {
  const method = canonicalMethod(req.method);
  if (method === undefined) {
    reply(400, 'DPE', 'rejected request: the method is not an HTTP token');
    return undefined;
  }
  const ambiguous = authorityProblem(req);
  if (ambiguous !== undefined) {
    reply(400, 'DPE', `rejected request: ${ambiguous}`);
    return undefined;
  }
  return method;
}
