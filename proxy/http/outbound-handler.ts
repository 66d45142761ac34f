// The outbound listener's request handler: the app's requests to other services. Finds the
// destination (subscribing to it on demand), normalises the path, matches a route rule,
// applies fault injection, stamps identity / request id / trace context, and forwards.
import type http2 from 'node:http2';
import type { CompiledRoute, RouteTable } from '../routing/route-table.js';
import { selectRoute } from '../routing/route-table.js';
import type { Cluster } from '../upstream/cluster.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { Exchange } from './exchange.js';
import { Forwarder } from './forwarder.js';
import { FastRequest } from './h1-messages.js';
import { upstreamRequestHeaders } from './headers.js';
import { IDENTITY_HEADER } from './identity.js';
import type { AnyRequest, AnyResponse } from './local-reply.js';
import { sendMirror } from './mirror.js';
import { normalizePath } from './path-normalize.js';
import { admitRequest } from './request-checks.js';
import { parseRequestTarget, serviceForAuthority } from './target.js';
import type { TryRequest } from './upstream-try.js';

export interface ServiceRouting {
  table: RouteTable;
  cluster: Cluster;
}

export interface OutboundLookup {
  /** The routing of a service known now (its Endpoints have arrived), else undefined. */
  get(name: string): ServiceRouting | undefined;
  /** Subscribe to a service on demand and wait (bounded) until the control plane answers. */
  resolve(name: string): Promise<ServiceRouting | undefined>;
}

export interface OutboundContext {
  /** `<namespace>/<service>` of this proxy. */
  identity: string;
  namespace: string;
  lookup: OutboundLookup;
  telemetry: Telemetry;
  bufferLimit: number;
  /** Count a retry for a destination (metrics). */
  onRetry(destination: string): void;
}

export function hasRequestBody(req: AnyRequest): boolean {
  if (req instanceof FastRequest) return req.framing !== 'none';
  if (req.httpVersionMajor === 2) return !(req as http2.Http2ServerRequest).stream.endAfterHeaders;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  return cl !== undefined && cl !== '0';
}

/** How a request's body travels: fast-path requests keep their wire framing (TryRequest.fast). */
export function bodyFraming(req: AnyRequest): Pick<TryRequest, 'fast' | 'framing' | 'decodeChunked'> {
  if (!(req instanceof FastRequest)) return {};
  if (req.framing !== 'chunked') return { fast: true };
  return { fast: true, framing: 'chunked', decodeChunked: () => req.decodeBody() };
}

export function createOutboundHandler(ctx: OutboundContext): (req: AnyRequest, res: AnyResponse) => void {
  return (req, res) => {
    const ex = new Exchange(req, res, 'outbound', ctx.telemetry);
    ex.source = ctx.identity;
    const method = admitRequest(req, (status, flag, message) => ex.reply(status, flag, message));
    if (method === undefined) return;
    const h2 = req.httpVersionMajor === 2;
    const target = parseRequestTarget(req.url ?? '/', h2 ? (req as http2.Http2ServerRequest).authority : req.headers.host);
    if (!target) {
      ex.reply(400, 'DPE', 'only http:// request targets are proxied (no CONNECT / https)');
      return;
    }
    ex.authority = target.authority;
    const name = serviceForAuthority(target.authority, ctx.namespace);
    if (!name) {
      ex.reply(400, 'DPE', `not a mesh service name: ${JSON.stringify(target.authority.slice(0, 100))} (use <service>, <service>.<namespace> or <service>.<namespace>.svc)`);
      return;
    }
    ex.destination = name;
    const norm = normalizePath(target.pathAndQuery);
    if (!norm.ok) {
      ex.reply(400, 'DPE', `rejected request path: ${norm.reason}`);
      return;
    }
    const path = norm.query === '' ? norm.path : norm.path + norm.query;
    ex.path = path;
    const routing = ctx.lookup.get(name);
    if (routing) {
      route(ctx, ex, routing, method, norm.path, path);
      return;
    }
    ctx.lookup.resolve(name).then(
      (r) => {
        if (ex.res.destroyed || ex.res.writableEnded) return;
        if (r) route(ctx, ex, r, method, norm.path, path);
        else ex.reply(503, 'NR', `no healthy upstream: ${name} is not a service known to the mesh`);
      },
      (err: unknown) => ex.reply(503, 'NR', `no healthy upstream: lookup of ${name} failed: ${(err as Error).message}`),
    );
  };
}

function route(ctx: OutboundContext, ex: Exchange, routing: ServiceRouting, method: string, normPath: string, path: string): void {
  const req = ex.req;
  const rule = selectRoute(routing.table, { path: normPath, method, headers: req.headers });
  ex.route = rule.name;
  const fault = rule.fault?.();
  if (fault) {
    if (fault.delayMs > 0) {
      ex.addFlag('DI');
      const timer = setTimeout(() => {
        if (ex.res.destroyed || ex.res.writableEnded) return;
        if (fault.abortStatus !== undefined) ex.reply(fault.abortStatus, 'FI', 'fault filter abort');
        else forward(ctx, ex, routing, rule, method, path);
      }, fault.delayMs);
      ex.onDone(() => clearTimeout(timer));
      return;
    }
    if (fault.abortStatus !== undefined) {
      ex.reply(fault.abortStatus, 'FI', 'fault filter abort');
      return;
    }
  }
  forward(ctx, ex, routing, rule, method, path);
}

function forward(ctx: OutboundContext, ex: Exchange, routing: ServiceRouting, rule: CompiledRoute, method: string, path: string): void {
  const req = ex.req;
  const headers = upstreamRequestHeaders(req.headers, true);
  rule.requestHeaders?.(headers);
  headers['x-request-id'] = ex.requestId;
  headers.traceparent = ex.trace.traceparent;
  // The callee's proxy names the caller from this proxy's certificate; an app's value goes nowhere.
  delete headers[IDENTITY_HEADER];
  const request: TryRequest = {
    method,
    path,
    authority: ex.authority,
    headers,
    hasBody: hasRequestBody(req),
    ...bodyFraming(req),
  };
  const destination = rule.destinations.pick();
  const fwd = new Forwarder({
    exchange: ex,
    cluster: routing.cluster,
    route: rule,
    destination,
    request,
    bufferLimit: ctx.bufferLimit,
    onRetry: () => ctx.onRetry(routing.cluster.name),
  });
  fwd.start();
  const mirror = rule.mirror;
  if (mirror && Math.random() * 100 < mirror.percent) {
    const copy: TryRequest = { ...request, headers: { ...headers } };
    void fwd.bufferedBody().then((body) => sendMirror(routing.cluster, mirror, copy, body));
  }
}
