// One try over a raw pooled HTTP/1.1 connection (upstream/h1-pool.ts), for requests that came
// in on the fast path: the request head is written as one string, the body goes out in the
// framing it arrived in, and the response is parsed by h1-parse.ts (the same strict rules as
// requests: an upstream answer that could be framed two ways is a failed try, not a guess).
// Response body bytes pass through in their framing too (TryResponse.rawChunked).
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { HeaderBag } from '../routing/header-edits.js';
import type { H1Pool, UpstreamConnection, ConnectionUser } from '../upstream/h1-pool.js';
import type { Host } from '../upstream/host.js';
import { ChunkedScanner, headEnd, HeadError, parseResponseHead, type Framing } from './h1-parse.js';
import type { TryCallbacks, TryRequest, UpstreamTry } from './upstream-try.js';

const MAX_RESPONSE_HEAD = 64 * 1024;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

function requestHead(r: TryRequest): string {
  let head = `${r.method} ${r.path} HTTP/1.1\r\nhost: ${r.authority}\r\n`;
  const h: HeaderBag = r.headers;
  for (const name in h) {
    const v = h[name];
    if (v === undefined || name === 'host' || name === 'te') continue;
    if (Array.isArray(v)) {
      for (const item of v) if (SAFE_VALUE.test(item)) head += `${name}: ${item}\r\n`;
    } else {
      const s = typeof v === 'string' ? v : String(v);
      if (SAFE_VALUE.test(s)) head += `${name}: ${s}\r\n`;
    }
  }
  if (r.framing === 'chunked') head += 'transfer-encoding: chunked\r\n';
  else if (!r.hasBody && h['content-length'] === undefined && !NO_BODY_METHODS.has(r.method)) head += 'content-length: 0\r\n';
  return `${head}\r\n`;
}

/** A response body: 'data' (framed bytes), then 'end' and 'close', or only 'close' if cut. */
class FastBody extends EventEmitter {
  constructor(private readonly t: FastHttp1Try) {
    super();
  }
  pause(): this {
    this.t.paused = true;
    return this;
  }
  resume(): this {
    this.t.resumeBody();
    return this;
  }
}

const enum Phase {
  Head,
  Body,
  Done,
}

class FastHttp1Try extends EventEmitter implements UpstreamTry, ConnectionUser {
  readonly sink = this as unknown as UpstreamTry['sink'];
  destroyed = false;
  paused = false;
  private conn: UpstreamConnection | undefined;
  private reused = false;
  private settled = false;
  private requestEnded: boolean;
  private queued: Buffer[] | undefined;
  private cancelWait: () => void;
  private phase = Phase.Head;
  private buf: Buffer | undefined;
  private framing: Framing = 'none';
  private left = 0;
  private scanner: ChunkedScanner | undefined;
  private keepAlive = false;
  private body: FastBody | undefined;
  private complete = false;

  constructor(
    private readonly pool: H1Pool,
    private readonly r: TryRequest,
    private readonly cb: TryCallbacks,
    host: Host,
  ) {
    super();
    this.requestEnded = !r.hasBody;
    this.cancelWait = pool.acquire(host, (conn, reused) => this.onConnection(conn, reused));
  }

  private onConnection(conn: UpstreamConnection, reused: boolean): void {
    if (this.destroyed) {
      this.pool.release(conn);
      return;
    }
    this.conn = conn;
    this.reused = reused;
    conn.user = this;
    const socket = conn.socket;
    const queued = this.queued;
    this.queued = undefined;
    if (queued) socket.cork();
    socket.write(requestHead(this.r), 'latin1');
    if (queued) {
      for (const c of queued) socket.write(c);
      socket.uncork();
    }
  }

  reusedConnection(): boolean {
    return this.reused;
  }

  // ------------------------------------------------------------------ request body (the sink)

  write(chunk: Buffer): boolean {
    if (this.destroyed) return false;
    const conn = this.conn;
    if (!conn) {
      (this.queued ??= []).push(chunk);
      return true;
    }
    const ok = conn.socket.write(chunk);
    if (!ok) conn.socket.once('drain', () => this.emit('drain'));
    return ok;
  }

  end(chunk?: Buffer): this {
    if (chunk !== undefined && chunk.length > 0) this.write(chunk);
    this.requestEnded = true;
    return this;
  }

  abort(): void {
    this.settled = true;
    if (this.destroyed) return;
    this.destroyed = true;
    this.cancelWait();
    const conn = this.conn;
    this.conn = undefined;
    if (conn && conn.user === this) {
      conn.user = undefined;
      conn.socket.destroy();
    }
  }

  // ------------------------------------------------------------------ response

