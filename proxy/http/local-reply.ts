// Responses the proxy makes itself. Like Envoy's, every locally generated failure carries a
// response-flag header naming the cause and a short plain-text body saying it in words, so a
// caller can tell "the proxy refused" from "the app answered 503". Flags (Envoy's short names):
//   UH  no healthy upstream          UF  upstream connection failure   UO  circuit-breaker overflow
//   UT  upstream request timeout     URX retries exhausted              UC  upstream connection terminated
//   NR  no route / unknown service   FI  fault injected (abort)         DI  fault injected (delay)
//   RBAC access denied               DPE bad request (unsafe path, bad target)  DC downstream went away
//   DR  proxy draining
// gRPC callers (content-type application/grpc over HTTP/2) get a trailers-only response with the
// matching grpc-status, as gRPC clients expect.
import type http from 'node:http';
import type http2 from 'node:http2';
import type { FastRequest, FastResponse } from './h1-messages.js';

export const FLAGS_HEADER = 'x-plexus-flags';

export type ResponseFlag = 'UH' | 'UF' | 'UO' | 'UT' | 'URX' | 'UC' | 'NR' | 'FI' | 'DI' | 'RBAC' | 'DPE' | 'DC' | 'DR';

export type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest | FastRequest;
export type AnyResponse = http.ServerResponse | http2.Http2ServerResponse | FastResponse;

/** gRPC status for a local HTTP status (the gRPC spec's HTTP-to-gRPC mapping, 504 as deadline). */
function grpcStatusFor(status: number): number {
  switch (status) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 504:
      return 4;
    case 429:
    case 502:
    case 503:
      return 14;
    default:
      return status >= 500 ? 14 : 2;
  }
}

export function isGrpc(req: AnyRequest): boolean {
  const ct = req.headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc');
}

/**
 * Send a local reply unless a response is already under way (then the stream is cut, which is
 * the only honest signal left). `extra` headers (x-request-id...) are added.
 */
export function sendLocalReply(
  req: AnyRequest,
  res: AnyResponse,
  status: number,
  flags: string,
  message: string,
  extra?: Record<string, string>,
): void {
  if (res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  if (req.httpVersionMajor === 2 && isGrpc(req)) {
    const stream = (res as http2.Http2ServerResponse).stream;
    if (stream.destroyed || stream.headersSent) return;
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(grpcStatusFor(status)),
        'grpc-message': encodeURIComponent(message),
        [FLAGS_HEADER]: flags,
        ...extra,
      },
      { endStream: true },
    );
    return;
  }
  const body = `${message}\n`;
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    [FLAGS_HEADER]: flags,
    ...extra,
  };
  if (req.httpVersionMajor === 1) headers.connection = (res as http.ServerResponse).shouldKeepAlive ? 'keep-alive' : 'close';
  const out = res as http.ServerResponse;
  out.writeHead(status, headers);
  out.end(req.method === 'HEAD' ? undefined : body);
}
