// Limits that keep one client (or one flood of names) from holding a proxy: a request body
// that stops arriving, a per-listener connection cap, and the bound on on-demand
// subscriptions — against real proxies on loopback.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../harness/index.js';
import type { ResourceType } from '../../lib/mesh/resources.js';
import { encodeResource } from '../../lib/mesh/resources.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { endpoint, endpointsBody, applyResource, inboundBody, request, serviceBody, startApp, startStaticProxy, type TestApp } from './fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Send `head` and a first part of the body, then nothing: what comes back, and when. */
function stall(port: number, bytes: string, ms = 8000): Promise<{ text: string; closed: boolean; elapsed: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const s = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false, elapsed: performance.now() - started });
    }, ms);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, elapsed: performance.now() - started });
    });
  });
}

describe('a request body that stops arriving', () => {
  let app: TestApp;
  let proxy: Sidecar;
  let fallback: Sidecar;
  const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 60_000, bodyIdleTimeoutMs: 400 };

  before(async () => {
    app = await startApp((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    proxy = await startStaticProxy({ service: 'backend', appPort: app.port, limits });
    fallback = await startStaticProxy({ service: 'backend', appPort: app.port, limits, fastPath: false });
    cleanups.push(() => app.close(), () => proxy.close(), () => fallback.close());
    for (const p of [proxy, fallback]) applyResource(p.mesh, 'Inbound', inboundBody('default/backend', 'allow'));
  });

  for (const [mode, version] of [['fast path', '1.1'], ['node:http fallback', '1.1'], ['HTTP/1.0 hand-off', '1.0']] as const) {
    it(`gets 408 and a closed connection, long before requestTimeout (${mode})`, async () => {
      const port = mode === 'node:http fallback' ? fallback.ports.inbound : proxy.ports.inbound;
      const r = await stall(port, `POST /upload HTTP/${version}\r\nHost: backend\r\nContent-Length: 100\r\n\r\n0123456789`);
      assert.match(r.text, /^HTTP\/1\.1 408 /, r.text);
      assert.ok(r.closed, 'the connection is closed');
      assert.ok(r.elapsed < 5000, `took ${r.elapsed} ms`);
    });
  }

  it('gets 408 over h2c', async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.ports.inbound}`);
    session.on('error', () => undefined);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'backend' }, { endStream: false });
      req.on('error', () => undefined);
      req.write('0123456789');
      const status = await new Promise<number>((resolve) => {
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('close', () => resolve(0));
      });
      assert.equal(status, 408);
    } finally {
      session.destroy();
    }
  });

  it('does not cut a body that keeps arriving', async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: proxy.ports.inbound, method: 'POST', path: '/upload', headers: { host: 'backend', 'content-length': 8 }, agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      let sent = 0;
      // Each byte comes well within bodyIdleTimeout, the whole body takes longer than it.
      const tick = setInterval(() => {
        req.write('x');
        if (++sent === 8) {
          clearInterval(tick);
          req.end();
        }
      }, 100);
    });
    assert.equal(r, 200);
  });
});

describe('the connection cap of a listener', () => {
  it('closes a new connection at the cap while an established keep-alive client keeps working', async () => {
    const app = await startApp((_req, res) => res.end('ok'));
    const proxy = await startStaticProxy({ service: 'backend', appPort: app.port, limits: { maxConnections: 3 } });
    cleanups.push(() => app.close(), () => proxy.close());
    applyResource(proxy.mesh, 'Inbound', inboundBody('default/backend', 'allow'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const ports: number[] = [];
    const get = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: proxy.ports.inbound, path: '/', headers: { host: 'backend' }, agent }, (res) => {
          ports.push(res.socket.localPort ?? 0);
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
      });

    assert.equal(await get(), 200);
    const idle = [net.connect({ port: proxy.ports.inbound, host: '127.0.0.1' }), net.connect({ port: proxy.ports.inbound, host: '127.0.0.1' })];
    for (const s of idle) s.on('error', () => undefined);
    await Promise.all(idle.map((s) => new Promise((resolve) => s.once('connect', resolve))));

    // The fourth connection is closed without an answer.
    const refused = await stall(proxy.ports.inbound, 'GET / HTTP/1.1\r\nHost: backend\r\n\r\n', 5000);
    assert.ok(refused.closed, 'the connection over the cap is closed');
    assert.equal(refused.text, '');

    // The established client is unaffected, on the same connection.
    assert.equal(await get(), 200);
    assert.equal(ports[1], ports[0], 'the keep-alive connection was reused');

    // Below the cap again, new connections are served.
    for (const s of idle) s.destroy();
    await waitFor('a new connection below the cap', async () => (await request(proxy.ports.inbound, { headers: { host: 'backend' }, agent: false }).catch(() => ({ status: 0 }))).status === 200, {
      timeoutMs: 5000,
    });
  });
});

describe('the bound on on-demand subscriptions', () => {
  let app: TestApp;
  let proxy: Sidecar;
  const live: Record<'Service' | 'Endpoints', Set<string>> = { Service: new Set(), Endpoints: new Set() };
  let most = 0;
  let subscribeCalls = 0;
  const known = new Set(['a', 'b', 'c'].map((s) => `default/known-${s}`));

  before(async () => {
    app = await startApp((_req, res) => res.end('ok'));
    proxy = await startStaticProxy({ service: 'frontend', appPort: 1, onDemandTimeoutMs: 2000, limits: { maxOnDemandServices: 3 } });
    cleanups.push(() => app.close(), () => proxy.close());
    applyResource(proxy.mesh, 'Inbound', inboundBody('default/frontend', 'allow'));
    // A control plane in miniature: answers each subscription, as config-push does.
    proxy.mesh.setSubscriptionSink({
      subscribe: (type: ResourceType, names: string[]) => {
        if (type === 'Inbound') return;
        subscribeCalls++;
        for (const n of names) live[type].add(n);
        most = Math.max(most, live.Service.size, live.Endpoints.size);
        setImmediate(() => {
          for (const n of names) {
            if (!known.has(n)) proxy.mesh.apply(type, [], [n]);
            else if (type === 'Service') proxy.mesh.apply(type, [encodeResource(serviceBody(n))], []);
            else proxy.mesh.apply(type, [encodeResource(endpointsBody(n, [endpoint('e1', app.port)]))], []);
          }
        });
      },
      unsubscribe: (type: ResourceType, names: string[]) => {
        if (type === 'Inbound') return;
        for (const n of names) live[type].delete(n);
      },
    });
  });

  const call = (host: string) => request(proxy.ports.outbound, { path: '/', headers: { host } });

  it('drops names found unknown, least recently used first, so a flood never outgrows the bound', async () => {
    for (let i = 0; i < 40; i++) {
      const r = await call(`unknown-${i}`);
      assert.equal(r.status, 503);
      assert.equal(r.headers['x-plexus-flags'], 'NR');
    }
    assert.ok(most <= 3, `at most 3 names subscribed at once, saw ${most}`);
    assert.ok(proxy.mesh.subscriptions().Service.length <= 3);
  });

  it('keeps known services; with no unknown name to drop, a new name gets 503 NR without a subscription', async () => {
    for (const s of ['a', 'b', 'c']) assert.equal((await call(`known-${s}`)).status, 200);
    assert.deepEqual([...live.Service].sort(), [...known].sort());
    const calls = subscribeCalls;
    const r = await call('unknown-more');
    assert.equal(r.status, 503);
    assert.equal(r.headers['x-plexus-flags'], 'NR');
    assert.equal(subscribeCalls, calls, 'no subscription past the bound');
    assert.equal((proxy.mesh.dump().onDemand as { refused: number }).refused, 1);
    for (const s of ['a', 'b', 'c']) assert.equal((await call(`known-${s}`)).status, 200);
  });
});
