// A small, strict HTTP/1.1 message-head parser for the fast path (h1-connection.ts) and its
// upstream side (h1-upstream.ts). It accepts less than RFC 9112 allows a recipient to accept,
// never more, so that no message it passes can be framed differently by the next hop:
//   - lines end in CRLF only: a bare LF or bare CR anywhere in the head is a 400 (RFC 9112
//     §2.2 lets a recipient accept a bare LF; refusing it is the safe choice for a proxy);
//   - no obs-fold (a line starting with SP/HTAB), no whitespace before the colon, field names
//     are tokens, field values are VCHAR/obs-text/SP/HTAB (no NUL, no other CTL);
//   - Content-Length is digits only and appears once; Transfer-Encoding is exactly `chunked`;
//     both at once is a 400 (request smuggling), so is more than one Host;
//   - the head (request line and fields) is at most `maxHeaderBytes` (else 431);
//   - the method is one node:http knows, in any case (501 otherwise); it is upper-cased.
// Header objects follow node:http's IncomingMessage shape (lower-case names; repeats joined
// with ", ", cookies with "; ", set-cookie as an array) so the routing code reads one shape.
import { METHODS, type IncomingHttpHeaders } from 'node:http';
import { asciiSet, hexValue, inSet } from './ascii.js';

export type Framing = 'none' | 'length' | 'chunked' | 'close';

/** What a request head and a response head both say about the message. */
interface MessageHead {
  minor: number;
  headers: IncomingHttpHeaders;
  /** Bytes of the head, CRLFCRLF included. */
  size: number;
  framing: Framing;
  /** Body length when framing is 'length'. */
  length: number;
  keepAlive: boolean;
}

export interface RequestHead extends MessageHead {
  method: string;
  target: string;
  /** Something the fast path leaves to node:http (Upgrade, Expect, CONNECT, HTTP/1.0). */
  handOff: boolean;
}

export interface ResponseHead extends MessageHead {
  status: number;
}

export class HeadError extends Error {
  constructor(
    readonly status: 400 | 431 | 501 | 502,
    message: string,
  ) {
    super(message);
    this.name = 'HeadError';
  }
}

