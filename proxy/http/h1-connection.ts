// One downstream HTTP/1.1 connection on the fast path: bytes from the socket are parsed by
// h1-parse.ts, each request goes to the listener's handler as a FastRequest/FastResponse pair
// (h1-messages.ts), and its body bytes flow on in their wire framing. Requests are served one
// at a time: pipelined bytes wait in the buffer until the response before them has finished.
//
// What the fast path does not serve (Upgrade, Expect, CONNECT, HTTP/1.0) goes to node:http:
// the unparsed bytes are put back on the socket and the socket is handed over for good, which
// is only done between requests. Timeouts are deadlines checked by the listener's sweep
// (no timer per request): headersTimeout for a head, requestTimeout for head and body,
// keepAliveTimeout between requests; while a body is read, also bodyIdleTimeout since the
// client last sent a byte (unless the proxy paused the socket: its own backpressure).
import type { Socket } from 'node:net';
import { FastRequest, FastResponse, type FastConnection } from './h1-messages.js';
import { ChunkedScanner, headEnd, HeadError, parseRequestHead, type Framing } from './h1-parse.js';
import type { ListenerLimits } from './listener.js';

export interface FastServer {
  readonly limits: ListenerLimits;
  draining(): boolean;
  handle(req: FastRequest, res: FastResponse): void;
  /** Give the socket (with `pending` bytes put back) to node:http. */
  handOff(socket: Socket, pending: Buffer | undefined): void;
  /** A request the fast path refused (for debug logs). */
  rejected(err: HeadError): void;
}

const enum State {
  Head,
  Body,
  Waiting,
  Closed,
}

/** Bytes of an unread request body discarded after an early response before closing instead. */
const MAX_DISCARD = 64 * 1024;

export class H1Connection implements FastConnection {
  keepAlive = true;
  /** When the current phase times out (performance.now() ms), 0 for never. */
  deadline: number;
  /** requestTimeout's deadline while a body is read (deadline is the earlier body-idle one). */
  private requestDeadline = 0;
  private state = State.Head;
  private buf: Buffer | undefined;
  private req: FastRequest | undefined;
  private res: FastResponse | undefined;
  private framing: Framing = 'none';
  private left = 0;
  private scanner: ChunkedScanner | undefined;
  private paused = true;
  private discarding = false;
  private discarded = 0;
  private responded = false;
  private pumping = false;
  private decode = false;
  private flowed = false;
  private readonly onData = (chunk: Buffer): void => {
    if (this.buf === undefined || this.buf.length === 0) {
      // First bytes of a request after an idle wait: the headers timeout starts now.
      if (this.state === State.Head) this.deadline = performance.now() + this.server.limits.headersTimeoutMs;
      this.buf = chunk;
    } else this.buf = Buffer.concat([this.buf, chunk]);
    if (this.state === State.Body) this.bodyProgress(performance.now());
    this.pump();
  };
  private readonly onClose = (): void => this.closed();

  constructor(
    readonly socket: Socket,
    private readonly server: FastServer,
    first: Buffer,
  ) {
    this.deadline = performance.now() + server.limits.headersTimeoutMs;
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', noop);
    this.onData(first);
  }

  pauseBody(): void {
    this.paused = true;
  }

  resumeBody(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pump();
  }

  bodyPaused(): boolean {
    return this.paused;
  }

  decodeBody(): boolean {
    if (this.flowed) return false;
    this.decode = true;
    return true;
  }

  /** Called by the listener's sweep. */
  checkDeadline(now: number): void {
    if (this.deadline === 0 || now < this.deadline || this.state === State.Closed) return;
    if (this.state === State.Body && now < this.requestDeadline && this.socket.isPaused()) {
      // The proxy stopped reading (backpressure): the client is not stalling.
      this.bodyProgress(now);
      return;
    }
    const receiving = this.state === State.Body || (this.state === State.Head && this.buf !== undefined && this.buf.length > 0);
    const idle = this.state === State.Body && now < this.requestDeadline;
    if (receiving && !this.responded) this.fail(408, idle ? 'request body made no progress' : 'request timeout');
    else this.socket.destroy();
  }

  private bodyProgress(now: number): void {
    this.deadline = Math.min(this.requestDeadline, now + this.server.limits.bodyIdleTimeoutMs);
  }

  /** Stop keep-alive: close now when idle, else after the response in flight. */
  drain(): void {
    this.keepAlive = false;
    if (this.state === State.Head && (this.buf === undefined || this.buf.length === 0)) this.socket.destroy();
  }

  responseDone(res: FastResponse): void {
    if (res !== this.res || this.state === State.Closed) return;
    this.responded = true;
    if (!this.keepAlive || this.server.draining()) {
      this.keepAlive = false;
      this.state = State.Closed;
      this.socket.end();
      return;
    }
    if (this.state === State.Waiting) this.next();
    else {
      // Answered before the body was read (a refusal, an early upstream answer): read and drop
      // the rest of the body to keep the connection, unless it is large.
      if (this.framing === 'length' && this.left > MAX_DISCARD) {
        this.state = State.Closed;
        this.socket.end();
        return;
      }
      this.discarding = true;
      this.resumeBody();
    }
  }

