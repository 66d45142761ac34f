// Hostile and malformed clients, HTTP/2 and gRPC through the mesh, and graceful draining — all
// against real proxies on loopback with statically applied config.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../harness/index.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { applyResource, endpoint, endpointsBody, inboundBody, request, serviceBody, startApp, rawExchange, startStaticProxy, testMeshTls, type TestApp } from './fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function meshPair(appPort: number, protocol: 'http1' | 'http2' | 'grpc', limits?: Record<string, number>): Promise<{ client: Sidecar; server: Sidecar }> {
  // Proxy to proxy over mTLS (STRICT), as in a mesh with workload certificates.
  const server = await startStaticProxy({ service: 'backend', appPort, app: { protocol }, ...(limits ? { limits } : {}), meshTls: await testMeshTls('backend') });
  const client = await startStaticProxy({ service: 'frontend', appPort: 1, ...(limits ? { limits } : {}), meshTls: await testMeshTls('frontend') });
  cleanups.push(() => client.close(), () => server.close());
  applyResource(server.mesh, 'Inbound', { ...inboundBody('default/backend', 'allow'), mtlsMode: 'STRICT' });
  applyResource(client.mesh, 'Inbound', inboundBody('default/frontend', 'allow'));
  applyResource(client.mesh, 'Service', serviceBody('default/backend'));
  applyResource(client.mesh, 'Endpoints', endpointsBody('default/backend', [endpoint('b1', server.ports.inbound, { protocol })]));
  return { client, server };
}

/** Raw bytes in, whatever comes back until the peer closes (or `ms` passes). */
const raw = (port: number, data: string | Buffer, ms = 3000): Promise<{ text: string; closed: boolean }> => rawExchange(port, data, ms);

