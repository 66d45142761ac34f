// Cross-cluster calls with mTLS end to end (issues 12 and 14): a west sidecar reaches east's
// catalog through east's east-west gateway. The caller dials the gateway's TLS passthrough
// listener with SNI `catalog.default`; the gateway splices the unterminated connection to the
// catalog sidecar's inbound, which verifies the caller's own certificate. So the callee's Access
// policy decides on the caller's identity, not on the gateway's, and a rogue gateway address
// that is not catalog cannot pass the caller's check of the callee's SPIFFE ID.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../lib/log.js';
import type { Endpoint } from '../../lib/mesh/resources.js';
import { parseGatewayConfig } from '../../proxy/config/gateway-config.js';
import { startGateway, type Gateway } from '../../proxy/gateway.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { applyResource, endpoint, endpointsBody, inboundBody, request, serviceBody, startApp, startStaticProxy, testMeshTls, type TestApp } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
let app: TestApp;
let catalog: Sidecar;
let gateway: Gateway;
let frontend: Sidecar;
let attacker: Sidecar;
let seen: Array<string | undefined> = [];

/** catalog as west's config-push imports it: east's instance, dialled through east's gateway. */
const imported = (port: number): Endpoint => endpoint('east/c1', 8080, { address: '10.255.0.7', cluster: 'east', zone: 'e1', priority: 1, gateway: { address: '127.0.0.1', port } });

function importCatalog(caller: Sidecar, gatewayPort: number): void {
  applyResource(caller.mesh, 'Service', serviceBody('default/catalog'));
  applyResource(caller.mesh, 'Endpoints', endpointsBody('default/catalog', [imported(gatewayPort)]));
}

const call = (from: Sidecar) => request(from.ports.outbound, { path: '/items', headers: { host: 'catalog' } });

before(async () => {
  app = await startApp((q, r) => {
    seen.push(q.headers['x-plexus-source'] as string | undefined);
    r.end('catalog in east');
  });
  cleanups.push(() => app.close());
  // East: catalog's sidecar (STRICT, only frontend may call) and the east-west gateway.
  catalog = await startStaticProxy({ service: 'catalog', cluster: 'east', zone: 'e1', appPort: app.port, meshTls: await testMeshTls('catalog') });
  cleanups.push(() => catalog.close());
  applyResource(catalog.mesh, 'Inbound', {
    ...inboundBody('default/catalog', 'deny', [{ action: 'allow', from: ['default/frontend'], methods: [], paths: [] }]),
    mtlsMode: 'STRICT',
  });
  gateway = await startGateway(
    parseGatewayConfig({
      service: 'eastwest',
      cluster: 'east',
      zone: 'e1',
      admin: { host: '127.0.0.1', port: 0 },
      accessLog: false,
      gateway: { mode: 'east-west', listen: { host: '127.0.0.1', port: 0 }, exports: ['default/catalog'], passthrough: { host: '127.0.0.1', port: 0 } },
    }),
    { controlPlane: false, logger: silentLogger() },
  );
  cleanups.push(() => gateway.close());
  applyResource(gateway.mesh, 'Service', serviceBody('default/catalog'));
  applyResource(gateway.mesh, 'Endpoints', endpointsBody('default/catalog', [endpoint('c1', catalog.ports.inbound, { cluster: 'east', zone: 'e1' })]));

  // West: two callers with certificates of their own.
  frontend = await startStaticProxy({ service: 'frontend', cluster: 'west', zone: 'w1', appPort: 1, meshTls: await testMeshTls('frontend') });
  attacker = await startStaticProxy({ service: 'attacker', cluster: 'west', zone: 'w1', appPort: 1, meshTls: await testMeshTls('attacker') });
  cleanups.push(() => frontend.close(), () => attacker.close());
  for (const caller of [frontend, attacker]) importCatalog(caller, gateway.passthroughPort!);
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('cross-cluster mTLS through the east-west gateway', () => {
  it('the callee sees the remote caller\'s own identity, verified from its certificate', async () => {
    seen = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(frontend);
      assert.equal(r.status, 200, r.body);
      assert.equal(r.body, 'catalog in east');
    }
    assert.deepEqual(new Set(seen), new Set(['default/frontend']));
  });

  it('Access in the callee\'s cluster refuses another remote service, and its app sees nothing', async () => {
    seen = [];
    const r = await call(attacker);
    assert.equal(r.status, 403, r.body);
    assert.deepEqual(seen, []);
  });

  it('the gateway\'s plaintext listener is no way around mTLS: the caller refuses a callee without catalog\'s identity', async () => {
    // A caller pointed at the HTTP listener (not the passthrough) gets no TLS callee there.
    const misrouted = await startStaticProxy({ service: 'frontend', cluster: 'west', zone: 'w1', appPort: 1, meshTls: await testMeshTls('frontend') });
    cleanups.push(() => misrouted.close());
    importCatalog(misrouted, gateway.port);
    seen = [];
    const r = await call(misrouted);
    assert.ok(r.status >= 500, `${r.status} ${r.body}`);
    assert.deepEqual(seen, []);
  });
});
