// One try of a request against one upstream host, over HTTP/1.1 (keep-alive agent) or h2c (a
// shared session per host), behind one interface: the caller writes the body to `sink`, and
// hears exactly once either `onResponse` (headers arrived) or `onFailure` (no response: the
// connection could not be made, or it was reset/closed first). A try can be aborted any time.
import http from 'node:http';
import http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import { TLSSocket } from 'node:tls';
import { Writable, type Readable } from 'node:stream';
import type { HeaderBag } from '../routing/header-edits.js';
import { startFastHttp1Try } from './h1-upstream.js';
import { toHeaderList } from './headers.js';
import type { TryFailure } from '../routing/retry-policy.js';
import type { ConnectionPool } from '../upstream/connection-pool.js';
import type { Host } from '../upstream/host.js';

export interface TryResponse {
  status: number;
  /** Response headers without pseudo-headers. */
  headers: IncomingHttpHeaders;
  body: Readable;
  /** The response ended with its headers (HTTP/2 END_STREAM; e.g. gRPC trailers-only). */
  endStream: boolean;
  /** Trailers, once the body has ended. */
  trailers(): IncomingHttpHeaders | undefined;
  /** The body stream ended normally (false after a reset mid-body). */
  complete(): boolean;
  /** The body's bytes are an upstream's chunked encoding, passed through as is (fast path). */
  rawChunked?: boolean;
}

export interface TryCallbacks {
  onResponse(response: TryResponse): void;
  onFailure(kind: Exclude<TryFailure, 'per-try-timeout'>, err: Error): void;
}

export interface UpstreamTry {
  /** Where the request body goes (already ended when the request has none). */
  readonly sink: Writable;
  /** The HTTP/1.1 connection was reused from the pool (a reset may just mean it went stale). */
  reusedConnection(): boolean;
  abort(): void;
}

export interface TryRequest {
  method: string;
  /** Path and query. */
  path: string;
  authority: string;
  headers: HeaderBag;
  hasBody: boolean;
  /**
   * The request came in on the HTTP/1.1 fast path: HTTP/1.1 hosts are reached over raw
   * pooled connections (h1-upstream.ts) and the body bytes are in their wire framing.
   */
  fast?: boolean;
  /** The body bytes are chunk-framed (fast path), passed through to an HTTP/1.1 host. */
  framing?: 'chunked';
  /** Switch a chunk-framed body to plain bytes (for HTTP/2 hosts); false once it has flowed. */
  decodeChunked?: () => boolean;
}

const END_STREAM = http2.constants.NGHTTP2_FLAG_END_STREAM;

export function startTry(pool: ConnectionPool, host: Host, request: TryRequest, cb: TryCallbacks): UpstreamTry {
  // Behind an east-west gateway the authority names the service for the gateway (host.ts).
  if (host.authority !== undefined && host.authority !== request.authority) {
    const viaGateway = { ...request, authority: host.authority };
    const t = startTry(pool, host, viaGateway, cb);
    request.framing = viaGateway.framing;
    return t;
  }
  const h2 = host.protocol === 'http2' || host.protocol === 'grpc';
  if (request.fast && !h2) return startFastHttp1Try(pool.h1, host, request, cb);
  if (request.framing === 'chunked') {
    if (request.decodeChunked?.()) request.framing = undefined;
    else {
      // The body already went to an HTTP/1.1 host in its chunks (a retry onto an HTTP/2 host).
      const err = Object.assign(new Error('chunked body cannot be replayed to an HTTP/2 host'), { code: 'EPROTO' });
      queueMicrotask(() => cb.onFailure('reset', err));
      return { sink: nullSink(), reusedConnection: () => false, abort: () => undefined };
    }
  }
  return h2 ? startHttp2Try(pool, host, request, cb) : startHttp1Try(pool, host, request, cb);
}

