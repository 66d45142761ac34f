// Proxy-to-proxy mTLS, attacked (issue 12, "Done when"). Real etcd + NATS under the real
// registry, policy and config-push (config-push as its own process); the callee `catalog` is a
// real proxy process (proxy/main.ts) with a workload certificate from files; `frontend` and
// `attacker` are sidecars with certificates of the same mesh CA. Access for catalog allows only
// default/frontend. Every row must be refused and the catalog app must see none of them, while
// frontend's calls keep passing.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TlsMaterial } from '../../lib/grpc/tls.js';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { devCertificateAuthority, issueWorkloadTls } from '../../lib/identity/service-tls.js';
import { generateP256, privateKeyToPem, x509 } from '../../lib/identity/crypto.js';
import { StatusApi } from '../../lib/discovery-client/status-client.js';
import { RegistryApi } from '../../lib/registry-client/registry-api.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { spawnNodeProcess, startEtcd, startNats, waitFor, type EtcdServer, type ManagedProcess, type NatsServer } from '../harness/index.js';
import { CLUSTER, configDump, startControlPlane, startMeshProxy, type ControlPlane } from '../proxy/control-plane.js';
import { request, startApp, testMeshCa, testMeshTlsEnv, type TestApp } from '../proxy/fixtures.js';

let etcd: EtcdServer;
let nats: NatsServer;
let cp: ControlPlane;
let catalogProc: ManagedProcess;
let catalogInbound: number;
let catalogAdmin: number;
let frontend: Sidecar;
let attacker: Sidecar;
const apps: TestApp[] = [];
const sidecars: Sidecar[] = [];
/** What reached the catalog app: path and the identity header it was given. */
const reached: Array<{ path: string; source: string | undefined }> = [];

const call = (from: Sidecar, path: string) => request(from.ports.outbound, { path, headers: { host: 'catalog', 'x-plexus-source': 'default/frontend' } });

/** One HTTP/1.1 request over TLS straight to catalog's inbound port, presenting `client` (or no certificate). */
function tlsRequest(client: Partial<TlsMaterial>, path: string, ca: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: catalogInbound,
        path,
        agent: false,
        ca,
        ...(client.certChainPem ? { cert: client.certChainPem, key: client.keyPem } : {}),
        headers: { host: 'catalog', 'x-plexus-source': 'default/frontend' },
        // The attacker does not care who the server is; the server must care who the client is.
        checkServerIdentity: () => undefined,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** A self-signed certificate (its own CA, not the mesh's) for spiffe://<td>/ns/default/svc/<service>. */
async function selfSigned(service: string, trustDomain = 'plexus.local'): Promise<TlsMaterial> {
  const keys = await generateP256(true);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${service}.default`,
    keys,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}/ns/default/svc/${service}` }])],
  });
  return { certChainPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey), rootsPem: '' };
}

async function unchanged(run: () => Promise<unknown>): Promise<void> {
  const before = reached.length;
  await run();
  assert.equal(reached.length, before, `the catalog app saw nothing: ${JSON.stringify(reached.slice(before))}`);
}