describe('hostile requests do not take the proxy down', () => {
  let app: TestApp;
  let pair: { client: Sidecar; server: Sidecar };

  before(async () => {
    app = await startApp((q, r) => {
      q.resume();
      q.on('end', () => r.end('fine'));
    });
    cleanups.push(() => app.close());
    pair = await meshPair(app.port, 'http1', { headersTimeoutMs: 500, requestTimeoutMs: 2000, maxHeaderBytes: 4096, h2IdleTimeoutMs: 500 });
  });

  it('answers oversized headers with 431 and keeps serving', async () => {
    for (const port of [pair.client.ports.outbound, pair.server.ports.inbound]) {
      const r = await raw(port, `GET / HTTP/1.1\r\nHost: backend\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
      assert.match(r.text, /^HTTP\/1\.1 431 /);
      assert.ok(r.closed);
    }
    assert.equal((await request(pair.client.ports.outbound, { headers: { host: 'backend' } })).body, 'fine');
  });

  it('answers bad chunked encoding and garbage with 400', async () => {
    const bad = await raw(pair.client.ports.outbound, 'POST / HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n');
    assert.ok(bad.closed);
    assert.ok(bad.text === '' || /^HTTP\/1\.1 (400|503) /.test(bad.text), bad.text);
    const smuggle = await raw(pair.server.ports.inbound, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.match(smuggle.text, /^HTTP\/1\.1 400 /, 'both Content-Length and Transfer-Encoding: refused');
    const garbage = await raw(pair.client.ports.outbound, '\x16\x03\x01\x02\x00garbage\r\n\r\n');
    assert.match(garbage.text, /^HTTP\/1\.1 400 /);
    assert.equal((await request(pair.client.ports.outbound, { headers: { host: 'backend' } })).body, 'fine');
  });

  it('cuts slowloris connections (slow headers, silent sockets) after the headers timeout', async () => {
    const started = Date.now();
    const silent = raw(pair.server.ports.inbound, Buffer.alloc(0), 5000);
    const slow = new Promise<boolean>((resolve) => {
      const s = net.connect({ port: pair.client.ports.outbound, host: '127.0.0.1' });
      s.on('error', () => undefined);
      s.resume();
      const lines = ['GET / HTTP/1.1\r\n', 'Host: backend\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', 'X-E: 5\r\n', 'X-F: 6\r\n'];
      let i = 0;
      const timer = setInterval(() => {
        if (i < lines.length && !s.destroyed) s.write(lines[i++]!);
      }, 200);
      s.on('close', () => {
        clearInterval(timer);
        resolve(true);
      });
      setTimeout(() => {
        clearInterval(timer);
        s.destroy();
        resolve(false);
      }, 5000);
    });
    const idleH2 = new Promise<boolean>((resolve) => {
      const session = http2.connect(`http://127.0.0.1:${pair.client.ports.outbound}`);
      session.on('error', () => undefined);
      session.once('close', () => resolve(true));
      setTimeout(() => {
        session.destroy();
        resolve(false);
      }, 5000);
    });
    const [silentResult, slowClosed, idleClosed] = await Promise.all([silent, slow, idleH2]);
    assert.ok(idleClosed, 'an idle HTTP/2 session is closed');
    assert.ok(silentResult.closed, 'a connection that never speaks is closed');
    assert.ok(slowClosed, 'a connection that trickles headers is closed');
    assert.ok(Date.now() - started < 4500);
    assert.equal((await request(pair.client.ports.outbound, { headers: { host: 'backend' } })).body, 'fine');
  });

  it('survives clients that vanish mid-request and mid-response', async () => {
    const big = await startApp((_q, r) => {
      r.writeHead(200, { 'content-type': 'application/octet-stream' });
      let n = 0;
      const t = setInterval(() => {
        r.write(Buffer.alloc(64 * 1024));
        if (++n === 50) {
          clearInterval(t);
          r.end();
        }
      }, 5);
      r.on('close', () => clearInterval(t));
    });
    cleanups.push(() => big.close());
    applyResource(pair.client.mesh, 'Service', serviceBody('default/big'));
    applyResource(pair.client.mesh, 'Endpoints', endpointsBody('default/big', [endpoint('big1', big.port)]));
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const req = http.get({ port: pair.client.ports.outbound, host: '127.0.0.1', headers: { host: 'big' }, agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
      });
      const half = net.connect({ port: pair.client.ports.outbound, host: '127.0.0.1' });
      half.on('error', () => undefined);
      half.write('POST / HTTP/1.1\r\nHost: backend\r\nContent-Length: 100000\r\n\r\npartial');
      await new Promise((r) => setTimeout(r, 20));
      half.destroy();
    }
    // Nothing leaks: every aborted exchange released its circuit-breaker slot and host.
    await waitFor('aborted requests to be released', async () => {
      const eps = (await (await fetch(`http://127.0.0.1:${pair.client.ports.admin}/endpoints`)).json()) as {
        upstreams: Array<{ activeRequests: number; hosts: Array<{ activeRequests: number }> }>;
      };
      return eps.upstreams.every((u) => u.activeRequests === 0 && u.hosts.every((h) => h.activeRequests === 0));
    });
    assert.equal((await request(pair.client.ports.outbound, { headers: { host: 'backend' } })).body, 'fine');
  });
});