function startHttp1Try(pool: ConnectionPool, host: Host, r: TryRequest, cb: TryCallbacks): UpstreamTry {
  r.headers.host = r.authority;
  // `te: trailers` is kept for HTTP/2 (gRPC); on HTTP/1.1 it would need `connection: te`.
  delete r.headers.te;
  const req = http.request({
    agent: pool.httpAgent(),
    host: host.address,
    port: host.port,
    // Behind an east-west gateway: the SNI its passthrough listener routes by (mesh-tls.ts).
    ...(host.authority !== undefined ? { servername: host.authority } : {}),
    method: r.method,
    path: r.path,
    headers: toHeaderList(r.headers) as unknown as http.OutgoingHttpHeaders,
    setHost: false,
  });
  let settled = false;
  let connected = false;
  req.on('socket', (socket) => {
    // An mTLS connection counts as made once the handshake (and the callee's identity) passed.
    if (socket instanceof TLSSocket) {
      if (socket.authorized) connected = true;
      else socket.once('secureConnect', () => (connected = true));
    } else if (!socket.connecting) connected = true;
    else socket.once('connect', () => (connected = true));
  });
  req.on('response', (res) => {
    if (settled) {
      res.resume();
      return;
    }
    settled = true;
    // Failures mid-body are seen through complete() on 'close'; keep 'error' from throwing.
    res.on('error', () => undefined);
    cb.onResponse({
      status: res.statusCode ?? 502,
      headers: res.headers,
      body: res,
      endStream: false,
      trailers: () => res.trailers,
      complete: () => res.complete,
    });
  });
  req.on('error', (err) => {
    if (settled) return;
    settled = true;
    cb.onFailure(connected ? 'reset' : 'connect-failure', err);
  });
  if (!r.hasBody) req.end();
  return {
    sink: req,
    reusedConnection: () => req.reusedSocket,
    abort: () => {
      settled = true;
      req.destroy();
    },
  };
}

function startHttp2Try(pool: ConnectionPool, host: Host, r: TryRequest, cb: TryCallbacks): UpstreamTry {
  const conn = pool.h2(host);
  const headers: http2.OutgoingHttpHeaders = {
    ...(r.headers as http2.OutgoingHttpHeaders),
    ':method': r.method,
    ':path': r.path,
    ':authority': r.authority,
    ':scheme': 'http',
  };
  let settled = false;
  let stream: http2.ClientHttp2Stream;
  const fail = (err: Error): void => {
    if (settled) return;
    settled = true;
    cb.onFailure(conn.connected ? 'reset' : 'connect-failure', err);
  };
  try {
    stream = conn.session.request(headers, { endStream: !r.hasBody });
  } catch (err) {
    // The session closed between lookup and use (GOAWAY race): report as a reset.
    const e = err as Error;
    queueMicrotask(() => fail(e));
    return { sink: nullSink(), reusedConnection: () => true, abort: () => (settled = true) };
  }
  let trailers: IncomingHttpHeaders | undefined;
  let ended = false;
  stream.on('trailers', (t) => (trailers = t as IncomingHttpHeaders));
  stream.once('end', () => (ended = true));
  stream.on('response', (h, flags) => {
    if (settled) return;
    settled = true;
    const status = Number(h[':status'] ?? 502);
    const clean: IncomingHttpHeaders = {};
    for (const k in h) if (k.charCodeAt(0) !== 58) clean[k] = h[k] as string | string[] | undefined;
    cb.onResponse({
      status,
      headers: clean,
      body: stream,
      endStream: (flags & END_STREAM) !== 0,
      trailers: () => trailers,
      complete: () => ended && stream.rstCode === http2.constants.NGHTTP2_NO_ERROR,
    });
  });
  stream.on('error', fail);
  stream.on('close', () => {
    if (!settled) fail(new Error(`upstream stream closed before a response (rst code ${stream.rstCode})`));
  });
  return {
    sink: stream,
    // A reset on a multiplexed session is not the stale keep-alive case.
    reusedConnection: () => false,
    abort: () => {
      settled = true;
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    },
  };
}

function nullSink(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}