  private next(): void {
    this.state = State.Head;
    this.req = undefined;
    this.res = undefined;
    this.scanner = undefined;
    this.discarding = false;
    this.discarded = 0;
    this.decode = false;
    this.flowed = false;
    this.responded = false;
    this.paused = true;
    const pending = this.buf !== undefined && this.buf.length > 0;
    this.deadline = performance.now() + (pending ? this.server.limits.headersTimeoutMs : this.server.limits.keepAliveTimeoutMs);
    if (this.socket.isPaused()) this.socket.resume();
    if (pending) this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.state === State.Head) {
          if (!this.readHead()) break;
        } else if (this.state === State.Body) {
          if (!this.readBody()) break;
        } else break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Parse the next head and start its exchange; false when more bytes are needed. */
  private readHead(): boolean {
    const buf = this.buf;
    if (buf === undefined || buf.length === 0) return false;
    let head;
    try {
      const size = headEnd(buf, this.server.limits.maxHeaderBytes);
      if (size === -1) return false;
      head = parseRequestHead(buf, size);
    } catch (err) {
      if (!(err instanceof HeadError)) throw err;
      this.server.rejected(err);
      this.fail(err.status === 502 ? 400 : err.status, err.message);
      return false;
    }
    if (head.handOff) {
      this.state = State.Closed;
      this.socket.off('data', this.onData);
      this.socket.off('close', this.onClose);
      this.socket.off('error', noop);
      this.buf = undefined;
      this.server.handOff(this.socket, buf);
      return false;
    }
    this.buf = buf.length === head.size ? undefined : buf.subarray(head.size);
    this.keepAlive = head.keepAlive && !this.server.draining();
    this.framing = head.framing;
    this.left = head.length;
    const hasBody = head.framing === 'chunked' || (head.framing === 'length' && head.length > 0);
    if (head.framing === 'chunked') this.scanner = new ChunkedScanner();
    this.paused = true;
    const req = new FastRequest(this, head.method, head.target, head.minor, head.headers, hasBody ? head.framing : 'none');
    const res = new FastResponse(this, head.method);
    this.req = req;
    this.res = res;
    if (hasBody) {
      this.state = State.Body;
      const now = performance.now();
      this.requestDeadline = now + this.server.limits.requestTimeoutMs;
      this.bodyProgress(now);
    } else {
      this.state = State.Waiting;
      this.deadline = 0;
      req.complete = true;
    }
    this.server.handle(req, res);
    if (!hasBody && this.state === State.Waiting) req.emit('end');
    return true;
  }

  /** Pass body bytes on (or drop them); false when waiting for bytes or for the consumer. */
  private readBody(): boolean {
    const req = this.req!;
    if (this.paused && !this.discarding) {
      if (this.buf !== undefined && this.buf.length > 0 && !this.socket.isPaused()) this.socket.pause();
      return false;
    }
    if (this.socket.isPaused()) this.socket.resume();
    const buf = this.buf;
    if (buf === undefined || buf.length === 0) return false;
    let n: number;
    let done: boolean;
    if (this.framing === 'length') {
      n = Math.min(this.left, buf.length);
      this.left -= n;
      done = this.left === 0;
    } else {
      try {
        n = this.decode && !this.discarding ? this.scanner!.scan(buf, 0, (from, to) => req.emit('data', buf.subarray(from, to))) : this.scanner!.scan(buf, 0);
      } catch (err) {
        if (!(err instanceof HeadError)) throw err;
        this.server.rejected(err);
        this.fail(400, err.message);
        return false;
      }
      done = this.scanner!.done;
    }
    const chunk = n === buf.length ? buf : buf.subarray(0, n);
    this.buf = n === buf.length ? undefined : buf.subarray(n);
    if (this.discarding) {
      this.discarded += n;
      if (this.discarded > MAX_DISCARD) {
        this.state = State.Closed;
        this.socket.end();
        return false;
      }
    } else if (n > 0 && !this.decode) {
      this.flowed = true;
      req.emit('data', chunk);
    }
    if (done && this.state === State.Body) {
      req.complete = true;
      this.deadline = 0;
      this.state = State.Waiting;
      if (!this.discarding) req.emit('end');
      if (this.responded) this.next();
    }
    return this.state === State.Body || this.state === State.Head;
  }

  /** A request that cannot be served: answer (if nothing was answered yet) and close. */
  private fail(status: number, reason: string): void {
    const res = this.res;
    this.keepAlive = false;
    if (res && !this.responded) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = `${reason}\n`;
      res.writeHead(status, { 'content-type': 'text/plain', 'x-plexus-flags': 'DPE', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    this.state = State.Closed;
    if (res && !res.writableFinished) {
      this.socket.destroy();
      return;
    }
    const text = `${status} ${reason}\n`;
    const reasonPhrase = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : status === 501 ? 'Not Implemented' : 'Bad Request';
    this.socket.end(
      `HTTP/1.1 ${status} ${reasonPhrase}\r\nconnection: close\r\ncontent-type: text/plain\r\nx-plexus-flags: DPE\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }

  private closed(): void {
    if (this.state === State.Closed && this.req === undefined) return;
    this.state = State.Closed;
    this.deadline = 0;
    const req = this.req;
    if (req && !req.complete) req.emit('close');
    this.res?.gone();
  }
}

function noop(): void {}
