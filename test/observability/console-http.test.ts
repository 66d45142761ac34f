// The console's HTTP side under hostile input: only GET, bounded request targets and query
// strings, no body, no path traversal out of the static table, Host checked on loopback,
// security headers on every answer, and a cap on live-update streams.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { PolicyClient } from '../../lib/policy-client/index.js';
import { ConsoleModel } from '../../services/console/console-model.js';
import { MAX_QUERY_LENGTH, startConsoleHttp, type ConsoleHttpServer } from '../../services/console/http-server.js';
import { waitFor } from '../harness/index.js';

/** A raw HTTP/1.1 exchange (fetch normalises paths and refuses some methods). */
function raw(port: number, request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(request));
    let data = '';
    s.setEncoding('utf8').on('data', (d: string) => (data += d));
    s.on('error', reject);
    s.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head: head.toLowerCase(), body });
    });
  });
}

describe('console HTTP under hostile input', () => {
  let server: ConsoleHttpServer;
  let base: string;
  let host: string;
  const model = new ConsoleModel({ configured: false, message: 'Identity is not configured' });
  const history: Array<Record<string, unknown>> = [];
  const fakePolicy = {
    history: (ref: Record<string, unknown>) => {
      history.push(ref);
      return Promise.resolve({
        entries: [
          { revision: 3, action: 'applied', principal: 'alice', time: '2026-01-01T00:00:00Z', document: '{"spec":{"w":10}}' },
          { revision: 7, action: 'applied', principal: 'bob', time: '2026-01-02T00:00:00Z', document: '{"spec":{"w":90}}' },
        ],
      });
    },
  } as unknown as PolicyClient;

  before(async () => {
    server = await startConsoleHttp({ host: '127.0.0.1', port: 0, model, policyClient: () => fakePolicy, maxEventStreams: 2, logger: pino({ level: 'silent' }) });
    base = server.url;
    host = `127.0.0.1:${server.port}`;
  });
  after(() => server?.close());

  test('pages and API answers carry CSP, nosniff and frame-ancestors none', async () => {
    for (const path of ['/', '/static/app.js', '/static/style.css', '/api/topology', '/api/identity', '/nope']) {
      const res = await fetch(`${base}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      await res.arrayBuffer();
    }
    assert.deepEqual(await (await fetch(`${base}/api/identity`)).json(), { configured: false, message: 'Identity is not configured' });
  });

  test('only GET', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE']) {
      const r = await raw(server.port, `${method} /api/topology HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      assert.equal(r.status, 405, method);
      if (method !== 'HEAD') assert.match(r.head, /allow: get/);
    }
  });

  test('no path traversal: only the static table is served', async () => {
    for (const path of [
      '/static/../config.ts',
      '/static/%2e%2e/config.ts',
      '/static/..%2fconsole-service.ts',
      '/static/%2e%2e%2f%2e%2e%2fpackage.json',
      '/../../../../etc/passwd',
      '/static//etc/passwd',
      '/static/app.js%00.png',
      '/static/',
      '/static/index.html/..',
      '/web/index.html',
    ]) {
      const r = await raw(server.port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body, /import|root:|"name"/, path);
    }
  });

  test('bounded request target and query string; no body; Host must be this server', async () => {
    assert.equal((await fetch(`${base}/api/topology?${'a'.repeat(MAX_QUERY_LENGTH + 1)}`)).status, 414);
    assert.equal((await fetch(`${base}/${'a'.repeat(3000)}`)).status, 414);
    const withBody = await raw(server.port, `GET /api/topology HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
    assert.equal(withBody.status, 400);
    const rebinding = await raw(server.port, `GET /api/topology HTTP/1.1\r\nHost: evil.example:${server.port}\r\nConnection: close\r\n\r\n`);
    assert.equal(rebinding.status, 421);
    const huge = await raw(server.port, `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'b'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(huge.status, 431);
  });

  test('policy history: validated query, diffs between revisions, newest first', async () => {
    for (const q of ['kind=Nope&namespace=default&name=x', 'kind=Route&namespace=Bad_NS&name=x', 'kind=Route&namespace=default', 'kind=Route&namespace=default&name=../x']) {
      assert.equal((await fetch(`${base}/api/policy-history?${q}`)).status, 400, q);
    }
    assert.equal(history.length, 0, 'nothing invalid reaches the policy API');
    const res = await fetch(`${base}/api/policy-history?kind=Route&namespace=default&name=catalog`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { entries: Array<{ revision: number; diff: string[] }> };
    assert.deepEqual(body.entries.map((e) => e.revision), [7, 3]);
    assert.ok(body.entries[0]!.diff.includes('-     "w": 10') && body.entries[0]!.diff.includes('+     "w": 90'), body.entries[0]!.diff.join('\n'));
  });

  test('live updates: snapshots on connect, changes pushed, connections capped', async () => {
    const aborts = [new AbortController(), new AbortController()];
    const streams = await Promise.all(aborts.map((a) => fetch(`${base}/events`, { signal: a.signal })));
    try {
      for (const s of streams) assert.equal(s.status, 200);
      assert.equal(streams[0]!.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      await waitFor('both streams counted', () => server.streams() === 2);
      const third = await fetch(`${base}/events`);
      assert.equal(third.status, 503);
      await third.arrayBuffer();
      const reader = streams[0]!.body!.getReader();
      let text = '';
      const decoder = new TextDecoder();
      const readUntil = async (pattern: RegExp): Promise<void> => {
        const deadline = Date.now() + 10_000;
        while (!pattern.test(text)) {
          if (Date.now() > deadline) throw new Error(`stream never matched ${pattern}: ${text}`);
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += decoder.decode(value, { stream: true });
        }
      };
      await readUntil(/event: identity\ndata: /);
      model.startRollout('Route/default/catalog', 42);
      model.changed('rollouts');
      await readUntil(/event: rollouts\ndata: \{"rollouts":\[\{"policy":"Route\/default\/catalog","revision":42/);
    } finally {
      for (const a of aborts) a.abort();
    }
    await waitFor('closed streams released', () => server.streams() === 0);
    const again = new AbortController();
    const res = await fetch(`${base}/events`, { signal: again.signal });
    assert.equal(res.status, 200, 'a slot frees when a client leaves');
    again.abort();
  });
});
