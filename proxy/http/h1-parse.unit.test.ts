// The fast path's parser against hostile heads: every request that a next hop could frame
// differently is refused, and nothing throws anything but a HeadError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedScanner, headEnd, HeadError, parseRequestHead, parseResponseHead, type RequestHead } from './h1-parse.js';

function parse(text: string, max = 8192): RequestHead | HeadError | undefined {
  const buf = Buffer.from(text, 'latin1');
  try {
    const size = headEnd(buf, max);
    return size === -1 ? undefined : parseRequestHead(buf, size);
  } catch (err) {
    if (err instanceof HeadError) return err;
    throw err;
  }
}

function refused(text: string, status = 400): void {
  const r = parse(text);
  assert.ok(r instanceof HeadError, `should be refused: ${JSON.stringify(text)} → ${JSON.stringify(r)}`);
  assert.equal(r.status, status, `${JSON.stringify(text)}: ${r.message}`);
}

function accepted(text: string): RequestHead {
  const r = parse(text);
  assert.ok(r !== undefined && !(r instanceof HeadError), `should parse: ${JSON.stringify(text)} → ${r instanceof HeadError ? r.message : 'incomplete'}`);
  return r;
}

/** Run chunked bytes through the scanner: bytes consumed and done, or the error. */
function chunks(text: string): { n: number; done: boolean } | HeadError {
  const s = new ChunkedScanner();
  try {
    const n = s.scan(Buffer.from(text, 'latin1'), 0);
    return { n, done: s.done };
  } catch (err) {
    if (err instanceof HeadError) return err;
    throw err;
  }
}

describe('h1 request heads', () => {
  it('parses ordinary requests with node:http header semantics', () => {
    const r = accepted('GET /a?b=1 HTTP/1.1\r\nHost: x\r\nAccept: a\r\naccept: b\r\nCookie: c=1\r\nCookie: d=2\r\nX-Empty:\r\n\r\n');
    assert.equal(r.method, 'GET');
    assert.equal(r.target, '/a?b=1');
    assert.equal(r.headers.host, 'x');
    assert.equal(r.headers.accept, 'a, b');
    assert.equal(r.headers.cookie, 'c=1; d=2');
    assert.equal(r.headers['x-empty'], '');
    assert.equal(r.framing, 'none');
    assert.equal(r.keepAlive, true);
    assert.equal(accepted('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').keepAlive, false);
    assert.equal(accepted('GET / HTTP/1.1\r\nHost: x\r\nX: a \t\r\n\r\n').headers.x, 'a');
    assert.equal(accepted('GET http://svc/x HTTP/1.1\r\nHost: svc\r\n\r\n').target, 'http://svc/x');
  });

  it('frames bodies by Content-Length or chunked, never both', () => {
    const cl = accepted('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n');
    assert.deepEqual([cl.framing, cl.length], ['length', 5]);
    assert.equal(accepted('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n').framing, 'chunked');
    assert.equal(accepted('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n').framing, 'chunked');
    // Request smuggling (RFC 9112 §6.1, §6.3).
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501);
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n', 501);
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 501);
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n', 501);
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n');
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n');
  });

  it('refuses obs-fold, bare LF / CR, and invalid names and values', () => {
    refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n');
    refused('GET / HTTP/1.1\r\n Host: x\r\n\r\n');
    refused('GET / HTTP/1.1\nHost: x\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\n\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fb\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nX Y: 1\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nX(Y): 1\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: x\r\nX\xe9: 1\r\n\r\n');
  });

  it('refuses bad request lines, missing and duplicate Host', () => {
    refused('GET  / HTTP/1.1\r\nHost: x\r\n\r\n');
    refused('GET / HTTP/1.1 \r\nHost: x\r\n\r\n');
    refused('GET /a b HTTP/1.1\r\nHost: x\r\n\r\n');
    refused('GET / HTTP/2.0\r\nHost: x\r\n\r\n');
    refused('GET / HTTP/1.2\r\nHost: x\r\n\r\n');
    refused('GET / http/1.1\r\nHost: x\r\n\r\n');
    refused('G@T / HTTP/1.1\r\nHost: x\r\n\r\n');
    refused('G\x27ET / HTTP/1.1\r\nHost: x\r\n\r\n', 501);
    refused('GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n');
    refused('\x16\x03\x01\x02\x00garbage\r\n\r\n');
    refused('GET / HTTP/1.1\r\n\r\n');
    refused('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
  });

  it('answers 431 for heads over the limit, complete or not', () => {
    refused(`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(9000)}\r\n\r\n`, 431);
    refused(`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(9000)}`, 431);
    assert.equal(parse('GET / HTTP/1.1\r\nHost: x\r\n'), undefined, 'incomplete');
  });

  it('leaves to node:http what the fast path does not serve', () => {
    assert.equal(accepted('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n').handOff, true);
    assert.equal(accepted('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n').handOff, true);
    assert.equal(accepted('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n').handOff, true);
    assert.equal(accepted('GET / HTTP/1.0\r\n\r\n').handOff, true);
    assert.equal(accepted('GET / HTTP/1.1\r\nHost: x\r\n\r\n').handOff, false);
  });
});

