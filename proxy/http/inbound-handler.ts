// The inbound listener's request handler: mesh traffic to this proxy's app. Method and
// authority are checked (request-checks.ts) and the path normalised before anything looks at
// them; access rules match the reduced form matchPath() while the app gets the normalised path.
// The caller is the identity of the connection's verified mTLS certificate (peer.ts), and
// nothing a request says: a plaintext connection is refused in STRICT mode and is the
// unauthenticated caller in PERMISSIVE. The Inbound access policy decides on that identity
// before the app sees the request; the app gets the verified identity in IDENTITY_HEADER (any
// value the caller sent is dropped), then the request.
import type { AccessEvaluator } from '../access/access-policy.js';
import type { CompiledRoute } from '../routing/route-table.js';
import type { Cluster } from '../upstream/cluster.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { Exchange } from './exchange.js';
import { Forwarder } from './forwarder.js';
import { upstreamRequestHeaders } from './headers.js';
import type { MtlsMode } from '../../lib/policy/index.js';
import { IDENTITY_HEADER } from './identity.js';
import type { AnyRequest, AnyResponse } from './local-reply.js';
import { bodyFraming, hasRequestBody } from './outbound-handler.js';
import { matchPath, normalizePath } from './path-normalize.js';
import { peerIdentityOf } from './peer.js';
import { admitRequest } from './request-checks.js';

export interface InboundContext {
  /** `<namespace>/<service>` of this proxy (the destination of everything inbound). */
  identity: string;
  access: () => AccessEvaluator;
  mtlsMode: () => MtlsMode;
  app: Cluster;
  appRoute: CompiledRoute;
  telemetry: Telemetry;
  bufferLimit: number;
}

const ALL = { subset: {}, key: '' };

export function createInboundHandler(ctx: InboundContext): (req: AnyRequest, res: AnyResponse) => void {
  return (req, res) => {
    const ex = new Exchange(req, res, 'inbound', ctx.telemetry);
    ex.destination = ctx.identity;
    ex.authority = (req.httpVersionMajor === 2 ? req.headers[':authority'] : req.headers.host) as string | undefined ?? '';
    const method = admitRequest(req, (status, flag, message) => ex.reply(status, flag, message));
    if (method === undefined) return;
    const norm = normalizePath(req.url ?? '/');
    const matched = norm.ok ? matchPath(norm.path) : undefined;
    if (!norm.ok || matched === undefined) {
      ex.reply(400, 'DPE', `rejected request path: ${norm.ok ? 'climbs above the root once ; parameters are cut' : norm.reason}`);
      return;
    }
    const path = norm.query === '' ? norm.path : norm.path + norm.query;
    ex.path = path;
    const source = peerIdentityOf(req.socket);
    if (source) ex.source = source;
    else if (ctx.mtlsMode() === 'STRICT') {
      ex.reply(403, 'RBAC', 'RBAC: mutual TLS required (mtls.mode STRICT); plaintext callers are refused');
      return;
    }
    const decision = ctx.access()({ path: matched, method, headers: req.headers, source });
    if (!decision.allowed) {
      ex.reply(403, 'RBAC', `RBAC: access denied (${decision.reason}; caller ${source ?? 'unidentified'})`);
      return;
    }
    const headers = upstreamRequestHeaders(req.headers, true);
    headers['x-request-id'] = ex.requestId;
    headers.traceparent = ex.trace.traceparent;
    if (source) headers[IDENTITY_HEADER] = source;
    else delete headers[IDENTITY_HEADER];
    new Forwarder({
      exchange: ex,
      cluster: ctx.app,
      route: ctx.appRoute,
      destination: ALL,
      request: { method, path, authority: ex.authority, headers, hasBody: hasRequestBody(req), ...bodyFraming(req) },
      bufferLimit: ctx.bufferLimit,
    }).start();
  };
}