describe('HTTP/2 and gRPC through the mesh', () => {
  it('carries h2c requests by :authority', async () => {
    const h2app = http2.createServer((req, res) => {
      res.setHeader('x-proto', req.httpVersion);
      res.end(`h2 ${req.url} ${String(req.headers['x-plexus-source'])}`);
    });
    await new Promise<void>((r) => h2app.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => h2app.close(() => r())));
    const { client } = await meshPair((h2app.address() as net.AddressInfo).port, 'http2');
    const session = http2.connect(`http://127.0.0.1:${client.ports.outbound}`);
    cleanups.push(() => void session.close());
    const body = await new Promise<{ status: number; text: string; proto: string }>((resolve, reject) => {
      const s = session.request({ ':path': '/h2/path?q=1', ':authority': 'backend' });
      let text = '';
      let status = 0;
      let proto = '';
      s.on('response', (h) => {
        status = Number(h[':status']);
        proto = String(h['x-proto']);
      });
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => resolve({ status, text, proto }));
      s.on('error', reject);
      s.end();
    });
    assert.deepEqual(body, { status: 200, text: 'h2 /h2/path?q=1 default/frontend', proto: '2.0' });
  });

  it('routes gRPC calls (unary, server streaming, errors) by :authority', async () => {
    const server = new grpc.Server();
    const ident = (b: Buffer): Buffer => b;
    server.addService(
      {
        Say: { path: '/test.Echo/Say', requestStream: false, responseStream: false, requestSerialize: ident, requestDeserialize: ident, responseSerialize: ident, responseDeserialize: ident },
        Many: { path: '/test.Echo/Many', requestStream: false, responseStream: true, requestSerialize: ident, requestDeserialize: ident, responseSerialize: ident, responseDeserialize: ident },
        Fail: { path: '/test.Echo/Fail', requestStream: false, responseStream: false, requestSerialize: ident, requestDeserialize: ident, responseSerialize: ident, responseDeserialize: ident },
      },
      {
        Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
          cb(null, Buffer.from(`echo ${call.request.toString()} from ${String(call.metadata.get('x-plexus-source')[0])}`)),
        Many: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
          for (let i = 0; i < 3; i++) call.write(Buffer.from(`part ${i}`));
          call.end();
        },
        Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
          cb({ code: grpc.status.FAILED_PRECONDITION, details: 'not today' }),
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    cleanups.push(() => void server.forceShutdown());
    const { client } = await meshPair(port, 'grpc');
    const c = new grpc.Client(`127.0.0.1:${client.ports.outbound}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'backend' });
    cleanups.push(() => c.close());
    const unary = (path: string, arg: string) =>
      new Promise<{ err: grpc.ServiceError | null; value?: string }>((resolve) =>
        c.makeUnaryRequest(path, ident, ident, Buffer.from(arg), (err, value) => resolve({ err, value: value?.toString() })),
      );
    assert.deepEqual(await unary('/test.Echo/Say', 'hi'), { err: null, value: 'echo hi from default/frontend' });
    const failed = await unary('/test.Echo/Fail', 'x');
    assert.equal(failed.err?.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(failed.err?.details, 'not today');
    const parts: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = c.makeServerStreamRequest('/test.Echo/Many', ident, ident, Buffer.from('x'));
      call.on('data', (d: Buffer) => parts.push(d.toString()));
      call.on('status', (s: grpc.StatusObject) => (s.code === grpc.status.OK ? resolve() : reject(new Error(s.details))));
      call.on('error', reject);
    });
    assert.deepEqual(parts, ['part 0', 'part 1', 'part 2']);
    // A local reply to a gRPC caller is a gRPC status.
    const c2 = new grpc.Client(`127.0.0.1:${client.ports.outbound}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'nothing-here' });
    cleanups.push(() => c2.close());
    client.mesh.apply('Service', [], ['default/nothing-here']);
    client.mesh.apply('Endpoints', [], ['default/nothing-here']);
    const nr = await new Promise<grpc.ServiceError | null>((resolve) => c2.makeUnaryRequest('/test.Echo/Say', ident, ident, Buffer.from('x'), (err) => resolve(err)));
    assert.equal(nr?.code, grpc.status.UNAVAILABLE);
    assert.match(nr?.details ?? '', /not a service known to the mesh/);
  });
});

describe('draining', () => {
  it('finishes every in-flight request, refuses new connections, then stops', async () => {
    const held: http.ServerResponse[] = [];
    const app = await startApp((_q, r) => held.push(r));
    cleanups.push(() => app.close());
    const { client, server } = await meshPair(app.port, 'http1');
    const agent = new http.Agent({ keepAlive: true });
    cleanups.push(() => agent.destroy());
    const inflight = Array.from({ length: 5 }, (_, i) => request(client.ports.outbound, { path: `/r${i}`, headers: { host: 'backend' }, agent }));
    await waitFor('requests at the app', () => held.length === 5);
    const drained = server.drain();
    await waitFor('server not ready', () => server.readiness() === 'draining');
    await waitFor('inbound closed to new connections', async () => !(await canConnect(server.ports.inbound)));
    for (const r of held) r.end('finished');
    const results = await Promise.all(inflight);
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.equal(r.body, 'finished');
    }
    await drained;
  });
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
