// The request and response objects of the HTTP/1.1 fast path (h1-connection.ts): just the
// parts of node:http's IncomingMessage / ServerResponse that the handlers, Exchange and
// Forwarder use, over plain EventEmitters instead of streams, so a request costs a few small
// objects. Body bytes pass through in their wire framing (Content-Length bytes or the raw
// chunks, see TryRequest.framing), so nothing is decoded and re-encoded between hops.
import { EventEmitter } from 'node:events';
import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Framing } from './h1-parse.js';

/** What the messages need from their connection. */
export interface FastConnection {
  readonly socket: Socket;
  /** false once the connection must close after this response. */
  keepAlive: boolean;
  pauseBody(): void;
  resumeBody(): void;
  bodyPaused(): boolean;
  /** Pass chunk data without its framing from now on; false once body bytes have flowed. */
  decodeBody(): boolean;
  /** The response was written completely (or given up): go on with the connection. */
  responseDone(res: FastResponse): void;
}

/** A downstream request; emits 'data' (framed body bytes), 'end', 'close', like a Readable. */
export class FastRequest extends EventEmitter {
  readonly httpVersionMajor = 1;
  readonly httpVersion: string;
  /** The body arrived completely. */
  complete = false;

  constructor(
    private readonly conn: FastConnection,
    readonly method: string,
    public url: string,
    readonly httpVersionMinor: number,
    readonly headers: IncomingHttpHeaders,
    /** How the body bytes are framed ('none': no body). */
    readonly framing: Framing,
  ) {
    super();
    this.httpVersion = httpVersionMinor === 1 ? '1.1' : '1.0';
  }

  get socket(): Socket {
    return this.conn.socket;
  }

  pause(): this {
    this.conn.pauseBody();
    return this;
  }

  resume(): this {
    this.conn.resumeBody();
    return this;
  }

  isPaused(): boolean {
    return this.conn.bodyPaused();
  }

  /** See FastConnection.decodeBody (a chunked body bound for an HTTP/2 host). */
  decodeBody(): boolean {
    return this.conn.decodeBody();
  }
}

const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ZERO_CHUNK = '0\r\n\r\n';

/** A downstream response; emits 'drain' and, once, 'close' (finished or cut). */
export class FastResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  private head = '';
  /** This side adds chunked framing to what is written (no length known, no raw chunks). */
  private encode = false;
  private noBody = false;
  private trailers = '';

  constructor(
    private readonly conn: FastConnection,
    private readonly method: string,
  ) {
    super();
  }

  get shouldKeepAlive(): boolean {
    return this.conn.keepAlive;
  }

  /**
   * Set the head (sent with the first write). `rawChunked`: the body that follows is already
   * chunk-framed (an upstream's chunks passed through), so only the header is added.
   */
  writeHead(status: number, headers?: OutgoingHttpHeaders | IncomingHttpHeaders | Record<string, string | number>, rawChunked = false): this {
    if (this.headersSent) return this;
    this.statusCode = status;
    this.headersSent = true;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    let length = false;
    if (headers) {
      for (const name in headers) {
        const v = headers[name as keyof typeof headers];
        if (v === undefined) continue;
        const lower = name.toLowerCase();
        // Framing and connection management are this side's business.
        if (lower === 'transfer-encoding' || lower === 'connection') continue;
        if (lower === 'content-length') length = true;
        if (!TOKEN.test(name)) continue;
        if (Array.isArray(v)) {
          for (const item of v) if (SAFE_VALUE.test(item)) head += `${name}: ${item}\r\n`;
        } else {
          const s = typeof v === 'string' ? v : String(v);
          if (SAFE_VALUE.test(s)) head += `${name}: ${s}\r\n`;
        }
      }
    }
    this.noBody = this.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    if (!this.noBody && !length) {
      head += 'transfer-encoding: chunked\r\n';
      this.encode = !rawChunked;
    }
    if (!this.conn.keepAlive) head += 'connection: close\r\n';
    this.head = `${head}\r\n`;
    return this;
  }

  /** Headers for a chunked body's end; only when this side does the chunking. */
  addTrailers(trailers: Record<string, string>): void {
    if (!this.encode) return;
    let t = '';
    for (const name in trailers) {
      const v = trailers[name]!;
      if (TOKEN.test(name) && SAFE_VALUE.test(v)) t += `${name}: ${v}\r\n`;
    }
    this.trailers = t;
  }

  write(chunk: Buffer | string): boolean {
    if (this.writableEnded || this.destroyed) return false;
    if (!this.headersSent) this.writeHead(this.statusCode);
    const socket = this.conn.socket;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const len = data.length;
    if (this.noBody || len === 0) {
      this.flushHead();
      return !socket.writableNeedDrain;
    }
    // One write (one syscall, no writev bookkeeping) for the head, the chunk and its framing.
    const prefix = this.head + (this.encode ? `${len.toString(16)}\r\n` : '');
    this.head = '';
    const suffix = this.encode ? 2 : 0;
    let ok: boolean;
    if (prefix === '' && suffix === 0) ok = socket.write(data);
    else {
      const out = Buffer.allocUnsafe(prefix.length + len + suffix);
      out.write(prefix, 0, 'latin1');
      data.copy(out, prefix.length);
      if (suffix) out.write('\r\n', prefix.length + len, 'latin1');
      ok = socket.write(out);
    }
    if (!ok) socket.once('drain', () => this.emit('drain'));
    return ok;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded || this.destroyed) return this;
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (chunk !== undefined && !this.noBody) this.write(chunk);
    this.writableEnded = true;
    const socket = this.conn.socket;
    if (this.head !== '' || this.encode) {
      socket.cork();
      this.flushHead();
      if (this.encode) socket.write(this.trailers === '' ? ZERO_CHUNK : `0\r\n${this.trailers}\r\n`, 'latin1');
      socket.uncork();
    }
    this.writableFinished = true;
    this.conn.responseDone(this);
    this.emit('close');
    return this;
  }

  /** Cut the response (and with it the connection: its framing can no longer be trusted). */
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (!this.writableFinished) {
      this.conn.keepAlive = false;
      this.conn.socket.destroy();
      this.emit('close');
    }
    return this;
  }

  /** The connection went away under an unfinished response. */
  gone(): void {
    if (this.writableFinished || this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }

  private flushHead(): void {
    if (this.head === '') return;
    this.conn.socket.write(this.head, 'latin1');
    this.head = '';
  }
}
