// A listener that speaks HTTP/1.1 and cleartext HTTP/2 (h2c with prior knowledge, as gRPC
// clients use) on one port: the first bytes of each connection decide — the HTTP/2 preface
// starts with "PRI " — and the socket goes to the node:http2 server or to the HTTP/1.1 fast
// path (h1-connection.ts), which hands what it does not serve (Upgrade, Expect, CONNECT,
// HTTP/1.0) on to a node:http server. All three share one request handler.
//
// Hostile clients: header size is capped (431 for HTTP/1.1), a connection must send its first
// bytes and its request headers within headersTimeout and the whole request within
// requestTimeout (slowloris), idle keep-alive connections close after keepAliveTimeout, and
// parse errors get a 400 and a closed connection — none of this can take the process down.
// A request body must make progress: no bytes for bodyIdleTimeout while the proxy is ready to
// read them gets 408 and a close (a body trickling in 1 byte per 2 s no longer holds a
// connection for requestTimeout). At most maxConnections are open at once: past that, new
// connections are closed as they are accepted, so established clients keep being served.
//
// With `tls`, a connection whose first byte is a TLS handshake record (0x16, never the start of
// an HTTP request) is wrapped in a server TLSSocket with the options of that moment (so a rotated
// certificate or bundle applies to the next connection), must finish its handshake within
// headersTimeout, is admitted or closed by `tls.accept`, and is then sniffed again for HTTP/1.1
// or HTTP/2 (ALPN h2, or the preface) like a plaintext one. Whether plaintext is acceptable is
// the handler's decision (per request, from the connection's peer: http/peer.ts).
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { H1Connection, type FastServer } from './h1-connection.js';
import { FastRequest, type FastResponse } from './h1-messages.js';
import type { AnyRequest, AnyResponse } from './local-reply.js';
import { reportListening } from '../../lib/net.js';

export interface ListenerLimits {
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Idle HTTP/2 sessions are closed after this long. */
  h2IdleTimeoutMs: number;
  /** A request body that makes no progress this long (while the proxy is reading) gets 408. */
  bodyIdleTimeoutMs: number;
  /** Connections open at once; more are closed at accept. */
  maxConnections: number;
}

export interface ListenerOptions {
  name: string;
  host: string;
  port: number;
  limits: ListenerLimits;
  logger: Logger;
  handler: (req: AnyRequest, res: AnyResponse) => void;
  /** Serve HTTP/1.1 on the fast path (default: true unless PLEXUS_PROXY_FASTPATH=0). */
  fastPath?: boolean;
  /** Terminate TLS on connections that start with a handshake. */
  tls?: ListenerTls;
}

export interface ListenerTls {
  /**
   * Never listens: accepted connections are handed to it. Its secure context is the one new
   * handshakes use (setSecureContext on rotation); it verifies client certificates if asked to.
   */
  server: tls.Server;
  /** A certificate is in place (until then handshakes are refused). */
  ready(): boolean;
  /** After the handshake: admit the connection (and record its peer), or false to close it. */
  accept(socket: tls.TLSSocket): boolean;
}

const TLS_HANDSHAKE = 0x16;

const FAST_PATH_DEFAULT = process.env.PLEXUS_PROXY_FASTPATH !== '0';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

export class HttpListener {
  readonly h1: http.Server;
  readonly h2: http2.Http2Server;
  private readonly tcp: net.Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sockets = new Set<net.Socket>();
  /** TLS connections over some of `sockets` (counted there, cut here too). */
  private readonly tlsSockets = new Set<tls.TLSSocket>();
  private readonly fastConns = new Set<H1Connection>();
  private readonly fast: FastServer | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private draining = false;
  port = 0;

