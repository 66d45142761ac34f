// The HTTP/1.1 fast path end to end (caller's outbound → callee's inbound → app, raw sockets
// in): smuggling attempts never reach the app, bodies pass in both framings, pipelined and
// keep-alive requests stay in step, what the fast path does not serve goes to node:http on the
// same port, and random or mutated bytes never crash a proxy or reach the app ambiguously.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Sidecar } from '../../proxy/sidecar.js';
import { applyResource, endpoint, endpointsBody, inboundBody, request, serviceBody, startApp, rawExchange, startStaticProxy, type TestApp } from './fixtures.js';


const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Raw bytes in, whatever comes back until the peer closes (or `ms` passes). */
const raw = (port: number, data: string | Buffer, ms = 2000): Promise<{ text: string; closed: boolean }> => rawExchange(port, data, ms);

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('HTTP/1.1 fast path', () => {
  let app: TestApp;
  let client: Sidecar;
  let server: Sidecar;
  const seen: Seen[] = [];
  let appClientErrors = 0;

  before(async () => {
    app = await startApp((q, r) => {
      const chunks: Buffer[] = [];
      q.on('data', (c: Buffer) => chunks.push(c));
      q.on('end', () => {
        const body = Buffer.concat(chunks).toString('latin1');
        seen.push({ method: q.method ?? '', url: q.url ?? '', headers: q.headers, body });
        if (q.url === '/chunked-reply') {
          r.writeHead(200, { 'content-type': 'text/plain' });
          r.write('part one,');
          setTimeout(() => {
            r.addTrailers({ 'x-trailer': 't' });
            r.end('part two');
          }, 5);
          return;
        }
        r.end(`${q.method} ${q.url} ${body.length}:${body}`);
      });
    });
    app.server.on('clientError', (err: NodeJS.ErrnoException) => {
      // A request cut off mid-body (its client went away, so the proxy cut the upstream try)
      // ends in EOF; that is an aborted request, not a misread one.
      if (err.code !== 'HPE_INVALID_EOF_STATE') appClientErrors++;
    });
    cleanups.push(() => app.close());
    const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, maxHeaderBytes: 4096 };
    server = await startStaticProxy({ service: 'backend', appPort: app.port, limits });
    client = await startStaticProxy({ service: 'frontend', appPort: 1, limits });
    cleanups.push(() => client.close(), () => server.close());
    applyResource(server.mesh, 'Inbound', inboundBody('default/backend', 'allow'));
    applyResource(client.mesh, 'Service', serviceBody('default/backend'));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/backend', [endpoint('b1', server.ports.inbound)]));
    applyResource(server.mesh, 'Endpoints', endpointsBody('default/frontend', [endpoint('f1', client.ports.inbound)]));
  });

  it('refuses smuggling attempts on both listeners; none reaches the app', async () => {
    const attacks = [
      'POST / HTTP/1.1\r\nHost: backend\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: backend\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: backend\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: backend\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: backend\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding:\tchunked\r\nX: 1\r\n Transfer-Encoding: identity\r\n\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: backend\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000005\r\nhello\r\n0\r\n\r\n',
      'GET / HTTP/1.1\nHost: backend\n\nGET /smuggled HTTP/1.1\r\nHost: backend\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: backend\r\nX-A: 1\r\n folded: yes\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: backend\r\nBad Name: 1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: backend\r\nX: \x00\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: backend\r\nHost: evil\r\n\r\n',
    ];
    const before = seen.length;
    for (const port of [client.ports.outbound, server.ports.inbound]) {
      for (const attack of attacks) {
        const r = await raw(port, attack);
        assert.ok(r.closed, `connection closed after ${JSON.stringify(attack)}`);
        assert.match(r.text, /^HTTP\/1\.1 (400|501) /, `${JSON.stringify(attack)} → ${r.text.slice(0, 80)}`);
        assert.ok(!r.text.includes('smuggled'), r.text);
      }
    }
    // Bad chunked bodies after a good head: the request may have started upstream, but is cut, never completed.
    assert.ok(seen.slice(before).every((s) => s.url !== '/smuggled' && s.body === ''), JSON.stringify(seen.slice(before)));
    assert.equal(appClientErrors, 0);
  });

  it('answers 431 for oversized heads and 408 for slow ones', async () => {
    const big = await raw(client.ports.outbound, `GET / HTTP/1.1\r\nHost: backend\r\nX: ${'a'.repeat(5000)}\r\n\r\n`);
    assert.match(big.text, /^HTTP\/1\.1 431 /);
    const slow = await raw(server.ports.inbound, 'GET / HTTP/1.1\r\nHost: backend\r\n', 4000);
    assert.ok(slow.closed);
    assert.match(slow.text, /^HTTP\/1\.1 408 /);
  });

  it('streams Content-Length and chunked bodies both ways', async () => {
    const small = await request(client.ports.outbound, { method: 'POST', path: '/cl', headers: { host: 'backend' }, body: 'hello' });
    assert.equal(small.body, 'POST /cl 5:hello');
    const big = Buffer.alloc(300_000, 'x');
    const chunked = await request(client.ports.outbound, { method: 'PUT', path: '/te', headers: { host: 'backend', 'transfer-encoding': 'chunked' }, body: big });
    assert.equal(chunked.body, `PUT /te 300000:${'x'.repeat(300_000)}`);
    const r = await raw(client.ports.outbound, 'POST /raw HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n');
    assert.match(r.text, /POST \/raw 5:abcde$/);
    const reply = await raw(client.ports.outbound, 'GET /chunked-reply HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n');
    assert.match(reply.text, /transfer-encoding: chunked/i);
    assert.match(reply.text, /part one,/);
    assert.match(reply.text, /part two/);
    assert.match(reply.text, /x-trailer: t\r\n\r\n$/i);
  });

  it('keeps pipelined requests in order on one connection', async () => {
    const one = (n: number): string => `GET /p${n} HTTP/1.1\r\nHost: backend\r\n\r\n`;
    const r = await raw(client.ports.outbound, `${one(1)}${one(2)}POST /p3 HTTP/1.1\r\nHost: backend\r\nContent-Length: 2\r\n\r\nok${one(4)}GET /p5 HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n`);
    assert.ok(r.closed);
    const bodies = [...r.text.matchAll(/(GET|POST) \/p(\d)/g)].map((m) => m[2]);
    assert.deepEqual(bodies, ['1', '2', '3', '4', '5']);
  });

  it('hands Upgrade, Expect and HTTP/1.0 to node:http on the same port', async () => {
    const up = await raw(client.ports.outbound, 'GET / HTTP/1.1\r\nHost: backend\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.match(up.text, /^HTTP\/1\.1 405 /);
    const old = await raw(client.ports.outbound, 'GET /old HTTP/1.0\r\nHost: backend\r\n\r\n');
    assert.match(old.text, /GET \/old 0:$/);
    const expect = await raw(client.ports.outbound, 'POST /e HTTP/1.1\r\nHost: backend\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    assert.match(expect.text, /POST \/e 2:hi$/);
    // A fast request first, then a hand-off on the same connection.
    const mixed = await raw(client.ports.outbound, 'GET /first HTTP/1.1\r\nHost: backend\r\n\r\nGET /second HTTP/1.0\r\nHost: backend\r\n\r\n');
    assert.match(mixed.text, /GET \/first 0:[\s\S]*GET \/second 0:$/);
  });

  it('stamps identity, request id and trace context as the node:http path did', async () => {
    const before = seen.length;
    const r = await request(client.ports.outbound, {
      path: '/ids',
      headers: { host: 'backend', 'x-plexus-source': 'default/spoofed', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-request-id': 'rid-1' },
    });
    assert.equal(r.status, 200);
    const s = seen[before]!;
    assert.equal(s.headers['x-plexus-source'], undefined, "the app's claim is dropped; the callee's proxy names the caller from the certificate");
    assert.equal(s.headers['x-request-id'], 'rid-1');
    assert.match(String(s.headers.traceparent), /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  it('survives random and mutated requests, and never forwards one ambiguously', async () => {
    // Deterministic PRNG so a failure can be replayed.
    let seed = 0x9e3779b9;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const corpus = [
      'GET /a HTTP/1.1\r\nHost: backend\r\n\r\n',
      'POST /b HTTP/1.1\r\nHost: backend\r\nContent-Length: 5\r\n\r\nhello',
      'POST /c HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      'GET http://backend/d HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n',
    ];
    const alphabet = ['\r', '\n', '\r\n', ' ', '\t', ':', '\x00', '\x7f', '\xff', '0', 'f', ';', ',', 'chunked', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n\r\n'];
    const mutate = (s: string): string => {
      let out = s;
      const edits = 1 + rand(4);
      for (let e = 0; e < edits; e++) {
        const at = rand(out.length + 1);
        const kind = rand(4);
        if (kind === 0) out = out.slice(0, at) + out.slice(at + 1 + rand(3));
        else if (kind === 1) out = out.slice(0, at) + alphabet[rand(alphabet.length)]! + out.slice(at);
        else if (kind === 2) out = out.slice(0, at) + String.fromCharCode(rand(256)) + out.slice(at + 1);
        else out = out + corpus[rand(corpus.length)]!;
      }
      return out;
    };
    const randomBytes = (): string => Array.from({ length: 1 + rand(200) }, () => String.fromCharCode(rand(256))).join('');
    const before = seen.length;
    for (let i = 0; i < 300; i++) {
      const input = i % 5 === 0 ? randomBytes() : mutate(corpus[rand(corpus.length)]!);
      const port = i % 2 === 0 ? client.ports.outbound : server.ports.inbound;
      const r = await raw(port, input, 400);
      if (r.text !== '') assert.match(r.text, /^HTTP\/1\.1 \d\d\d /, `${JSON.stringify(input)} → ${JSON.stringify(r.text.slice(0, 60))}`);
    }
    // Whatever reached the app was a well-formed request: node:http in the app never saw a parse error.
    assert.equal(appClientErrors, 0);
    for (const s of seen.slice(before)) {
      assert.ok(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'].includes(s.method) || /^[A-Za-z!#$%&'*+.^_`|~0-9-]+$/.test(s.method));
    }
    for (const port of [client.ports.outbound, server.ports.inbound]) {
      const ok = await request(port, { path: '/after-fuzz', headers: { host: 'backend' }, agent: false });
      assert.equal(ok.status, 200);
    }
  });
});
