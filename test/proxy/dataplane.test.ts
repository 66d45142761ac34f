// Data-plane behaviour through real proxies and tiny HTTP apps on loopback, with config
// applied statically (the encoded resources config-push would send). The control-plane path
// is covered by test/proxy/*.test.ts.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { after, before, describe, it } from 'node:test';
import type { Sidecar } from '../../proxy/sidecar.js';
import {
  applyResource,
  endpoint,
  endpointsBody,
  inboundBody,
  request,
  rule,
  serviceBody,
  startApp,
  startStaticProxy,
  testMeshTls,
  type TestApp,
} from './fixtures.js';
import { waitFor } from '../harness/index.js';

const apps: TestApp[] = [];
const proxies: Sidecar[] = [];

async function app(handler: Parameters<typeof startApp>[0]): Promise<TestApp> {
  const a = await startApp(handler);
  apps.push(a);
  return a;
}

async function proxy(service: string, appPort: number, extra: Partial<Parameters<typeof startStaticProxy>[0]> = {}): Promise<Sidecar> {
  const p = await startStaticProxy({ service, appPort, ...extra });
  applyResource(p.mesh, 'Inbound', inboundBody(`default/${service}`, 'allow'));
  proxies.push(p);
  return p;
}

/** The caller: a proxy whose app never receives traffic (port 1). */
let client: Sidecar;

before(async () => {
  client = await proxy('client', 1);
});

after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(apps.map((a) => a.close()));
});

const get = (host: string, path = '/', headers: http.OutgoingHttpHeaders = {}) =>
  request(client.ports.outbound, { path, headers: { host, ...headers } });