describe('h1 chunked bodies', () => {
  it('passes well-formed chunks, extensions and trailers', () => {
    assert.deepEqual(chunks('5\r\nhello\r\n0\r\n\r\n'), { n: 15, done: true });
    assert.deepEqual(chunks('5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nGET'), { n: 44, done: true });
    assert.deepEqual(chunks('5\r\nhel'), { n: 6, done: false });
  });

  it('refuses bad chunk sizes and framing', () => {
    for (const bad of [
      'ZZZ\r\nhello\r\n0\r\n\r\n',
      '-5\r\nhello\r\n',
      '0x5\r\nhello\r\n',
      ' 5\r\nhello\r\n',
      '5 \r\nhello\r\n',
      '\r\nhello\r\n',
      '5\nhello\r\n',
      '5\r\nhelloX\r\n',
      '5\r\nhello\n0\r\n\r\n',
      'fffffffffffff\r\n',
      '0\r\nX-T: 1\n\r\n',
      '0\r\n\x01\r\n\r\n',
      '5;e\x00\r\nhello\r\n',
    ]) {
      const r = chunks(bad);
      assert.ok(r instanceof HeadError, `should be refused: ${JSON.stringify(bad)} → ${JSON.stringify(r)}`);
    }
  });
});

describe('h1 response heads', () => {
  it('frames responses by status, method and headers', () => {
    const p = (t: string, head = false) => {
      const b = Buffer.from(t, 'latin1');
      return parseResponseHead(b, headEnd(b, 65536), head);
    };
    assert.equal(p('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n').framing, 'length');
    assert.equal(p('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').framing, 'chunked');
    assert.equal(p('HTTP/1.1 200 OK\r\n\r\n').framing, 'close');
    assert.equal(p('HTTP/1.1 200 OK\r\n\r\n').keepAlive, false);
    assert.equal(p('HTTP/1.1 204 No Content\r\n\r\n').framing, 'none');
    assert.equal(p('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', true).framing, 'none');
    assert.equal(p('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').status, 200);
    assert.throws(() => p('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'), HeadError);
    assert.throws(() => p('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n'), HeadError);
    assert.throws(() => p('HTTP/1.1 2000 OK\r\n\r\n'), HeadError);
  });
});

// The hand-written scanners replaced regular expressions and Buffer#indexOf loops (they cost
// several µs per head). The old forms stay here as the specification: on random inputs built
// from the bytes that matter, the parser must decide exactly as they did.
describe('h1 parser against its reference forms', () => {
  let seed = 17;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const pick = (alphabet: string, max: number): string => Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]!).join('');

  /** headEnd as it was: indexOf for the end, then every LF, then every CR. */
  function referenceHeadEnd(buf: Buffer, max: number): number {
    const end = buf.indexOf('\r\n\r\n');
    const scan = end === -1 ? buf.length : end + 4;
    if (scan - 4 > max || (end === -1 && buf.length > max)) throw new HeadError(431, 'request header fields too large');
    for (let i = buf.indexOf(10); i !== -1 && i < scan; i = buf.indexOf(10, i + 1)) {
      if (i === 0 || buf[i - 1] !== 13) throw new HeadError(400, 'bare LF in message head');
    }
    for (let i = buf.indexOf(13); i !== -1 && i < scan; i = buf.indexOf(13, i + 1)) {
      if (i + 1 < buf.length && buf[i + 1] !== 10) throw new HeadError(400, 'bare CR in message head');
    }
    return end === -1 ? -1 : end + 4;
  }

  const outcome = (f: () => unknown): string => {
    try {
      return JSON.stringify(f());
    } catch (err) {
      if (!(err instanceof HeadError)) throw err;
      return `${err.status} ${err.message}`;
    }
  };

  it('headEnd: the same end, the same refusal, on 20,000 random heads', () => {
    for (let i = 0; i < 20_000; i++) {
      const buf = Buffer.from(pick('\r\n\r\na: ', 40), 'latin1');
      const max = 4 + rand(40);
      assert.equal(outcome(() => headEnd(buf, max)), outcome(() => referenceHeadEnd(buf, max)), JSON.stringify(buf.toString('latin1')));
    }
  });

  it('field lines: the same name, value or refusal as the field-line regex, on 20,000 random lines', () => {
    const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\t\x20-\x7e\x80-\xff]*?)[ \t]*$/;
    const special = new Set(['host', 'content-length', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings', 'connection', 'cookie', 'set-cookie']);
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      // Mostly plausible lines, each part sometimes hostile.
      const name = rand(8) === 0 ? pick('xY-_!~"(@,;= \t\x00\x01\x1f\x7f\x80\xff:', 3) : pick('xY-_!~Ab', 4);
      const sep = rand(8) === 0 ? pick(' \t:;', 2) : ':';
      const value = rand(4) === 0 ? pick(' \t\x00\x08\x0b\x1f"\x7f\x80\xffaZ:;=,', 6) : pick(' \taZ"\x80\xff:;=,', 8);
      const line = name + sep + value;
      if (line === '') continue; // the empty line ends the head: not a field line
      const m = FIELD.exec(line);
      if (m && special.has(m[1]!.toLowerCase())) continue;
      const r = parse(`GET / HTTP/1.1\r\nhost: h\r\n${line}\r\n\r\n`);
      if (m) {
        matched++;
        assert.ok(r !== undefined && !(r instanceof HeadError), `${JSON.stringify(line)} should parse: ${r instanceof HeadError ? r.message : 'incomplete'}`);
        assert.equal(r.headers[m[1]!.toLowerCase()], m[2], JSON.stringify(line));
      } else {
        const folding = line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9;
        assert.ok(r instanceof HeadError, `${JSON.stringify(line)} should be refused`);
        assert.equal(`${r.status} ${r.message}`, `400 ${folding ? 'obsolete line folding' : 'invalid header field'}`, JSON.stringify(line));
      }
    }
    assert.ok(matched > 1000, `enough valid lines among the random ones (${matched})`);
  });
});
