// Inbound matching that no request can slip past: every bypass reported against an Access
// policy, plus CVE-2021-31920-style escaped separators and CVE-2021-39155-style host spellings,
// sent over HTTP/1.1 (fast path and node:http fallback) and h2c to real proxies. Each is refused
// (403 or 400) and never reaches the app; the allowed requests still pass.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Sidecar } from '../../proxy/sidecar.js';
import { applyResource, inboundBody, startApp, startStaticProxy, type TestApp } from './fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** One raw HTTP/1.x exchange on its own connection; the status (0: none before close). */
function rawStatus(port: number, head: string): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    const timer = setTimeout(() => s.destroy(), 5000);
    s.on('connect', () => s.write(head));
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve(m ? Number(m[1]) : 0);
    });
  });
}

function h1(method: string, path: string, extra = 'Host: backend\r\n', version = '1.1'): string {
  return `${method} ${path} HTTP/${version}\r\n${extra}Connection: close\r\n\r\n`;
}

async function h2Status(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(headers, { endStream: true });
    } catch (err) {
      reject(err as Error);
      return;
    }
    req.on('response', (h) => {
      req.resume();
      resolve(Number(h[':status']));
    });
    req.on('error', () => resolve(0));
    req.on('close', () => resolve(0));
  });
}

// deny `/admin` and `/admin/*`; deny DELETE; an exact deny under a prefix allow.
const RULES = [
  { action: 'deny' as const, from: [], paths: [{ type: 'exact' as const, value: '/admin' }, { type: 'prefix' as const, value: '/admin/' }], methods: [] },
  { action: 'deny' as const, from: [], paths: [], methods: ['DELETE'] },
  { action: 'deny' as const, from: [], paths: [{ type: 'exact' as const, value: '/products/admin' }], methods: [] },
  { action: 'allow' as const, from: [], paths: [{ type: 'prefix' as const, value: '/products/' }], methods: [] },
];

/** Paths that must be refused, whatever the transport. */
const BYPASS_PATHS = [
  // case and the app's lenient readings
  '/ADMIN', '/Admin', '/Admin/x', '/aDmIn/users', '/%41dmin', '/%61dmin',
  '/admin;x=1', '/admin;/x', '/admin;jsessionid=1/x', '/admin.', '/admin%2e', '/admin%2E', '/admin..', '/admin%20',
  '/admin/', '/admin/.', '//admin', '/./admin', '/x/../admin', '/public/..;/admin', '/public/%2e%2e/admin', '/public/%2E%2E;/admin',
  // exact deny under a prefix allow
  '/products/admin', '/products/admin/', '/products/admin;x', '/products/admin%20', '/products/admin/.', '/products//admin',
  '/products/ADMIN', '/products/admin.', '/products/./admin', '/products/x/../admin',
  // CVE-2021-31920: escaped separators
  '/admin%2Fx', '/admin%2fx', '/public%2F..%2Fadmin', '/public%2f..%2fadmin', '/public%5C..%5Cadmin', '/public%5c..%5cadmin',
  '/public\\..\\admin', '/admin\\x', '/admin%00', '/..;/admin', '/%2e%2e/admin',
];

/** Allowed: the app sees each, with this path. */
const ALLOWED: Array<[string, string]> = [
  ['/', '/'],
  ['/products/list', '/products/list'],
  ['/products/admins', '/products/admins'],
  ['/products/admin/orders', '/products/admin/orders'],
  ['/administrator', '/administrator'],
  ['/public//x/./y', '/public/x/y'],
  ['/public/%7Euser', '/public/~user'],
  ['/public/a;b=1?q=%2F', '/public/a;b=1?q=%2F'],
];