before(async () => {
  [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  cp = await startControlPlane({
    backends: { kind: 'real', store: { backend: 'etcd', endpoints: [etcd.endpoint] }, bus: { kind: 'nats', servers: [nats.url] } },
    configPushProcess: true,
  });
  await cp.apply({
    apiVersion: 'plexus.dev/v1',
    kind: 'Access',
    metadata: { name: 'catalog' },
    spec: { defaultAction: 'deny', rules: [{ action: 'allow', from: ['default/frontend'] }] },
  });
  const catalogApp = await startApp((q, r) => {
    reached.push({ path: q.url ?? '', source: q.headers['x-plexus-source'] as string | undefined });
    r.end(`catalog ${q.url}`);
  });
  apps.push(catalogApp);
  catalogProc = await spawnNodeProcess({
    name: 'catalog-proxy',
    entry: 'proxy/main.ts',
    env: {
      PATH: process.env.PATH,
      PLEXUS_SERVICE: 'catalog',
      PLEXUS_CLUSTER: CLUSTER,
      PLEXUS_LOG_LEVEL: 'warn',
      PLEXUS_ACCESS_LOG: 'false',
      PLEXUS_APP__PORT: String(catalogApp.port),
      PLEXUS_INBOUND__HOST: '127.0.0.1',
      PLEXUS_CONTROL_PLANE__REGISTRY: cp.registryAddress,
      PLEXUS_CONTROL_PLANE__CONFIG_PUSH: cp.configPushAddress,
      PLEXUS_CONTROL_PLANE__TTL_SECONDS: '6',
      ...(await testMeshTlsEnv('catalog')),
    },
    listeners: { admin: 'PLEXUS_ADMIN__PORT', outbound: 'PLEXUS_OUTBOUND__PORT', inbound: 'PLEXUS_INBOUND__PORT' },
    ready: async ({ admin }) => (await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined))?.status === 200,
  });
  [catalogInbound, catalogAdmin] = [catalogProc.listening('inbound')!, catalogProc.listening('admin')!];
  const nobody = await startApp((_q, r) => r.end('not an app anyone calls'));
  apps.push(nobody);
  frontend = await startMeshProxy(cp, { service: 'frontend', appPort: nobody.port });
  attacker = await startMeshProxy(cp, { service: 'attacker', appPort: nobody.port });
  sidecars.push(frontend, attacker);
  await waitFor('frontend → catalog through the mesh', async () => (await call(frontend, '/warm').catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 30_000 });
});

after(async () => {
  await Promise.all(sidecars.map((s) => s.close()));
  await catalogProc?.stop();
  await Promise.all(apps.map((a) => a.close()));
  await cp?.close();
  await Promise.all([etcd?.stop(), nats?.stop()]);
});