describe('routing', () => {
  it('splits traffic between weighted subsets within statistical bounds', async () => {
    const v1 = await app((_q, r) => r.end('v1'));
    const v2 = await app((_q, r) => r.end('v2'));
    applyResource(client.mesh, 'Service', serviceBody('default/split', {
      routes: [rule({ destinations: [{ subset: { version: 'v1' }, weight: 80 }, { subset: { version: 'v2' }, weight: 20 }] })],
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/split', [
      endpoint('s1', v1.port, { labels: { version: 'v1' } }),
      endpoint('s2', v2.port, { labels: { version: 'v2' } }),
    ]));
    const n = 600;
    let v2count = 0;
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => get('split')));
      for (const r of batch) {
        assert.equal(r.status, 200);
        if (r.body === 'v2') v2count++;
      }
    }
    // Binomial(600, 0.2): mean 120, sd ≈ 9.8; ±5 sd keeps a false failure below 1e-6.
    assert.ok(v2count > 120 - 49 && v2count < 120 + 49, `v2 got ${v2count} of ${n}`);
  });

  it('routes by path, method and header, edits headers, and reaches the default route', async () => {
    const echo = await app((q, r) => {
      r.setHeader('x-from-app', 'yes');
      r.end(JSON.stringify({ path: q.url, tag: q.headers['x-tag'] ?? null, removed: q.headers['x-remove-me'] ?? null }));
    });
    const other = await app((_q, r) => r.end('canary'));
    applyResource(client.mesh, 'Service', serviceBody('default/routed', {
      routes: [
        rule({
          name: 'canary',
          match: { path: { type: 'prefix', value: '/api/' }, methods: ['GET'], headers: [{ name: 'x-canary', type: 'exact', value: '1' }] },
          destinations: [{ subset: { track: 'canary' }, weight: 100 }],
        }),
        rule({
          name: 'tagged',
          match: { path: { type: 'regex', value: '/items/[0-9]+' }, methods: [], headers: [] },
          destinations: [{ subset: { track: 'stable' }, weight: 100 }],
          headers: { request: { set: { 'x-tag': 'items' }, add: {}, remove: ['x-remove-me'] }, response: { set: { 'x-route': 'tagged' }, add: {}, remove: ['x-from-app'] } },
        }),
      ],
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/routed', [
      endpoint('r1', echo.port, { labels: { track: 'stable' } }),
      endpoint('r2', other.port, { labels: { track: 'canary' } }),
    ]));
    assert.equal((await get('routed', '/api/x', { 'x-canary': '1' })).body, 'canary');
    const tagged = await get('routed', '/items/42', { 'x-remove-me': 'please' });
    assert.deepEqual(JSON.parse(tagged.body), { path: '/items/42', tag: 'items', removed: null });
    assert.equal(tagged.headers['x-route'], 'tagged');
    assert.equal(tagged.headers['x-from-app'], undefined);
    // no rule matches: default route over every endpoint
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await get('routed', '/other')).body.startsWith('{') ? 'echo' : 'canary');
    assert.deepEqual([...seen].sort(), ['canary', 'echo']);
  });

  it('answers 503 NR for an unknown service and 503 UH when it has no healthy endpoint', async () => {
    applyResource(client.mesh, 'Service', serviceBody('default/empty'));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/empty', []));
    const uh = await get('empty');
    assert.equal(uh.status, 503);
    assert.equal(uh.headers['x-plexus-flags'], 'UH');
    assert.match(uh.body, /no healthy upstream/);
    // No control plane here: the on-demand lookup times out and the name stays unknown.
    client.mesh.apply('Service', [], ['default/nowhere']);
    client.mesh.apply('Endpoints', [], ['default/nowhere']);
    const nr = await get('nowhere.default.svc.cluster.local');
    assert.equal(nr.status, 503);
    assert.equal(nr.headers['x-plexus-flags'], 'NR');
    assert.match(nr.body, /no healthy upstream: default\/nowhere is not a service known to the mesh/);
    const bad = await get('not_a_name');
    assert.equal(bad.status, 400);
  });

  it('works as a forward proxy (absolute-form targets, as with curl -x / HTTP_PROXY)', async () => {
    const a = await app((q, r) => r.end(`${q.headers.host} ${q.url}`));
    applyResource(client.mesh, 'Service', serviceBody('shop/cart'));
    applyResource(client.mesh, 'Endpoints', endpointsBody('shop/cart', [endpoint('c1', a.port)]));
    const r = await request(client.ports.outbound, { path: 'http://cart.shop/items?x=1', headers: { host: 'ignored' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'cart.shop /items?x=1');
  });
});

