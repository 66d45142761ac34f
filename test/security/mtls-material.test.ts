// Rotation of proxy-to-proxy mTLS material without a restart (issue 12): two static proxies
// (client → server, STRICT) on one keep-alive path, over the HTTP/1.1 fast path, the node:http
// fallback and h2. A renewed client certificate is what the server sees on the next connection,
// and pooled connections made under the old one are not reused once their request is done; a
// server whose bundle no longer has the client's root refuses the next handshake at once.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, describe, it } from 'node:test';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { devCertificateAuthority, issueWorkloadTls } from '../../lib/identity/service-tls.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { applyResource, endpoint, endpointsBody, inboundBody, keepAliveAgent, rawExchange, request, serviceBody, startApp, startStaticProxy, testMeshCa, testMeshTlsSource, type TestApp } from '../proxy/fixtures.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function pair(protocol: 'http1' | 'http2', fastPath: boolean): Promise<{ client: Sidecar; server: Sidecar; clientSource: Awaited<ReturnType<typeof testMeshTlsSource>>['source']; serverSource: Awaited<ReturnType<typeof testMeshTlsSource>>['source']; peers: string[] }> {
  let app: TestApp | http2.Http2Server;
  let appPort: number;
  if (protocol === 'http1') {
    const a = await startApp((q, r) => r.end(`app ${q.url} ${String(q.headers['x-plexus-source'])}`));
    cleanups.push(() => a.close());
    app = a;
    appPort = a.port;
  } else {
    const h2 = http2.createServer((q, r) => r.end(`app ${q.url} ${String(q.headers['x-plexus-source'])}`));
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => h2.close(() => r())));
    app = h2;
    appPort = (h2.address() as net.AddressInfo).port;
  }
  void app;
  const s = await testMeshTlsSource('server');
  const c = await testMeshTlsSource('client');
  /** Serial numbers of the client certificates the server saw, one per handshake. */
  const peers: string[] = [];
  s.meshTls.server.on('secureConnection', (sock: TLSSocket) => peers.push(sock.getPeerCertificate().serialNumber));
  const server = await startStaticProxy({ service: 'server', appPort, app: { protocol }, fastPath, meshTls: s.meshTls });
  const client = await startStaticProxy({ service: 'client', appPort: 1, fastPath, meshTls: c.meshTls });
  cleanups.push(() => client.close(), () => server.close());
  applyResource(server.mesh, 'Inbound', { ...inboundBody('default/server', 'allow'), mtlsMode: 'STRICT' });
  applyResource(client.mesh, 'Service', serviceBody('default/server'));
  applyResource(client.mesh, 'Endpoints', endpointsBody('default/server', [endpoint('s1', server.ports.inbound, { protocol })]));
  return { client, server, clientSource: c.source, serverSource: s.source, peers };
}

const call = (p: Sidecar, path: string) => request(p.ports.outbound, { path, headers: { host: 'server' }, agent: keepAliveAgent });

for (const [protocol, fastPath] of [['http1', true], ['http1', false], ['http2', true]] as const) {
  describe(`mTLS material rotation (${protocol}${protocol === 'http1' ? (fastPath ? ', fast path' : ', node:http fallback') : ''})`, () => {
    it('a renewed certificate is used for the next connection; old pooled connections are not reused', async () => {
      const p = await pair(protocol, fastPath);
      for (let i = 0; i < 5; i++) {
        const r = await call(p.client, `/a${i}`);
        assert.equal(r.status, 200, r.body);
        assert.equal(r.body, `app /a${i} default/client`);
      }
      assert.equal(new Set(p.peers).size, 1, 'one certificate so far');
      const handshakesBefore = p.peers.length;
      assert.ok(handshakesBefore <= 2, `keep-alive: no handshake per request (${handshakesBefore})`);
      const { ca, rootsPem } = await testMeshCa();
      p.clientSource.set(await issueWorkloadTls(ca, rootsPem, { namespace: 'default', service: 'client' }));
      for (let i = 0; i < 5; i++) assert.equal((await call(p.client, `/b${i}`)).status, 200);
      const after = p.peers.slice(handshakesBefore);
      assert.ok(after.length >= 1, 'a new connection after the rotation');
      assert.ok(after.every((serial) => serial !== p.peers[0]), `every connection since presents the new certificate: ${after.join(', ')}`);
    });

    it('a bundle that drops the client root refuses the next handshake at once; restoring it heals', async () => {
      const p = await pair(protocol, fastPath);
      assert.equal((await call(p.client, '/x')).status, 200);
      const other = await devCertificateAuthority(await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-other-root-'))), 'other');
      const current = p.serverSource.current!;
      // The server trusts only another root now; the client's pooled connection moves on (new client material).
      p.serverSource.set({ ...current, rootsPem: other.rootsPem });
      const { ca, rootsPem } = await testMeshCa();
      p.clientSource.set(await issueWorkloadTls(ca, rootsPem, { namespace: 'default', service: 'client' }));
      const refused = await call(p.client, '/y');
      assert.equal(refused.status, 503, refused.body);
      p.serverSource.set(current);
      p.clientSource.set(await issueWorkloadTls(ca, rootsPem, { namespace: 'default', service: 'client' }));
      let healed = 0;
      for (let i = 0; i < 10 && healed === 0; i++) if ((await call(p.client, `/z${i}`)).status === 200) healed++;
      assert.equal(healed, 1, 'traffic flows again once the root is back');
    });
  });
}

describe('hostile bytes on an mTLS inbound port', () => {
  it('a broken handshake record is closed, a plaintext h2c stream gets 403 in STRICT, and the port keeps serving', async () => {
    const p = await pair('http1', true);
    const garbage = await rawExchange(p.server.ports.inbound, Buffer.from('\x16\x03\x01\x00\x05hello GET / HTTP/1.1\r\n\r\n', 'latin1'), 5000);
    assert.equal(garbage.closed, true, 'closed');
    assert.doesNotMatch(garbage.text, /^HTTP\/1\.1 200/, 'no HTTP answer to a broken handshake');
    const session = http2.connect(`http://127.0.0.1:${p.server.ports.inbound}`);
    cleanups.push(() => session.destroy());
    const status = await new Promise<number>((resolve, reject) => {
      const s = session.request({ ':path': '/', ':authority': 'server', 'x-plexus-source': 'default/client' });
      s.on('response', (h) => resolve(Number(h[':status'])));
      s.on('error', reject);
      s.end();
    });
    assert.equal(status, 403);
    assert.equal((await call(p.client, '/after')).status, 200, 'mTLS callers unaffected');
  });
});
