// Locality and federation on the data plane, on real proxies over real sockets: a caller's
// sidecar in cluster `west` holds Endpoints with its own instances and `east`'s instances reached
// through east's east-west gateway (the shape config-push sends for imports, proxy/README.md).
// Local instances are preferred; when they die, east answers (retries and ejection hide the
// switch); when they come back, traffic returns. Stale imports are used last; Route subsets pick a
// cluster; the east-west gateway admits only exported names and sends only to its own cluster.
// Config is fed to the proxies' mesh views directly (the control plane's import side is built
// separately); every resource goes through the same decoding and validation as on the stream.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startDemoApp } from '../../deploy/demo/demo-app.js';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { silentLogger } from '../../lib/log.js';
import type { Endpoint } from '../../lib/mesh/resources.js';
import { parsePolicy } from '../../lib/policy/document.js';
import { parseGatewayConfig } from '../../proxy/config/gateway-config.js';
import { startGateway, type Gateway } from '../../proxy/gateway.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { applyResource, endpoint, endpointsBody, request, rule, serviceBody, startStaticProxy } from './fixtures.js';
import { waitFor } from '../harness/index.js';

interface ClusterApp {
  port: number;
  hits: number;
  seen: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

const running = new Set<ClusterApp>();

/** An app answering JSON with its cluster and id; `port` to come back on the same port. */
async function clusterApp(cluster: string, id: string, port = 0): Promise<ClusterApp> {
  const app: ClusterApp = { port, hits: 0, seen: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    app.hits++;
    app.seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ cluster, id, host: req.headers.host }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  app.port = (server.address() as AddressInfo).port;
  app.close = () =>
    new Promise<void>((resolve) => {
      running.delete(app);
      server.close(() => resolve());
      server.closeAllConnections();
    });
  running.add(app);
  return app;
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let caller: Sidecar;
let gateway: Gateway;
let west1: ClusterApp;
let west2: ClusterApp;
let east1: ClusterApp;
let north1: ClusterApp;
let pricingEast: ClusterApp;
let tlsServer: tls.Server;
let tlsConnections = 0;
let tmp: string;

const west = (id: string, port: number, over: Partial<Endpoint> = {}): Endpoint => endpoint(id, port, { cluster: 'west', zone: 'w1', ...over });
/** An east instance as west's config-push imports it: its own address, reached through east's gateway. */
const viaEastGateway = (id: string, over: Partial<Endpoint> = {}): Endpoint =>
  endpoint(id, 8080, { address: '10.255.0.7', cluster: 'east', zone: 'e1', priority: 0, gateway: { address: '127.0.0.1', port: gateway.port }, ...over });

const RESILIENCE = {
  outlierDetection: { consecutive5xx: null, consecutiveConnectErrors: 1, intervalMs: 50, baseEjectionTimeMs: 300, maxEjectionPercent: 100 },
} as const;
const RETRIES = { attempts: 2, perTryTimeoutMs: null, retryOn: ['connect-failure' as const, 'gateway-error' as const], backoff: { baseMs: 1, maxMs: 5 } };

async function call(service: string): Promise<{ status: number; cluster: string | undefined; body: string }> {
  const r = await request(caller.ports.outbound, { headers: { host: service } });
  let cluster: string | undefined;
  try {
    cluster = (JSON.parse(r.body) as { cluster?: string }).cluster;
  } catch {
    cluster = undefined;
  }
  return { status: r.status, cluster, body: r.body };
}

const toGateway = (host: string, headers: http.OutgoingHttpHeaders = {}) => request(gateway.port, { headers: { host, ...headers } });

before(async () => {
  west1 = await clusterApp('west', 'w1');
  west2 = await clusterApp('west', 'w2');
  east1 = await clusterApp('east', 'e1');
  north1 = await clusterApp('north', 'n1');
  pricingEast = await clusterApp('east', 'pricing');

  tmp = await mkdtemp(join(tmpdir(), 'plexus-locality-'));
  const root = await ensureDevRoot(tmp);
  tlsServer = tls.createServer({ key: await readFile(root.rootKeyFile), cert: await readFile(root.rootCertFile) }, (s) => {
    tlsConnections++;
    s.end('hello from east over TLS\n');
  });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', () => r()));
  const tlsPort = (tlsServer.address() as AddressInfo).port;

  // East's east-west gateway: exports catalog, stock, lonely and secure; not pricing.
  gateway = await startGateway(
    parseGatewayConfig({
      service: 'eastwest',
      cluster: 'east',
      zone: 'e1',
      admin: { host: '127.0.0.1', port: 0 },
      accessLog: false,
      gateway: {
        mode: 'east-west',
        listen: { host: '127.0.0.1', port: 0 },
        exports: ['default/catalog', 'default/stock', 'default/lonely', 'default/secure'],
        passthrough: { host: '127.0.0.1', port: 0 },
      },
    }),
    { controlPlane: false, logger: silentLogger() },
  );
  const eastLocal = (id: string, port: number): Endpoint => endpoint(id, port, { cluster: 'east', zone: 'e1' });
  for (const [name, eps] of [
    ['default/catalog', [eastLocal('e1', east1.port), { ...west('w1', west1.port), gateway: { address: '127.0.0.1', port: 9 } }]],
    ['default/stock', [eastLocal('e1', east1.port)]],
    ['default/pricing', [eastLocal('p1', pricingEast.port)]],
    // Only another cluster's instance: the gateway must not send there.
    ['default/lonely', [{ ...west('w1', west1.port), gateway: { address: '127.0.0.1', port: west1.port } }]],
    ['default/secure', [eastLocal('s1', tlsPort)]],
  ] as const) {
    applyResource(gateway.mesh, 'Service', serviceBody(name));
    applyResource(gateway.mesh, 'Endpoints', endpointsBody(name, [...eps]));
  }

  caller = await startStaticProxy({ service: 'caller', cluster: 'west', zone: 'w1', appPort: 1 });
  applyResource(caller.mesh, 'Service', serviceBody('default/catalog', { retries: RETRIES, resilience: RESILIENCE }));
  applyResource(caller.mesh, 'Endpoints', endpointsBody('default/catalog', [west('w1', west1.port), west('w2', west2.port), viaEastGateway('e1')]));
});

after(async () => {
  await caller?.close();
  await gateway?.close();
  await new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r()));
  for (const a of [...running]) await a.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('locality-aware endpoint choice across clusters', () => {
  it('prefers the local cluster', async () => {
    for (let i = 0; i < 30; i++) {
      const r = await call('catalog');
      assert.equal(r.status, 200, r.body);
      assert.equal(r.cluster, 'west');
    }
    assert.equal(east1.hits, 0);
  });

  let failover: { failures: number; ms: number } | undefined;
  it('fails over to the remote cluster through its east-west gateway when every local instance dies, with at most brief failures', async () => {
    const ports = [west1.port, west2.port];
    await west1.close();
    await west2.close();
    const start = Date.now();
    let failures = 0;
    let firstEast = 0;
    let streak = 0;
    while (streak < 30) {
      if (Date.now() - start > 10_000) assert.fail(`no steady answers from east after 10 s (${failures} failures)`);
      const r = await call('catalog');
      if (r.status !== 200) {
        failures++;
        streak = 0;
        continue;
      }
      assert.equal(r.cluster, 'east', 'dead local instances cannot answer');
      if (!firstEast) firstEast = Date.now() - start;
      streak++;
    }
    failover = { failures, ms: firstEast };
    // Retries (connect-failure, another host) and ejection hide the switch: at most one failure.
    assert.ok(failures <= 1, `${failures} failed requests during failover`);
    const seen = east1.seen.at(-1)!;
    assert.equal(seen.host, 'catalog.default', 'the gateway hop names the service in full');
    // Caller identity travels in certificates (the callee's sidecar sets the header from the verified
    // peer); these callees are bare apps, so no hop may have invented one.
    assert.equal(seen['x-plexus-source'], undefined, 'no identity header is made up on the way');
    west1 = await clusterApp('west', 'w1', ports[0]);
    west2 = await clusterApp('west', 'w2', ports[1]);
  });

  it('returns traffic to the local cluster when its instances come back', async () => {
    // The two west hosts leave their ejections at different moments (each ejection lasts base ×
    // times ejected); until both are back a single west answer can still be followed by an east
    // one (a fresh-clone CI run saw that). Wait for a steady run of west answers first.
    let inARow = 0;
    await waitFor('traffic back in west: 30 answers in a row', async () => {
      inARow = (await call('catalog')).cluster === 'west' ? inARow + 1 : 0;
      return inARow >= 30;
    }, { timeoutMs: 10_000 });
    const eastBefore = east1.hits;
    for (let i = 0; i < 20; i++) assert.equal((await call('catalog')).cluster, 'west');
    assert.equal(east1.hits, eastBefore);
    if (failover) process.stdout.write(`# failover: ${failover.failures} failed requests, first east answer after ${failover.ms} ms\n`);
  });

  it('uses a stale import last: after fresh remotes, and only while nothing fresh is left', async () => {
    const dead = await deadPort();
    applyResource(caller.mesh, 'Service', serviceBody('default/stock', { retries: RETRIES, resilience: RESILIENCE }));
    applyResource(caller.mesh, 'Endpoints', endpointsBody('default/stock', [
      west('wdead', dead),
      endpoint('n1', north1.port, { cluster: 'north', zone: 'n1', priority: 5 }),
      viaEastGateway('e1', { stale: true }),
    ]));
    for (let i = 0; i < 20; i++) {
      const r = await call('stock');
      assert.equal(r.status, 200, r.body);
      assert.equal(r.cluster, 'north', 'a fresh remote of lower priority beats a stale one');
    }
    applyResource(caller.mesh, 'Endpoints', endpointsBody('default/stock', [west('wdead', dead), viaEastGateway('e1', { stale: true })]));
    for (let i = 0; i < 20; i++) {
      const r = await call('stock');
      assert.equal(r.status, 200, r.body);
      assert.equal(r.cluster, 'east', 'the stale import, as the last resort');
    }
  });

  it('routes a Route subset to one cluster with plexus.dev/cluster', async () => {
    applyResource(caller.mesh, 'Service', serviceBody('default/catalog', {
      retries: RETRIES,
      resilience: RESILIENCE,
      routes: [rule({ destinations: [{ subset: { 'plexus.dev/cluster': 'east' }, weight: 100 }] })],
    }));
    for (let i = 0; i < 10; i++) assert.equal((await call('catalog')).cluster, 'east');
    applyResource(caller.mesh, 'Service', serviceBody('default/catalog', { retries: RETRIES, resilience: RESILIENCE }));
    assert.equal((await call('catalog')).cluster, 'west');

    const route = (cluster: string) => parsePolicy({
      apiVersion: 'plexus.dev/v1',
      kind: 'Route',
      metadata: { name: 'catalog' },
      spec: { rules: [{ destinations: [{ subset: { 'plexus.dev/cluster': cluster, version: 'v1' } }] }] },
    });
    assert.equal(route('east').ok, true);
    const bad = route('East');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.ok(bad.violations.some((v) => v.path.includes('plexus.dev/cluster') && /cluster name/.test(v.message)), JSON.stringify(bad.violations));
  });
});

describe('the east-west gateway', () => {
  it('routes an exported name to its own cluster\'s instances, in any ASCII case and with a port', async () => {
    for (const host of ['catalog.default', 'CATALOG.Default', 'catalog.default:15443']) {
      const r = await toGateway(host, { 'x-plexus-source': 'prod/admin' });
      assert.equal(r.status, 200, `${host}: ${r.body}`);
      assert.equal((JSON.parse(r.body) as { cluster: string }).cluster, 'east');
    }
    assert.equal(east1.seen.at(-1)!['x-plexus-source'], undefined, 'a caller cannot choose the identity the callee sees: its header is dropped');
  });

  const rows: Array<[string, string, number, string]> = [
    ['not exported', 'pricing.default', 404, 'NR'],
    ['unknown service', 'nothing.default', 404, 'NR'],
    ['short name', 'catalog', 400, 'DPE'],
    ['long form', 'catalog.default.svc.cluster.local', 400, 'DPE'],
    ['trailing dot', 'catalog.default.', 400, 'DPE'],
    ['IP literal', '127.0.0.1', 400, 'DPE'],
    ['IP literal with port', `127.0.0.1:${0}`, 400, 'DPE'],
    ['IPv6 literal', '[::1]', 400, 'DPE'],
    ['userinfo', 'x@pricing.default', 400, 'DPE'],
    ['oversize', `${'a'.repeat(250)}.default`, 400, 'DPE'],
  ];
  for (const [row, host, status, flag] of rows) {
    it(`refuses: ${row}`, async () => {
      const before = pricingEast.hits + east1.hits;
      const r = await toGateway(host);
      assert.equal(r.status, status, r.body);
      assert.equal(r.headers['x-plexus-flags'], flag);
      assert.equal(pricingEast.hits + east1.hits, before, 'nothing forwarded');
    });
  }

  it('admits h2c by :authority the same way', async () => {
    const session = http2.connect(`http://127.0.0.1:${gateway.port}`);
    session.on('error', () => undefined);
    const get = (authority: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = session.request({ ':method': 'GET', ':path': '/', ':authority': authority });
        let status = 0;
        let body = '';
        req.setEncoding('utf8');
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (d: string) => (body += d));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
        req.end();
      });
    try {
      const ok = await get('catalog.default');
      assert.equal(ok.status, 200, ok.body);
      assert.equal((JSON.parse(ok.body) as { cluster: string }).cluster, 'east');
      assert.equal((await get('pricing.default')).status, 404);
      assert.equal((await get('127.0.0.1')).status, 400);
    } finally {
      session.close();
    }
  });

  it('refuses an absolute-form target', async () => {
    const r = await request(gateway.port, { path: 'http://pricing.default/', headers: { host: 'catalog.default' } });
    assert.equal(r.status, 400);
  });

  it('never sends on to another cluster: an export with only remote instances has no upstream here', async () => {
    const before = west1.hits;
    const r = await toGateway('lonely.default');
    assert.equal(r.status, 503);
    assert.equal(r.headers['x-plexus-flags'], 'UH');
    assert.equal(west1.hits, before);
    // catalog's west import (through a gateway) is never a candidate either.
    for (let i = 0; i < 10; i++) assert.equal((JSON.parse((await toGateway('catalog.default')).body) as { cluster: string }).cluster, 'east');
  });

  const tlsCall = (servername: string | undefined): Promise<{ text: string; secured: boolean }> =>
    new Promise((resolve) => {
      let text = '';
      let secured = false;
      const s = tls.connect({ host: '127.0.0.1', port: gateway.passthroughPort!, ...(servername ? { servername } : {}), rejectUnauthorized: false });
      s.setEncoding('utf8');
      s.on('secureConnect', () => (secured = true));
      s.on('data', (d: string) => (text += d));
      s.on('error', () => undefined);
      s.on('close', () => resolve({ text, secured }));
    });

  it('passes TLS through by SNI to the exported service without terminating it', async () => {
    const r = await tlsCall('secure.default');
    assert.equal(r.secured, true);
    assert.equal(r.text, 'hello from east over TLS\n');
    assert.equal(tlsConnections, 1);
  });

  it('refuses TLS whose SNI is missing, not exported or not a service name, and non-TLS bytes, without reaching a backend', async () => {
    for (const sni of [undefined, 'pricing.default', 'SECURE.default.evil.com', 'localhost']) {
      const r = await tlsCall(sni);
      assert.deepEqual(r, { text: '', secured: false }, `SNI ${sni}: refused`);
    }
    const plain = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: gateway.passthroughPort! });
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('error', () => resolve(text));
      s.on('close', () => resolve(text));
      s.write('GET / HTTP/1.1\r\nhost: secure.default\r\n\r\n');
    });
    assert.equal(plain, '', 'closed without a byte');
    assert.equal(tlsConnections, 1, 'no refused connection reached the backend');
    const dump = (await request(gateway.adminPort, { path: '/config_dump' })).body;
    const refused = (JSON.parse(dump) as { gateway: { passthrough: { refused: Record<string, number> } } }).gateway.passthrough.refused;
    assert.deepEqual(refused, { 'bad-sni': 3, 'not-exported': 1, 'bad-hello': 1 });
  });
});

describe('demo apps', () => {
  it('say which cluster answered', async () => {
    const app = await startDemoApp({ role: 'pricing', version: 'v1', instance: 'p-1', cluster: 'east' });
    try {
      const r = await request(app.port, { path: '/prices' });
      assert.equal((JSON.parse(r.body) as { cluster: string }).cluster, 'east');
    } finally {
      await app.close();
    }
  });
});
