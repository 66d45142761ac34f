// Where an outbound request is going. The app names a service either through the forward-proxy
// form (`GET http://reviews.shop/x` — HTTP_PROXY, curl -x) or by authority (`Host: reviews`,
// HTTP/2 `:authority`). Accepted service names: `<svc>` (the proxy's own namespace),
// `<svc>.<ns>`, and `<svc>.<ns>.svc[.<anything>]`; a port is ignored (every service is reached
// on its registered port).

export interface OutboundTarget {
  authority: string;
  /** Request target to normalise: path and query. */
  pathAndQuery: string;
}

import { DNS_LABEL_RE as LABEL } from '../../lib/model/names.js';

/** Split an absolute-form target; undefined when it is not `http://` (https needs CONNECT). */
export function parseRequestTarget(url: string, hostHeader: string | undefined): OutboundTarget | undefined {
  if (url.charCodeAt(0) === 47 /* '/' */) return { authority: hostHeader ?? '', pathAndQuery: url };
  if (url.length < 8 || url.slice(0, 7).toLowerCase() !== 'http://') return undefined;
  let end = url.length;
  for (let i = 7; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      end = i;
      break;
    }
  }
  const authority = url.slice(7, end);
  let rest = url.slice(end);
  if (rest === '' || rest.charCodeAt(0) === 63) rest = `/${rest}`;
  return { authority, pathAndQuery: rest };
}

/** `<namespace>/<service>` for an authority, or undefined when it cannot be a mesh name. */
export function serviceForAuthority(authority: string, defaultNamespace: string): string | undefined {
  let host = authority.toLowerCase();
  const at = host.lastIndexOf('@');
  if (at !== -1) host = host.slice(at + 1);
  const colon = host.indexOf(':');
  if (colon !== -1) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return undefined;
    host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  const labels = host.split('.');
  const svc = labels[0]!;
  if (!LABEL.test(svc)) return undefined;
  if (labels.length === 1) return `${defaultNamespace}/${svc}`;
  const ns = labels[1]!;
  if (!LABEL.test(ns)) return undefined;
  if (labels.length === 2) return `${ns}/${svc}`;
  if (labels[2] !== 'svc') return undefined;
  return `${ns}/${svc}`;
}