  constructor(private readonly opts: ListenerOptions) {
    const { limits, logger } = opts;
    // A bug in request handling must cost one request, never the process.
    const handler = (req: AnyRequest, res: AnyResponse): void => {
      try {
        if (!(req instanceof FastRequest)) watchBodyProgress(req, res, limits.bodyIdleTimeoutMs);
        opts.handler(req, res);
      } catch (err) {
        logger.error({ err, listener: opts.name, url: req.url }, 'request handler failed');
        if (!res.headersSent) {
          (res as http.ServerResponse).writeHead(500, { 'content-type': 'text/plain' });
          (res as http.ServerResponse).end('internal proxy error\n');
        } else res.destroy();
      }
    };
    this.h1 = http.createServer(
      {
        maxHeaderSize: limits.maxHeaderBytes,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
        noDelay: true,
      },
      (req, res) => {
        if (this.draining) res.setHeader('connection', 'close');
        handler(req, res);
      },
    );
    if (opts.fastPath ?? FAST_PATH_DEFAULT) {
      this.fast = {
        limits,
        draining: () => this.draining,
        handle: (req: FastRequest, res: FastResponse) => handler(req, res),
        handOff: (socket, pending) => {
          socket.pause();
          if (pending) socket.unshift(pending);
          this.h1.emit('connection', socket);
          socket.resume();
        },
        rejected: (err) => logger.debug({ err: err.message, status: err.status, listener: opts.name }, 'bad request from client'),
      };
    }
    this.h1.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      logger.debug({ err: err.message, code: err.code, listener: opts.name }, 'bad request from client');
      if (!socket.writable || (socket as net.Socket & { _httpMessage?: unknown })._httpMessage) {
        socket.destroy();
        return;
      }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const reason = http.STATUS_CODES[status] ?? 'Bad Request';
      const body = `${reason}: ${err.code ?? 'malformed request'}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: text/plain\r\nx-plexus-flags: DPE\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    // CONNECT (TLS tunnelling through the forward proxy) and protocol upgrades are not offered.
    const refuse = (_req: http.IncomingMessage, socket: net.Socket): void => {
      const body = 'CONNECT and protocol upgrades are not supported by the Plexus proxy\n';
      socket.on('error', () => undefined);
      socket.end(
        `HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    this.h1.on('connect', refuse);
    this.h1.on('upgrade', refuse);

    this.h2 = http2.createServer({ maxSessionMemory: 32, settings: { maxHeaderListSize: limits.maxHeaderBytes } }, handler);
    // Without a 'timeout' listener, node:http2 destroys a session idle this long.
    this.h2.setTimeout(limits.h2IdleTimeoutMs);
    this.h2.on('session', (session) => {
      this.sessions.add(session);
      session.on('error', () => undefined);
      session.once('close', () => this.sessions.delete(session));
      if (this.draining) session.close();
    });
    this.h2.on('sessionError', () => undefined);

    if (opts.tls) {
      opts.tls.server.on('secureConnection', (socket: tls.TLSSocket) => {
        if (!opts.tls!.accept(socket)) {
          this.tlsRefused++;
          logger.debug({ listener: opts.name }, 'TLS peer refused');
          socket.destroy();
          return;
        }
        this.tlsSockets.add(socket);
        socket.once('close', () => this.tlsSockets.delete(socket));
        this.detect(socket, socket);
      });
      opts.tls.server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
        this.tlsRefused++;
        logger.debug({ err: err.message, listener: opts.name }, 'TLS handshake failed');
        socket.destroy();
      });
    }

    this.tcp = net.createServer({ noDelay: true }, (socket) => this.sniff(socket));
    this.tcp.on('error', (err) => logger.error({ err, listener: opts.name }, 'listener error'));
  }

  /** Connections closed at accept because maxConnections were open. */
  shed = 0;

  private sniff(socket: net.Socket): void {
    if (this.sockets.size >= this.opts.limits.maxConnections) {
      this.shed++;
      this.opts.logger.debug({ listener: this.opts.name, open: this.sockets.size }, 'connection limit reached; closing a new connection');
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.detect(socket, socket);
  }

  /** TLS or not, then HTTP/2 or HTTP/1.1, from the first bytes of `socket` (`raw`: the plaintext connection, else the TLS one). */
  private detect(socket: net.Socket, raw: net.Socket): void {
    let buf: Buffer | undefined;
    const timer = setTimeout(() => raw.destroy(), this.opts.limits.headersTimeoutMs);
    const onError = (): void => {
      clearTimeout(timer);
      raw.destroy();
    };
    const onData = (chunk: Buffer): void => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      if (this.opts.tls && !(socket instanceof tls.TLSSocket) && buf[0] === TLS_HANDSHAKE) {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        this.terminateTls(socket, buf);
        return;
      }
      const n = Math.min(buf.length, PREFACE.length);
      const maybeH2 = buf.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (maybeH2 && buf.length < PREFACE.length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      if (!maybeH2 && this.fast) {
        const conn = new H1Connection(socket, this.fast, buf);
        this.fastConns.add(conn);
        socket.once('close', () => this.fastConns.delete(conn));
        return;
      }
      socket.pause();
      socket.unshift(buf);
      if (maybeH2) this.h2.emit('connection', socket);
      else {
        this.h1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', onError);
  }

  /** Handshakes refused or closed by `tls.accept` (bad, missing or foreign certificates). */
  tlsRefused = 0;

  private terminateTls(raw: net.Socket, first: Buffer): void {
    const t = this.opts.tls!;
    if (!t.ready()) {
      this.tlsRefused++;
      raw.destroy();
      return;
    }
    raw.pause();
    raw.unshift(first);
    // The TLS server wraps it (and reads `first` back on the next tick); its handshakeTimeout
    // bounds the handshake, then detect() times the first request bytes.
    t.server.emit('connection', raw);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.tcp.once('error', onError);
      this.tcp.listen(this.opts.port, this.opts.host, () => {
        this.tcp.off('error', onError);
        resolve();
      });
    });
    const addr = this.tcp.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    reportListening(this.opts.name, this.opts.host, this.port);
    // node:http starts tracking connections (headersTimeout/requestTimeout checks,
    // closeIdleConnections) on its own 'listening' event; this server never listens itself.
    this.h1.emit('listening');
    if (this.fast) {
      // Fast-path deadlines are checked here, not by a timer per request.
      const every = Math.min(1000, Math.max(100, Math.floor(Math.min(this.opts.limits.headersTimeoutMs, this.opts.limits.keepAliveTimeoutMs, this.opts.limits.bodyIdleTimeoutMs) / 4)));
      this.sweep = setInterval(() => {
        const now = performance.now();
        for (const c of this.fastConns) c.checkDeadline(now);
      }, every);
      this.sweep.unref();
    }
    return this.port;
  }

  /**
   * Stop accepting connections; ask keep-alive clients to go (idle HTTP/1.1 connections are
   * closed, busy ones get `connection: close` on their response, HTTP/2 sessions get GOAWAY).
   */
  stopAccepting(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    this.h1.closeIdleConnections();
    for (const c of this.fastConns) c.drain();
    for (const s of this.sessions) s.close();
    return closed;
  }

  /** Cut every remaining connection. */
  destroyAll(): void {
    this.draining = true;
    if (this.sweep) clearInterval(this.sweep);
    this.h1.closeAllConnections();
    for (const s of this.sessions) s.destroy();
    for (const s of this.tlsSockets) s.destroy();
    for (const s of this.sockets) s.destroy();
    if (this.tcp.listening) this.tcp.close();
    // Stops node:http's connection-checking interval (the "not running" error is expected).
    this.h1.close(() => undefined);
  }
}

