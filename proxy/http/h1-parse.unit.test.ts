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