  onData(chunk: Buffer): void {
    this.buf = this.buf === undefined || this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      if (this.phase === Phase.Head) this.readHead();
      if (this.phase === Phase.Body) this.readBody();
      else if (this.phase === Phase.Done && this.buf !== undefined && this.buf.length > 0) this.discardConnection();
    } catch (err) {
      if (!(err instanceof HeadError)) throw err;
      this.broken(err);
    }
  }

  onClose(err: Error | undefined): void {
    const conn = this.conn;
    this.conn = undefined;
    if (this.destroyed) return;
    if (!this.settled) {
      this.settled = true;
      this.destroyed = true;
      const e = err ?? Object.assign(new Error('upstream connection closed before a response'), { code: 'ECONNRESET' });
      // A request written to a connection that never connected did not reach the host.
      this.cb.onFailure(conn !== undefined && !conn.connected ? 'connect-failure' : 'reset', e);
      return;
    }
    if (this.phase === Phase.Body) {
      if (this.framing === 'close') {
        this.flush();
        this.finishBody();
      } else {
        this.phase = Phase.Done;
        this.destroyed = true;
        this.body?.emit('close');
      }
    }
  }

  private readHead(): void {
    for (;;) {
      const buf = this.buf;
      if (buf === undefined || buf.length === 0) return;
      const size = headEnd(buf, MAX_RESPONSE_HEAD);
      if (size === -1) return;
      const head = parseResponseHead(buf, size, this.r.method === 'HEAD');
      this.buf = buf.length === size ? undefined : buf.subarray(size);
      if (head.status === 101) throw new HeadError(502, 'unexpected protocol switch');
      // 100 Continue, 103 Early Hints...: interim, the final answer follows.
      if (head.status < 200) continue;
      this.phase = Phase.Body;
      this.framing = head.framing;
      this.left = head.length;
      this.keepAlive = head.keepAlive;
      if (head.framing === 'chunked') this.scanner = new ChunkedScanner();
      const body = new FastBody(this);
      this.body = body;
      this.settled = true;
      const headers: IncomingHttpHeaders = head.headers;
      this.cb.onResponse({
        status: head.status,
        headers,
        body: body as unknown as Readable,
        endStream: false,
        rawChunked: head.framing === 'chunked',
        trailers: () => undefined,
        complete: () => this.complete,
      });
      if (head.framing === 'none' || (head.framing === 'length' && head.length === 0)) this.finishBody();
      return;
    }
  }

  resumeBody(): void {
    this.paused = false;
    const socket = this.conn?.socket;
    if (socket?.isPaused()) socket.resume();
    if (this.phase === Phase.Body) {
      try {
        this.readBody();
      } catch (err) {
        if (!(err instanceof HeadError)) throw err;
        this.broken(err);
      }
    }
  }

  private readBody(): void {
    const buf = this.buf;
    if (buf === undefined || buf.length === 0) return;
    if (this.paused) {
      this.conn?.socket.pause();
      return;
    }
    if (this.framing === 'close') {
      this.flush();
      return;
    }
    let n: number;
    let done: boolean;
    if (this.framing === 'length') {
      n = Math.min(this.left, buf.length);
      this.left -= n;
      done = this.left === 0;
    } else {
      n = this.scanner!.scan(buf, 0);
      done = this.scanner!.done;
    }
    this.buf = n === buf.length ? undefined : buf.subarray(n);
    if (n > 0) this.body!.emit('data', n === buf.length ? buf : buf.subarray(0, n));
    if (done && this.phase === Phase.Body) this.finishBody();
  }

  private flush(): void {
    const buf = this.buf;
    this.buf = undefined;
    if (buf !== undefined && buf.length > 0) this.body!.emit('data', buf);
  }

  private finishBody(): void {
    this.phase = Phase.Done;
    this.complete = true;
    const body = this.body!;
    if (this.buf !== undefined && this.buf.length > 0) this.keepAlive = false;
    this.recycle();
    body.emit('end');
    body.emit('close');
  }

  /** After the response: back to the pool once the request is also sent, if reusable. */
  private recycle(): void {
    if (this.destroyed) return;
    // Answered before the whole request was sent: the rest will not follow (the forwarder
    // stops the body at the answer), so the connection cannot be reused.
    if (!this.requestEnded) {
      this.discardConnection();
      return;
    }
    const conn = this.conn;
    if (!conn) return;
    this.conn = undefined;
    this.destroyed = true;
    if (this.keepAlive && !conn.socket.destroyed) this.pool.release(conn);
    else {
      conn.user = undefined;
      conn.socket.destroy();
    }
  }

  private discardConnection(): void {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      conn.user = undefined;
      conn.socket.destroy();
    }
    this.destroyed = true;
  }

  /** The upstream broke the protocol: fail the try (or cut its body) and drop the connection. */
  private broken(err: HeadError): void {
    const wasSettled = this.settled;
    const phase = this.phase;
    this.settled = true;
    this.discardConnection();
    if (!wasSettled) this.cb.onFailure('reset', Object.assign(new Error(`invalid upstream response: ${err.message}`), { code: 'EPROTO' }));
    else if (phase === Phase.Body) {
      this.phase = Phase.Done;
      this.body?.emit('close');
    }
  }
}

export function startFastHttp1Try(pool: H1Pool, host: Host, r: TryRequest, cb: TryCallbacks): UpstreamTry {
  return new FastHttp1Try(pool, r, cb, host);
}