describe('proxy-to-proxy mTLS refuses impostors (real proxy process, real control plane on etcd + NATS)', () => {
  it('lets the named caller through over mTLS, identified by its certificate (STRICT by default)', async () => {
    reached.length = 0;
    const r = await call(frontend, '/items');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'catalog /items');
    assert.deepEqual(reached, [{ path: '/items', source: 'default/frontend' }]);
    const dump = (await (await fetch(`http://127.0.0.1:${catalogAdmin}/config_dump`)).json()) as { mtlsMode: string };
    assert.equal(dump.mtlsMode, 'STRICT', 'no Mesh policy: new meshes are STRICT');
  });

  it('refuses a plaintext request carrying x-plexus-source to the inbound port (STRICT)', () =>
    unchanged(async () => {
      const r = await request(catalogInbound, { path: '/items', headers: { host: 'catalog', 'x-plexus-source': 'default/frontend' } });
      assert.equal(r.status, 403);
      assert.equal(r.headers['x-plexus-flags'], 'RBAC');
      assert.match(r.body, /mutual TLS required/);
    }));

  it("refuses a TLS client with a self-signed certificate claiming the caller's SPIFFE ID", async () => {
    const { rootsPem } = await testMeshCa();
    await unchanged(async () => {
      const r = await tlsRequest(await selfSigned('frontend'), '/items', rootsPem);
      assert.ok('error' in r, `refused at the handshake, got ${JSON.stringify(r)}`);
    });
  });

  it('refuses a TLS client without a certificate', async () => {
    const { rootsPem } = await testMeshCa();
    await unchanged(async () => {
      const r = await tlsRequest({}, '/items', rootsPem);
      assert.ok('error' in r, `refused at the handshake, got ${JSON.stringify(r)}`);
    });
  });

  it('refuses certificates from another trust domain: another CA, or the mesh CA naming another domain', async () => {
    const { rootsPem, ca } = await testMeshCa();
    const other = await devCertificateAuthority(await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-other-ca-'))), 'other');
    await unchanged(async () => {
      const foreignCa = await tlsRequest(await issueWorkloadTls(other.ca, other.rootsPem, { trustDomain: 'other.local', namespace: 'default', service: 'frontend' }), '/items', rootsPem);
      assert.ok('error' in foreignCa, `another CA: ${JSON.stringify(foreignCa)}`);
      const foreignDomain = await tlsRequest(await issueWorkloadTls(ca, rootsPem, { trustDomain: 'other.local', namespace: 'default', service: 'frontend' }), '/items', rootsPem);
      assert.ok('error' in foreignDomain, `another trust domain under the mesh root: ${JSON.stringify(foreignDomain)}`);
    });
  });

  it('refuses a valid certificate of another service where Access allows only the named caller', async () => {
    const { rootsPem, ca } = await testMeshCa();
    await unchanged(async () => {
      const viaSidecar = await call(attacker, '/items');
      assert.equal(viaSidecar.status, 403);
      assert.match(viaSidecar.body, /caller default\/attacker/, 'the claimed header did not count');
      const direct = await tlsRequest(await issueWorkloadTls(ca, rootsPem, { namespace: 'default', service: 'attacker' }), '/items', rootsPem);
      assert.ok('status' in direct && direct.status === 403, JSON.stringify(direct));
    });
    assert.equal((await call(frontend, '/still')).status, 200, 'the named caller still passes');
  });

  it('never sends to a rogue endpoint: an instance registered for catalog that is not catalog fails its identity check', async () => {
    const rogueSeen: string[] = [];
    const rogueApp = await startApp((q, r) => {
      rogueSeen.push(q.url ?? '');
      r.end('rogue');
    });
    apps.push(rogueApp);
    // The attacker's sidecar (a default/attacker certificate) registered as a catalog endpoint.
    const registry = new RegistryApi(cp.registryAddress, { deadlineMs: 5000 });
    try {
      await registry.register({ namespace: 'default', service: 'catalog', instanceId: 'rogue-1', address: '127.0.0.1', port: attacker.ports.inbound, protocol: 'PROTOCOL_HTTP1' });
      await waitFor('frontend to see two catalog endpoints', async () => {
        await call(frontend, '/probe');
        return (await configDump(frontend)).services['default/catalog']?.endpoints?.body.endpoints.length === 2;
      });
      for (let i = 0; i < 12; i++) {
        const r = await call(frontend, `/r${i}`);
        assert.equal(r.status, 200, `request ${i}: ${r.body}`);
        assert.equal(r.body, `catalog /r${i}`);
      }
      assert.deepEqual(rogueSeen, []);
    } finally {
      registry.close();
    }
  });

  it('scopes each sidecar to what it calls: proxy-status shows no wildcard subscription', async () => {
    const status = new StatusApi(cp.configPushAddress, 5000);
    try {
      const { proxies } = await status.proxyStatus({});
      const byService = new Map(proxies.map((p) => [p.node?.service, p]));
      for (const service of ['frontend', 'attacker', 'catalog']) {
        const p = byService.get(service);
        assert.ok(p, `${service} is connected`);
        for (const t of p.types) assert.equal(t.wildcard, false, `${service} ${t.type} has no * subscription`);
      }
      const endpoints = byService.get('frontend')!.types.find((t) => t.type === 'Endpoints');
      assert.deepEqual(endpoints?.subscribed, ['default/catalog'], 'frontend follows only the service it called');
    } finally {
      status.close();
    }
  });

  it('PERMISSIVE (per-service override in Access) lets plaintext in as `unauthenticated`, which rules can name', async () => {
    await cp.apply({
      apiVersion: 'plexus.dev/v1',
      kind: 'Access',
      metadata: { name: 'catalog' },
      spec: {
        defaultAction: 'deny',
        mtls: { mode: 'PERMISSIVE' },
        rules: [
          { action: 'allow', from: ['default/frontend'] },
          { action: 'allow', from: ['unauthenticated'], to: { paths: ['/open'] } },
        ],
      },
    });
    await waitFor('catalog to switch to PERMISSIVE', async () => ((await (await fetch(`http://127.0.0.1:${catalogAdmin}/config_dump`)).json()) as { mtlsMode: string }).mtlsMode === 'PERMISSIVE');
    reached.length = 0;
    const open = await request(catalogInbound, { path: '/open', headers: { host: 'catalog', 'x-plexus-source': 'default/frontend' } });
    assert.equal(open.status, 200, open.body);
    assert.deepEqual(reached, [{ path: '/open', source: undefined }], 'plaintext is unauthenticated whatever it claims');
    await unchanged(async () => {
      const closed = await request(catalogInbound, { path: '/items', headers: { host: 'catalog', 'x-plexus-source': 'default/frontend' } });
      assert.equal(closed.status, 403);
      assert.match(closed.body, /caller unidentified/);
    });
    assert.equal((await call(frontend, '/items')).status, 200, 'mTLS callers are unaffected');
  });
});