describe('resilience', () => {
  it('retries a 503 onto another host and succeeds', async () => {
    const bad = await app((_q, r) => {
      r.statusCode = 503;
      r.end('down');
    });
    const good = await app((_q, r) => r.end('ok'));
    applyResource(client.mesh, 'Service', serviceBody('default/flaky', {
      retries: { attempts: 2, perTryTimeoutMs: null, retryOn: ['gateway-error'], backoff: { baseMs: 1, maxMs: 5 } },
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/flaky', [endpoint('f1', bad.port), endpoint('f2', good.port)]));
    for (let i = 0; i < 10; i++) {
      const r = await get('flaky');
      assert.equal(r.status, 200, r.body);
      assert.equal(r.body, 'ok');
    }
    assert.ok(bad.requests >= 4, 'round robin sent tries to the bad host');
    const metrics = await (await fetch(`http://127.0.0.1:${client.ports.admin}/metrics`)).text();
    assert.match(metrics, /plexus_proxy_retries_total\{destination="default\/flaky"\} [1-9]/);
  });

  it('gives up after the retry budget with the upstream answer and URX', async () => {
    const bad = await app((_q, r) => {
      r.statusCode = 503;
      r.end('still down');
    });
    applyResource(client.mesh, 'Service', serviceBody('default/down', {
      retries: { attempts: 2, perTryTimeoutMs: null, retryOn: ['5xx'], backoff: { baseMs: 1, maxMs: 2 } },
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/down', [endpoint('d1', bad.port)]));
    const r = await get('down');
    assert.equal(r.status, 503);
    assert.equal(r.body, 'still down');
    assert.equal(r.headers['x-plexus-flags'], 'URX');
    assert.equal(bad.requests, 3);
  });

  it('does not retry a streamed body larger than the replay buffer, but retries a small one', async () => {
    let calls = 0;
    const a = await app((q, r) => {
      calls++;
      const chunks: Buffer[] = [];
      q.on('data', (c: Buffer) => chunks.push(c));
      q.on('end', () => {
        r.statusCode = calls % 2 === 1 ? 503 : 200;
        r.end(`got ${Buffer.concat(chunks).length}`);
      });
    });
    const small = await proxy('small-buffer', 1, { limits: { retryBufferBytes: 1024 } });
    for (const m of [small.mesh]) {
      applyResource(m, 'Service', serviceBody('default/upload', {
        retries: { attempts: 1, perTryTimeoutMs: null, retryOn: ['5xx'], backoff: { baseMs: 1, maxMs: 1 } },
      }));
      applyResource(m, 'Endpoints', endpointsBody('default/upload', [endpoint('u1', a.port)]));
    }
    const ok = await request(small.ports.outbound, { method: 'POST', path: '/', headers: { host: 'upload' }, body: Buffer.alloc(500, 1) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'got 500', 'the buffered body was replayed in full');
    const big = await request(small.ports.outbound, { method: 'POST', path: '/', headers: { host: 'upload' }, body: Buffer.alloc(64 * 1024, 2) });
    assert.equal(big.status, 503, 'not retried');
    assert.equal(big.body, 'got 65536');
    assert.equal(calls, 3);
  });

  it('times out slow upstreams with 504 UT, per try and overall', async () => {
    let n = 0;
    const slow = await app((_q, r) => {
      n++;
      const t = setTimeout(() => r.end('late'), n === 1 ? 5000 : 10);
      r.on('close', () => clearTimeout(t));
    });
    applyResource(client.mesh, 'Service', serviceBody('default/slow', {
      routes: [
        rule({ name: 'overall', match: { path: { type: 'exact', value: '/overall' }, methods: [], headers: [] }, destinations: [{ subset: {}, weight: 100 }], timeoutMs: 200 }),
        rule({
          name: 'per-try',
          match: { path: { type: 'exact', value: '/per-try' }, methods: [], headers: [] },
          destinations: [{ subset: {}, weight: 100 }],
          retries: { attempts: 1, perTryTimeoutMs: 150, retryOn: ['reset'], backoff: { baseMs: 1, maxMs: 1 } },
        }),
      ],
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/slow', [endpoint('sl1', slow.port)]));
    const t0 = Date.now();
    const overall = await get('slow', '/overall');
    assert.equal(overall.status, 504);
    assert.equal(overall.headers['x-plexus-flags'], 'UT');
    assert.match(overall.body, /upstream request timeout/);
    assert.ok(Date.now() - t0 < 3000);
    n = 0;
    const perTry = await get('slow', '/per-try');
    assert.equal(perTry.status, 200, 'the first try timed out, the retry answered');
    assert.equal(perTry.body, 'late');
  });

  it('ejects a failing host, then brings it back', async () => {
    let failing = true;
    const flaky = await app((_q, r) => {
      r.statusCode = failing ? 500 : 200;
      r.end(failing ? 'broken' : 'fixed');
    });
    const healthy = await app((_q, r) => r.end('healthy'));
    applyResource(client.mesh, 'Service', serviceBody('default/outlier', {
      resilience: {
        outlierDetection: { consecutive5xx: 3, consecutiveConnectErrors: null, intervalMs: 100, baseEjectionTimeMs: 1000, maxEjectionPercent: 50 },
      },
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/outlier', [endpoint('o1', flaky.port), endpoint('o2', healthy.port)]));
    const beforeEjection = Date.now();
    for (let i = 0; i < 6; i++) await get('outlier');
    const before = flaky.requests;
    for (let i = 0; i < 10; i++) assert.equal((await get('outlier')).body, 'healthy');
    assert.equal(flaky.requests, before, 'no traffic to the ejected host');
    const eps = (await (await fetch(`http://127.0.0.1:${client.ports.admin}/endpoints`)).json()) as {
      upstreams: Array<{ name: string; hosts: Array<{ id: string; ejected: boolean; health: string }> }>;
    };
    const o1 = eps.upstreams.find((u) => u.name === 'default/outlier')!.hosts.find((h) => h.id === 'o1')!;
    assert.equal(o1.health, 'EJECTED');
    failing = false;
    await waitFor('ejected host to return', async () => (await get('outlier')).body === 'fixed', { timeoutMs: 5000 });
    assert.ok(Date.now() - beforeEjection >= 1000, 'not before the base ejection time');
    const metrics = await (await fetch(`http://127.0.0.1:${client.ports.admin}/metrics`)).text();
    assert.match(metrics, /plexus_proxy_outlier_ejections_total\{destination="default\/outlier"\} 1/);
  });

  it('opens the circuit under excess concurrency (503 UO) and closes it again', async () => {
    const held: http.ServerResponse[] = [];
    const slow = await app((_q, r) => held.push(r));
    applyResource(client.mesh, 'Service', serviceBody('default/limited', {
      resilience: { limits: { maxConnections: null, maxPendingRequests: null, maxRequests: 3, maxRetries: null } },
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/limited', [endpoint('l1', slow.port)]));
    const inflight = Array.from({ length: 3 }, () => get('limited'));
    await waitFor('3 requests at the app', () => held.length === 3);
    const over = await Promise.all(Array.from({ length: 4 }, () => get('limited')));
    for (const r of over) {
      assert.equal(r.status, 503);
      assert.equal(r.headers['x-plexus-flags'], 'UO');
      assert.match(r.body, /circuit breaker maxRequests/);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${client.ports.admin}/metrics`)).text();
    assert.match(metrics, /plexus_proxy_circuit_open\{destination="default\/limited",limit="maxRequests"\} 1/);
    for (const r of held) r.end('done');
    for (const r of await Promise.all(inflight)) assert.equal(r.status, 200);
    const after = await (async () => {
      const p = get('limited');
      await waitFor('4th request at the app', () => held.length === 4);
      held[3]!.end('done');
      return p;
    })();
    assert.equal(after.status, 200);
  });

  it('injects faults: abort with FI, delay with DI', async () => {
    const a = await app((_q, r) => r.end('ok'));
    applyResource(client.mesh, 'Service', serviceBody('default/faulty', {
      routes: [
        rule({ match: { path: { type: 'exact', value: '/abort' }, methods: [], headers: [] }, destinations: [{ subset: {}, weight: 100 }], fault: { delay: null, abort: { httpStatus: 418, percent: 100 } } }),
        rule({ match: { path: { type: 'exact', value: '/delay' }, methods: [], headers: [] }, destinations: [{ subset: {}, weight: 100 }], fault: { delay: { durationMs: 150, percent: 100 }, abort: null } }),
      ],
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/faulty', [endpoint('fa', a.port)]));
    const aborted = await get('faulty', '/abort');
    assert.equal(aborted.status, 418);
    assert.equal(aborted.headers['x-plexus-flags'], 'FI');
    assert.equal(aborted.body, 'fault filter abort\n');
    const t0 = Date.now();
    const delayed = await get('faulty', '/delay');
    assert.equal(delayed.status, 200);
    assert.equal(delayed.headers['x-plexus-flags'], 'DI');
    assert.ok(Date.now() - t0 >= 140);
  });

  it('mirrors a share of requests to a subset and ignores the copies', async () => {
    const mirrored: string[] = [];
    const main = await app((_q, r) => r.end('main'));
    const shadow = await app((q, r) => {
      let body = '';
      q.on('data', (c: Buffer) => (body += c.toString()));
      q.on('end', () => {
        mirrored.push(`${q.method} ${q.url} ${q.headers.host} ${body}`);
        r.statusCode = 500;
        r.end('shadow failures never reach the caller');
      });
    });
    applyResource(client.mesh, 'Service', serviceBody('default/mirrored', {
      routes: [rule({ destinations: [{ subset: { role: 'main' }, weight: 100 }], mirror: { subset: { role: 'shadow' }, percent: 100 } })],
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/mirrored', [
      endpoint('m1', main.port, { labels: { role: 'main' } }),
      endpoint('m2', shadow.port, { labels: { role: 'shadow' } }),
    ]));
    assert.equal((await get('mirrored', '/get')).body, 'main');
    const post = await request(client.ports.outbound, { method: 'POST', path: '/post', headers: { host: 'mirrored' }, body: 'payload' });
    assert.equal(post.body, 'main');
    await waitFor('both copies', () => mirrored.length === 2);
    assert.deepEqual(mirrored.sort(), ['GET /get mirrored-shadow ', 'POST /post mirrored-shadow payload']);
  });

  it('hashes a header consistently onto one host', async () => {
    const a = await app((_q, r) => r.end('a'));
    const b = await app((_q, r) => r.end('b'));
    const c = await app((_q, r) => r.end('c'));
    applyResource(client.mesh, 'Service', serviceBody('default/sticky', {
      resilience: { loadBalancer: { policy: 'consistent_hash', hashHeader: 'x-user' } },
    }));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/sticky', [endpoint('h1', a.port), endpoint('h2', b.port), endpoint('h3', c.port)]));
    const owners = new Set<string>();
    for (let user = 0; user < 12; user++) {
      const first = (await get('sticky', '/', { 'x-user': `u${user}` })).body;
      owners.add(first);
      for (let i = 0; i < 3; i++) assert.equal((await get('sticky', '/', { 'x-user': `u${user}` })).body, first);
    }
    assert.ok(owners.size >= 2, 'users spread over hosts');
  });
});

describe('inbound access and identity', () => {
  let server: Sidecar;
  /** Proxy-to-proxy traffic is mTLS: caller and server have workload certificates of one mesh CA. */
  let caller: Sidecar;
  let seen: http.IncomingHttpHeaders[];
  const sget = (host: string, path = '/', headers: http.OutgoingHttpHeaders = {}) =>
    request(caller.ports.outbound, { path, headers: { host, ...headers } });

  before(async () => {
    seen = [];
    const a = await app((q, r) => {
      seen.push(q.headers);
      r.end(`${q.url}`);
    });
    server = await proxy('secure', a.port, { meshTls: await testMeshTls('secure') });
    caller = await proxy('client', 1, { meshTls: await testMeshTls('client') });
    applyResource(caller.mesh, 'Service', serviceBody('default/secure'));
    applyResource(caller.mesh, 'Endpoints', endpointsBody('default/secure', [endpoint('sec1', server.ports.inbound)]));
    // The caller is registered at 127.0.0.1: its identity header is trusted.
    applyResource(server.mesh, 'Endpoints', endpointsBody('default/client', [endpoint('cl1', client.ports.inbound)]));
  });

  it('allows, denies (deny wins) and applies the mesh default', async () => {
    applyResource(server.mesh, 'Inbound', inboundBody('default/secure', 'deny', [
      { action: 'allow', from: ['default/client'], paths: [{ type: 'prefix', value: '/public' }], methods: [] },
      { action: 'deny', from: ['*'], paths: [{ type: 'prefix', value: '/public/secret' }], methods: [] },
    ]));
    assert.equal((await sget('secure', '/public/x')).status, 200);
    const denied = await sget('secure', '/public/secret');
    assert.equal(denied.status, 403);
    assert.equal(denied.headers['x-plexus-flags'], 'RBAC');
    assert.match(denied.body, /RBAC: access denied \(deny rule 1; caller default\/client\)/);
    const byDefault = await sget('secure', '/private');
    assert.equal(byDefault.status, 403);
    assert.match(byDefault.body, /default deny/);
  });

  it('takes the caller from its certificate only: a spoofed identity header goes nowhere', async () => {
    applyResource(server.mesh, 'Inbound', inboundBody('default/secure', 'deny', [
      { action: 'allow', from: ['default/admin'], paths: [], methods: [] },
      { action: 'allow', from: ['default/client'], paths: [{ type: 'exact', value: '/whoami' }], methods: [] },
      { action: 'allow', from: ['unauthenticated'], paths: [{ type: 'exact', value: '/open' }], methods: [] },
    ]));
    seen.length = 0;
    const spoofed = await sget('secure', '/admin-only', { 'x-plexus-source': 'default/admin' });
    assert.equal(spoofed.status, 403, 'the header is not an identity');
    assert.match(spoofed.body, /caller default\/client/);
    const who = await sget('secure', '/whoami', { 'x-plexus-source': 'default/admin' });
    assert.equal(who.status, 200);
    assert.equal(seen[0]!['x-plexus-source'], 'default/client', 'the app sees the verified caller');
    // Plaintext straight to the inbound port (PERMISSIVE here): the unauthenticated caller, whatever it claims.
    const claimAdmin = await request(server.ports.inbound, { path: '/admin-only', headers: { 'x-plexus-source': 'default/admin' } });
    assert.equal(claimAdmin.status, 403);
    assert.match(claimAdmin.body, /caller unidentified/);
    seen.length = 0;
    const open = await request(server.ports.inbound, { path: '/open', headers: { 'x-plexus-source': 'default/admin' } });
    assert.equal(open.status, 200, 'Access names the plaintext caller `unauthenticated`');
    assert.equal(seen[0]!['x-plexus-source'], undefined, 'no identity is passed to the app for a plaintext caller');
    // STRICT: plaintext is refused before any rule is looked at.
    applyResource(server.mesh, 'Inbound', { ...inboundBody('default/secure', 'allow'), mtlsMode: 'STRICT' });
    const strict = await request(server.ports.inbound, { path: '/open', headers: { 'x-plexus-source': 'default/client' } });
    assert.equal(strict.status, 403);
    assert.match(strict.body, /mutual TLS required/);
    assert.equal((await sget('secure', '/anything')).status, 200, 'mTLS callers still pass');
  });

  it('normalises paths before access checks: bypass attempts are denied', async () => {
    applyResource(server.mesh, 'Inbound', inboundBody('default/secure', 'allow', [
      { action: 'deny', from: ['*'], paths: [{ type: 'prefix', value: '/admin' }], methods: [] },
    ]));
    const inbound = server.ports.inbound;
    const attempts = ['//admin', '/a/../admin', '/%61dmin', '/public/%2e%2e/admin', '/./admin/', '/admin%2Fusers', '/x/..%2Fadmin', '/admin\\x'];
    for (const path of attempts) {
      for (const port of [inbound, caller.ports.outbound]) {
        const r = await request(port, { path, headers: { host: 'secure' } });
        assert.ok(r.status === 403 || r.status === 400, `${path} via ${port === inbound ? 'inbound' : 'outbound'} got ${r.status} ${r.body}`);
      }
    }
    // Case: rules are case-sensitive, so an allow-list does not let /ADMIN-style spellings in.
    applyResource(server.mesh, 'Inbound', inboundBody('default/secure', 'deny', [
      { action: 'allow', from: ['*'], paths: [{ type: 'prefix', value: '/public/' }], methods: ['GET'] },
    ]));
    assert.equal((await sget('secure', '/public/ok')).status, 200);
    assert.equal((await sget('secure', '/PUBLIC/ok')).status, 403);
    assert.equal((await sget('secure', '/Public/../admin')).status, 403);
    assert.equal((await sget('secure', '/public/../admin')).status, 403);
  });
});

describe('telemetry', () => {
  it('continues the caller\'s trace, keeps its request id, and writes one JSON access line per request', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const seen: http.IncomingHttpHeaders[] = [];
    const a = await app((q, r) => {
      seen.push(q.headers);
      r.end('traced');
    });
    const logged = await startStaticProxy({ service: 'logged', appPort: 1, accessLog: true }, pino({ level: 'info' }, sink));
    proxies.push(logged);
    applyResource(logged.mesh, 'Service', serviceBody('default/traced'));
    applyResource(logged.mesh, 'Endpoints', endpointsBody('default/traced', [endpoint('t1', a.port)]));
    const r = await request(logged.ports.outbound, {
      path: '/t?x=1',
      headers: { host: 'traced', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-request-id': 'req-42' },
    });
    assert.equal(r.status, 200);
    assert.match(String(seen[0]!.traceparent), /^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/);
    assert.equal(seen[0]!['x-request-id'], 'req-42');
    await waitFor('the access line', () => lines.some((l) => l.kind === 'access'));
    const line = lines.find((l) => l.kind === 'access')!;
    assert.equal(line.direction, 'outbound');
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/t?x=1');
    assert.equal(line.status, 200);
    assert.equal(line.source, 'default/logged');
    assert.equal(line.destination, 'default/traced');
    assert.equal(line.requestId, 'req-42');
    assert.equal(line.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(line.upstreamHost, `127.0.0.1:${a.port}`);
    const metrics = await (await fetch(`http://127.0.0.1:${logged.ports.admin}/metrics`)).text();
    assert.match(metrics, /plexus_proxy_requests_total\{reporter="source",source_workload="default\/logged",destination_service="default\/traced",response_code="200",response_flags="-"\} 1/);
    assert.match(metrics, /plexus_proxy_request_duration_seconds_count\{reporter="source",source_workload="default\/logged",destination_service="default\/traced"\} 1/);
    assert.match(metrics, /plexus_proxy_config_version_info\{type="Service",name="default\/traced",version="[0-9a-f]{16}"\} 1/);
    assert.match(metrics, /plexus_process_cpu_user_seconds_total/);
  });
});

describe('config updates', () => {
  it('NACKs a config it cannot apply and keeps the last good one', async () => {
    const a = await app((_q, r) => r.end('ok'));
    applyResource(client.mesh, 'Service', serviceBody('default/stable'));
    applyResource(client.mesh, 'Endpoints', endpointsBody('default/stable', [endpoint('st1', a.port)]));
    const good = JSON.parse(JSON.stringify(serviceBody('default/stable', { routes: [rule({ destinations: [{ subset: {}, weight: 100 }], match: { path: { type: 'regex', value: '(a+)+' }, methods: [], headers: [] } })] })));
    assert.throws(
      () =>
        client.mesh.apply('Service', [
          { name: 'default/stable', version: 'bad', body: Buffer.from(JSON.stringify(good)) },
          { name: 'default/other', version: 'x', body: Buffer.from('{"not":"a service"}') },
        ], []),
      (err: Error) => /resources\[0\]/.test(err.message) && /resources\[1\]/.test(err.message),
    );
    assert.equal((await get('stable')).status, 200, 'still routed with the old config');
    const dump = (await (await fetch(`http://127.0.0.1:${client.ports.admin}/config_dump`)).json()) as {
      services: Record<string, { service: { version: string } }>;
      lastNack: Record<string, { message: string }>;
    };
    assert.notEqual(dump.services['default/stable']!.service.version, 'bad');
    assert.match(dump.lastNack.Service!.message, /resources\[1\]/);
  });
});