/**
 * node:http and HTTP/2 requests: answer 408 and close when the body stops arriving. Progress is
 * read from the connection's byte count (an HTTP/2 session's, shared by its streams); a body the
 * proxy itself is not reading (paused for backpressure, not yet attached) is not the client's
 * fault and is not timed.
 */
function watchBodyProgress(req: http.IncomingMessage | http2.Http2ServerRequest, res: AnyResponse, idleMs: number): void {
  if (req.complete || req.readableEnded) return;
  if (req.httpVersionMajor === 2 ? (req as http2.Http2ServerRequest).stream.endAfterHeaders : !hasH1Body(req as http.IncomingMessage)) return;
  const socket = req.httpVersionMajor === 2 ? (req as http2.Http2ServerRequest).stream.session?.socket : req.socket;
  const bytes = (): number => (socket as net.Socket | undefined)?.bytesRead ?? 0;
  let seen = bytes();
  const timer = setInterval(() => {
    if (req.complete || req.readableEnded || req.destroyed || res.writableEnded) {
      clearInterval(timer);
      return;
    }
    const now = bytes();
    if (now !== seen || req.readableFlowing !== true) {
      seen = now;
      return;
    }
    clearInterval(timer);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = 'request body made no progress\n';
    const r = res as http.ServerResponse;
    r.writeHead(408, req.httpVersionMajor === 2
      ? { 'content-type': 'text/plain', 'x-plexus-flags': 'DPE', 'content-length': Buffer.byteLength(body) }
      : { 'content-type': 'text/plain', 'x-plexus-flags': 'DPE', 'content-length': Buffer.byteLength(body), connection: 'close' });
    r.end(body, () => {
      if (req.httpVersionMajor === 2) (req as http2.Http2ServerRequest).stream.close(http2.constants.NGHTTP2_CANCEL);
      else req.socket.destroy();
    });
  }, idleMs);
  timer.unref();
  req.once('end', () => clearInterval(timer));
  req.once('close', () => clearInterval(timer));
}

function hasH1Body(req: http.IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}