const CR = 13;
const LF = 10;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/;
/** RFC 9110 tchar: what a field name is made of. */
const TCHAR = asciiSet("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const DIGITS = /^\d{1,15}$/;
// The methods node:http (llhttp) knows: the node:http path accepted no others, and the next
// hop may well be node:http too.
const KNOWN_METHODS = new Set(METHODS);

// Repeats that node:http keeps only the first of (IncomingMessage#_addHeaderLine).
const SINGLE = new Set([
  'content-type', 'user-agent', 'referer', 'authorization', 'proxy-authorization', 'if-modified-since', 'if-unmodified-since',
  'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires',
]);

/**
 * Where the head ends (index just past CRLFCRLF), -1 if not yet there. Throws on a bare LF or
 * bare CR seen so far, and 431 when the head outgrows `max`.
 */
export function headEnd(buf: Buffer, max: number): number {
  const end = buf.indexOf(CRLFCRLF);
  const scan = end === -1 ? buf.length : end + 4;
  if (scan - 4 > max || (end === -1 && buf.length > max)) throw new HeadError(431, 'request header fields too large');
  // Every LF must follow a CR and every CR precede an LF (bare LF/CR: 400, never guessed at).
  // One pass in JS: a head has a handful of line ends, and each Buffer#indexOf call costs more
  // than reading a few hundred bytes here.
  let bareLf = false;
  let bareCr = false;
  for (let i = 0; i < scan; i++) {
    const c = buf[i]!;
    if (c === LF) {
      if (i === 0 || buf[i - 1] !== CR) bareLf = true;
    } else if (c === CR && i + 1 < buf.length && buf[i + 1] !== LF) bareCr = true;
  }
  if (bareLf) throw new HeadError(400, 'bare LF in message head');
  if (bareCr) throw new HeadError(400, 'bare CR in message head');
  return end === -1 ? -1 : end + 4;
}

/** SP or HTAB (optional whitespace around a field value). */
function isOws(code: number): boolean {
  return code === 32 || code === 9;
}

function addField(h: IncomingHttpHeaders, name: string, value: string): void {
  const prev = h[name];
  if (prev === undefined) {
    h[name] = name === 'set-cookie' ? [value] : value;
    return;
  }
  if (name === 'set-cookie') (prev as string[]).push(value);
  else if (name === 'cookie') h[name] = `${prev as string}; ${value}`;
  else if (!SINGLE.has(name)) h[name] = `${prev as string}, ${value}`;
}

interface Fields {
  headers: IncomingHttpHeaders;
  framing: Framing;
  length: number;
  connection: string | undefined;
}

/** Field lines [1, end) of a head already checked by headEnd; framing per RFC 9112 §6. */
function parseFields(lines: string[], isRequest: boolean): Fields {
  const headers: IncomingHttpHeaders = {};
  let length = -1;
  let te: string | undefined;
  let hosts = 0;
  for (let i = 1; i < lines.length; i++) {
    // field-line = field-name ":" OWS field-value OWS; the name a token, right before the colon.
    const line = lines[i]!;
    const len = line.length;
    let colon = 0;
    while (colon < len && inSet(TCHAR, line.charCodeAt(colon))) colon++;
    if (colon === 0 || colon === len || line.charCodeAt(colon) !== 58 /* ':' */) {
      throw new HeadError(400, isOws(line.charCodeAt(0)) ? 'obsolete line folding' : 'invalid header field');
    }
    let start = colon + 1;
    while (start < len && isOws(line.charCodeAt(start))) start++;
    let end = len;
    while (end > start && isOws(line.charCodeAt(end - 1))) end--;
    // The value: HTAB, SP, VCHAR and obs-text only (no NUL, no other CTL, no DEL).
    for (let j = start; j < end; j++) {
      const c = line.charCodeAt(j);
      if ((c < 32 && c !== 9) || c === 127 || c > 255) throw new HeadError(400, 'invalid header field');
    }
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(start, end);
    if (name === 'content-length') {
      if (length !== -1) throw new HeadError(400, 'more than one Content-Length');
      if (!DIGITS.test(value)) throw new HeadError(400, 'invalid Content-Length');
      length = Number(value);
    } else if (name === 'transfer-encoding') {
      te = te === undefined ? value : `${te}, ${value}`;
    } else if (name === 'host' && isRequest && ++hosts > 1) {
      throw new HeadError(400, 'more than one Host');
    }
    addField(headers, name, value);
  }
  let framing: Framing = length === -1 ? 'none' : 'length';
  if (te !== undefined) {
    if (length !== -1) throw new HeadError(400, 'both Content-Length and Transfer-Encoding');
    if (te.toLowerCase() !== 'chunked') throw new HeadError(isRequest ? 501 : 502, 'unsupported Transfer-Encoding');
    framing = 'chunked';
  }
  const c = headers.connection;
  return { headers, framing, length: length === -1 ? 0 : length, connection: typeof c === 'string' ? c.toLowerCase() : undefined };
}

function hasToken(list: string | undefined, token: string): boolean {
  if (list === undefined) return false;
  if (list === token) return true;
  for (const t of list.split(',')) if (t.trim() === token) return true;
  return false;
}

/** Parse a request head of `size` bytes (from headEnd). */
export function parseRequestHead(buf: Buffer, size: number): RequestHead {
  const lines = buf.toString('latin1', 0, size - 4).split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]!);
  if (!m) throw new HeadError(400, 'invalid request line');
  // A standard method in another case is that method (as over h2c, request-checks.ts).
  const method = KNOWN_METHODS.has(m[1]!) ? m[1]! : m[1]!.toUpperCase();
  if (!KNOWN_METHODS.has(method)) throw new HeadError(m[1] === 'PRI' ? 400 : 501, 'unknown method');
  const minor = m[3] === '1' ? 1 : 0;
  const f = parseFields(lines, true);
  if (minor === 1 && f.headers.host === undefined) throw new HeadError(400, 'missing Host');
  const h = f.headers;
  const handOff = minor === 0 || method === 'CONNECT' || h.upgrade !== undefined || h.expect !== undefined || h['http2-settings'] !== undefined;
  return {
    method,
    target: m[2]!,
    minor,
    headers: h,
    size,
    framing: f.framing,
    length: f.length,
    keepAlive: minor === 1 ? !hasToken(f.connection, 'close') : hasToken(f.connection, 'keep-alive'),
    handOff,
  };
}