describe('inbound matching leaves no way past an Access policy', () => {
  let app: TestApp;
  const seen: string[] = [];
  let fast: Sidecar;
  let fallback: Sidecar;

  before(async () => {
    app = await startApp((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    cleanups.push(() => app.close());
    fast = await startStaticProxy({ service: 'backend', appPort: app.port });
    fallback = await startStaticProxy({ service: 'backend', appPort: app.port, fastPath: false });
    cleanups.push(() => fast.close(), () => fallback.close());
    for (const p of [fast, fallback]) applyResource(p.mesh, 'Inbound', inboundBody('default/backend', 'allow', RULES));
  });

  for (const mode of ['fast path', 'node:http fallback'] as const) {
    it(`refuses every bypass over HTTP/1.1 (${mode})`, async () => {
      const port = (mode === 'fast path' ? fast : fallback).ports.inbound;
      const before = seen.length;
      const cases: Array<[string, string]> = BYPASS_PATHS.map((p) => [p, h1('GET', p)]);
      cases.push(
        ['DELETE', h1('DELETE', '/x')],
        ['delete', h1('delete', '/x')],
        ['Delete', h1('Delete', '/x')],
        ['HTTP/1.0 delete', h1('DELETE', '/x', 'Host: backend\r\n', '1.0')],
        ['HTTP/1.0 /ADMIN', h1('GET', '/ADMIN', 'Host: backend\r\n', '1.0')],
        ['HTTP/1.0 /admin;x', h1('GET', '/admin;x', 'Host: backend\r\n', '1.0')],
        ['method not a token', 'G(T / HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n'],
        ['two Host headers', h1('GET', '/x', 'Host: backend\r\nHost: evil\r\n')],
        ['two Host headers, HTTP/1.0', h1('GET', '/x', 'Host: backend\r\nHost: evil\r\n', '1.0')],
        ['Host case', h1('GET', '/admin', 'Host: BACKEND\r\n')],
        ['Host case, port', h1('GET', '/Admin', 'Host: Backend.Default.Svc:80\r\n')],
        ['absolute form', h1('GET', 'http://backend/admin', 'Host: backend\r\n')],
      );
      const got = await Promise.all(cases.map(async ([label, head]) => [label, await rawStatus(port, head)] as const));
      const through = got.filter(([, status]) => status !== 403 && status !== 400);
      assert.deepEqual(through, [], 'every bypass gets 403 or 400');
      assert.deepEqual(seen.slice(before), [], 'the app sees none of them');
    });

    it(`still lets allowed requests through over HTTP/1.1 (${mode})`, async () => {
      const port = (mode === 'fast path' ? fast : fallback).ports.inbound;
      for (const [path, forwarded] of ALLOWED) {
        const before = seen.length;
        assert.equal(await rawStatus(port, h1('GET', path)), 200, path);
        assert.deepEqual(seen.slice(before), [`GET ${forwarded}`], path);
      }
      const before = seen.length;
      assert.equal(await rawStatus(port, h1('get', '/products/x')), mode === 'fast path' ? 200 : 400);
      assert.equal(await rawStatus(port, h1('POST', '/products/x', 'Host: backend\r\nContent-Length: 0\r\n')), 200);
      assert.deepEqual(seen.slice(before), mode === 'fast path' ? ['GET /products/x', 'POST /products/x'] : ['POST /products/x']);
    });
  }

  it('refuses every bypass over h2c, and forwards canonical methods', async () => {
    const session = http2.connect(`http://127.0.0.1:${fast.ports.inbound}`);
    session.on('error', () => undefined);
    try {
      const before = seen.length;
      const cases: Array<[string, http2.OutgoingHttpHeaders]> = BYPASS_PATHS.map((p) => [p, { ':method': 'GET', ':path': p, ':authority': 'backend' }]);
      cases.push(
        [':method delete', { ':method': 'delete', ':path': '/x', ':authority': 'backend' }],
        [':method Delete', { ':method': 'Delete', ':path': '/x', ':authority': 'backend' }],
        ['host disagrees with :authority', { ':method': 'GET', ':path': '/x', ':authority': 'backend', host: 'evil' }],
        [':authority case', { ':method': 'GET', ':path': '/admin', ':authority': 'BACKEND' }],
      );
      const got: Array<readonly [string, number]> = [];
      for (const [label, headers] of cases) got.push([label, await h2Status(session, headers)] as const);
      const through = got.filter(([, status]) => status !== 403 && status !== 400);
      assert.deepEqual(through, [], 'every bypass gets 403 or 400');
      assert.deepEqual(seen.slice(before), [], 'the app sees none of them');

      for (const [path, forwarded] of ALLOWED) {
        const n = seen.length;
        assert.equal(await h2Status(session, { ':method': 'GET', ':path': path, ':authority': 'backend' }), 200, path);
        assert.deepEqual(seen.slice(n), [`GET ${forwarded}`], path);
      }
      const n = seen.length;
      assert.equal(await h2Status(session, { ':method': 'get', ':path': '/products/x', ':authority': 'backend' }), 200);
      assert.equal(await h2Status(session, { ':method': 'GET', ':path': '/products/x', ':authority': 'backend', host: 'backend' }), 200);
      assert.deepEqual(seen.slice(n), ['GET /products/x', 'GET /products/x'], 'a lower-case standard method reaches the app upper-cased');
    } finally {
      session.close();
    }
  });

  it('lets a rule turn case-insensitive matching off', async () => {
    const strict = [{ ...RULES[0]!, ignoreCase: false }];
    applyResource(fast.mesh, 'Inbound', inboundBody('default/backend', 'allow', strict));
    try {
      const before = seen.length;
      assert.equal(await rawStatus(fast.ports.inbound, h1('GET', '/ADMIN')), 200);
      assert.equal(await rawStatus(fast.ports.inbound, h1('GET', '/admin;x=1')), 403, 'the lenient reading still applies');
      assert.deepEqual(seen.slice(before), ['GET /ADMIN']);
    } finally {
      applyResource(fast.mesh, 'Inbound', inboundBody('default/backend', 'allow', RULES));
    }
  });
});