/** Parse a response head; `head` is whether it answers a HEAD request (no body then). */
export function parseResponseHead(buf: Buffer, size: number, head: boolean): ResponseHead {
  const lines = buf.toString('latin1', 0, size - 4).split('\r\n');
  const m = STATUS_LINE.exec(lines[0]!);
  if (!m) throw new HeadError(502, 'invalid status line');
  const status = Number(m[2]);
  const minor = m[1] === '1' ? 1 : 0;
  const f = parseFields(lines, false);
  let framing = f.framing;
  if (head || status < 200 || status === 204 || status === 304) framing = 'none';
  else if (framing === 'none' && f.headers['content-length'] === undefined) framing = 'close';
  const keepAlive = framing !== 'close' && (minor === 1 ? !hasToken(f.connection, 'close') : hasToken(f.connection, 'keep-alive'));
  return { status, minor, headers: f.headers, size, framing, length: f.length, keepAlive };
}

const enum Chunk {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  EndLf,
  Done,
}

/** States where only one byte may come: that byte, the state it leads to, the error otherwise. */
const ONE_BYTE_STEPS: Partial<Record<Chunk, readonly [byte: number, next: Chunk, error: string]>> = {
  [Chunk.DataCr]: [CR, Chunk.DataLf, 'chunk data longer than its size'],
  [Chunk.DataLf]: [LF, Chunk.Size, 'bare CR after chunk data'],
  [Chunk.TrailerLf]: [LF, Chunk.TrailerStart, 'bare CR in trailer'],
  [Chunk.EndLf]: [LF, Chunk.Done, 'bare CR after last chunk'],
};

const MAX_SIZE_DIGITS = 12;
const MAX_TRAILER_BYTES = 16 * 1024;

/**
 * Validates chunked framing byte by byte while the bytes themselves pass through untouched
 * (the next hop gets the same chunks). `scan` returns how many bytes of `buf` from `start`
 * belong to the body (all of them until the last chunk and trailers end), or throws HeadError.
 */
export class ChunkedScanner {
  private state = Chunk.Size;
  private digits = 0;
  private remaining = 0;
  private trailerBytes = 0;

  get done(): boolean {
    return this.state === Chunk.Done;
  }

  /** `data`, when given, hears where the chunk data (without framing) lies in `buf`. */
  scan(buf: Buffer, start: number, data?: (from: number, to: number) => void): number {
    let i = start;
    const n = buf.length;
    while (i < n && this.state !== Chunk.Done) {
      const b = buf[i]!;
      switch (this.state) {
        case Chunk.Size: {
          const d = hexValue(b);
          if (d >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new HeadError(400, 'chunk size too long');
            this.remaining = this.remaining * 16 + d;
          } else if (this.digits === 0) throw new HeadError(400, 'invalid chunk size');
          else if (b === 59 /* ; */) this.state = Chunk.Ext;
          else if (b === CR) this.state = Chunk.SizeLf;
          else throw new HeadError(400, 'invalid chunk size');
          i++;
          break;
        }
        case Chunk.Ext:
          if (b === CR) this.state = Chunk.SizeLf;
          else if (!isFieldByte(b)) throw new HeadError(400, 'invalid chunk extension');
          i++;
          break;
        case Chunk.SizeLf:
          if (b !== LF) throw new HeadError(400, 'bare CR in chunk size line');
          i++;
          this.digits = 0;
          this.state = this.remaining === 0 ? Chunk.TrailerStart : Chunk.Data;
          break;
        case Chunk.Data: {
          const take = Math.min(this.remaining, n - i);
          if (data !== undefined && take > 0) data(i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = Chunk.DataCr;
          break;
        }
        case Chunk.DataCr:
        case Chunk.DataLf:
        case Chunk.TrailerLf:
        case Chunk.EndLf: {
          const [want, next, error] = ONE_BYTE_STEPS[this.state]!;
          if (b !== want) throw new HeadError(400, error);
          this.state = next;
          i++;
          break;
        }
        case Chunk.TrailerStart:
          if (b === CR) this.state = Chunk.EndLf;
          else if (inSet(TOKEN, b)) this.state = Chunk.Trailer;
          else throw new HeadError(400, 'invalid trailer field');
          i++;
          break;
        case Chunk.Trailer:
          if (++this.trailerBytes > MAX_TRAILER_BYTES) throw new HeadError(431, 'trailers too large');
          if (b === CR) this.state = Chunk.TrailerLf;
          else if (!isFieldByte(b)) throw new HeadError(400, 'invalid trailer field');
          i++;
          break;
        default:
          break;
      }
    }
    return i - start;
  }
}

const TOKEN = asciiSet("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

/** Field content (RFC 9110 §5.5): HTAB, visible ASCII, space, obs-text; not other controls or DEL. */
function isFieldByte(b: number): boolean {
  return b === 9 || (b >= 32 && b !== 127);
}
