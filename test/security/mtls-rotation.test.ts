// Workload certificates rotating under load, without a failed request (issue 12, "Done when"):
// real etcd + NATS, identity, registry and config-push as separate processes over TLS; an
// ingress gateway that takes TLS from outside with an operator certificate and enters the mesh
// over mTLS as default/ingress-gateway; a catalog sidecar whose app echoes the verified caller.
// Gateway and catalog renew their short-lived certificates at half their lifetime while a
// request loop runs through the gateway over keep-alive connections. Default suite: 6 s
// certificates for 20 s (several rotations each); PLEXUS_SOAK=1: 1-minute certificates, 5 minutes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ensureDevRoot, type DevRootFiles } from '../../lib/identity/ca-material.js';
import { generateP256, privateKeyToPem, x509 } from '../../lib/identity/crypto.js';
import { IdentityClient } from '../../lib/identity/identity-client.js';
import { devCertificateAuthority } from '../../lib/identity/service-tls.js';
import { silentLogger } from '../../lib/log.js';
import { parseGatewayConfig } from '../../proxy/config/gateway-config.js';
import { startGateway, type Gateway } from '../../proxy/gateway.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { spawnService, startEtcd, startNats, waitFor, type EtcdServer, type NatsServer, type ServiceProcess } from '../harness/index.js';
import { startApp, type TestApp } from '../proxy/fixtures.js';
import { controlPlaneEnv, serviceTlsEnv, startTrustedSidecar } from './support.js';

const CLUSTER = 'mrot';
const ADMIN = 'admin-token-0000000000000001';
const TD = 'plexus.local';
const SOAK = process.env.PLEXUS_SOAK === '1';
// Services read PLEXUS_* as configuration and refuse unknown keys: keep it from the children.
delete process.env.PLEXUS_SOAK;
const CERT_TTL_S = SOAK ? 60 : 6;
const RUN_MS = SOAK ? 5 * 60_000 : 20_000;

let etcd: EtcdServer;
let nats: NatsServer;
let root: DevRootFiles;
let identity: ServiceProcess;
let registry: ServiceProcess;
let configPush: ServiceProcess;
let admin: IdentityClient;
let catalog: Sidecar;
let gateway: Gateway;
let edgeCa: string;
let gatewayAdmin = 0;
const apps: TestApp[] = [];
const closers: Array<() => unknown> = [];

/** The operator's certificate for the gateway's edge: self-signed for `localhost` (clients pin it). */
async function edgeCertificate(dir: string): Promise<{ certFile: string; keyFile: string; pem: string }> {
  const keys = await generateP256(true);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=localhost',
    keys,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }])],
  });
  const files = { certFile: join(dir, 'edge.crt'), keyFile: join(dir, 'edge.key'), pem: cert.toString('pem') };
  writeFileSync(files.certFile, files.pem);
  writeFileSync(files.keyFile, await privateKeyToPem(keys.privateKey), { mode: 0o600 });
  return files;
}

interface Dump {
  certificate: { serial: string } | null;
}
const serialAt = async (adminPort: number): Promise<string | undefined> =>
  ((await (await fetch(`http://127.0.0.1:${adminPort}/config_dump`)).json()) as Dump).certificate?.serial ?? undefined;

/** The serial of the certificate catalog's inbound presents to a new connection. */
function presentedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    s.once('secureConnect', () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.once('error', reject);
  });
}

before(async () => {
  [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const dir = mkdtempSync(join(tmpdir(), 'plexus-mrot-'));
  root = await ensureDevRoot(join(dir, 'ca'));
  const rootPem = readFileSync(root.rootCertFile, 'utf8');
  const { ca, rootsPem } = await devCertificateAuthority(root, CLUSTER);
  const common = controlPlaneEnv({ cluster: CLUSTER, etcd: etcd.endpoint, nats: nats.url, tokens: [{ name: 'ops', token: ADMIN, role: 'admin' }] });
  const tlsEnv = (service: 'registry' | 'config-push') => serviceTlsEnv(ca, rootsPem, dir, service);
  [identity, registry, configPush] = await Promise.all([
    spawnService('identity', 'identity-mrot', {
      ...common,
      PLEXUS_CA__ROOT_CERT_FILE: root.rootCertFile,
      PLEXUS_CA__ROOT_KEY_FILE: root.rootKeyFile,
      PLEXUS_CA__GENERATE_INTERMEDIATE: 'true',
      PLEXUS_CA__TOKEN_KEY_FILE: root.tokenKeyFile,
      PLEXUS_IDENTITY__MIN_CERT_TTL_SECONDS: '5',
    }),
    spawnService('registry', 'registry-mrot', { ...common, ...(await tlsEnv('registry')) }),
    spawnService('config-push', 'config-push-mrot', { ...common, ...(await tlsEnv('config-push')), PLEXUS_CONFIG_PUSH__DEBOUNCE_MS: '5' }),
  ]);
  admin = new IdentityClient(identity.address, { roots: [rootPem], token: ADMIN });
  closers.push(() => admin.close());
  const addresses = { registry: registry.address, configPush: configPush.address, identity: identity.address };
  const token = async (service: string): Promise<string> => (await admin.createJoinToken({ namespace: 'default', service, ttlSeconds: 3600 })).token;

  const catalogApp = await startApp((q, r) => r.end(`catalog ${q.url} from ${String(q.headers['x-plexus-source'])}`));
  apps.push(catalogApp);
  catalog = await startTrustedSidecar({ cluster: CLUSTER, trustDomain: TD, service: 'catalog', appPort: catalogApp.port, joinToken: await token('catalog'), caFile: root.rootCertFile, addresses, ttlSeconds: CERT_TTL_S });
  closers.push(() => catalog.close());

  const edge = await edgeCertificate(dir);
  edgeCa = edge.pem;
  gateway = await startGateway(
    parseGatewayConfig({
      cluster: CLUSTER,
      zone: 'z1',
      admin: { host: '127.0.0.1', port: 0 },
      accessLog: false,
      controlPlane: { registry: [addresses.registry], configPush: [addresses.configPush], ttlSeconds: 6 },
      identity: { addresses: [addresses.identity], caFile: root.rootCertFile, joinToken: await token('ingress-gateway'), trustDomain: TD, ttlSeconds: CERT_TTL_S },
      gateway: { listen: { host: '127.0.0.1', port: 0 }, tls: { certFile: edge.certFile, keyFile: edge.keyFile }, routes: [{ pathPrefix: '/', service: 'default/catalog' }] },
    }),
    { logger: silentLogger() },
  );
  closers.push(() => gateway.close());
  gatewayAdmin = gateway.adminPort;
  await gateway.ready(30_000);
});

after(async () => {
  for (const c of closers.reverse()) await c();
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all([identity?.stop(), registry?.stop(), configPush?.stop()]);
  await Promise.all([etcd?.stop(), nats?.stop()]);
});

const edgeAgent = () => new https.Agent({ keepAlive: true, maxSockets: 4, ca: edgeCa, servername: 'localhost' });

function edgeGet(agent: https.Agent, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: gateway.port, path, agent, servername: 'localhost', headers: { host: 'shop.example' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe(`mTLS certificate rotation under load through the gateway (${CERT_TTL_S} s certificates, ${RUN_MS / 1000} s)`, () => {
  it('takes TLS from outside with the operator certificate and reaches catalog over mTLS as itself', async () => {
    const agent = edgeAgent();
    closers.push(() => agent.destroy());
    await waitFor('the gateway to pass', async () => (await edgeGet(agent, '/first').catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 20_000 });
    const r = await edgeGet(agent, '/first');
    assert.equal(r.body, 'catalog /first from default/ingress-gateway');
  });

  it('rotates both proxies several times with zero failed requests, and new connections get the new certificate at once', async () => {
    const agent = edgeAgent();
    closers.push(() => agent.destroy());
    const failures: string[] = [];
    let requests = 0;
    const serials = { gateway: new Set<string>(), catalog: new Set<string>() };
    const presented = new Set<string>();
    const deadline = Date.now() + RUN_MS;
    const loops = Array.from({ length: 4 }, async (_, w) => {
      while (Date.now() < deadline) {
        const n = requests++;
        try {
          const r = await edgeGet(agent, `/r/${w}/${n}`);
          if (r.status !== 200 || r.body !== `catalog /r/${w}/${n} from default/ingress-gateway`) failures.push(`#${n}: ${r.status} ${r.body.slice(0, 200)}`);
        } catch (err) {
          failures.push(`#${n}: ${(err as Error).message}`);
        }
      }
    });
    const watcher = (async () => {
      while (Date.now() < deadline) {
        const [g, c] = await Promise.all([serialAt(gatewayAdmin), serialAt(catalog.ports.admin)]);
        if (g) serials.gateway.add(g);
        if (c) {
          serials.catalog.add(c);
          // What a new connection to catalog's inbound sees is the certificate just installed.
          const seen = await presentedSerial(catalog.ports.inbound);
          if (seen.toLowerCase() === c.toLowerCase() || (await serialAt(catalog.ports.admin))?.toLowerCase() === seen.toLowerCase()) presented.add(seen.toLowerCase());
          else failures.push(`catalog's inbound presented ${seen}, its current certificate is ${c}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await Promise.all([...loops, watcher]);
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
    // Renewal at half the lifetime: about 2 × RUN/TTL certificates each; ask for half of that.
    const minRotations = Math.floor(RUN_MS / 1000 / CERT_TTL_S);
    assert.ok(serials.gateway.size >= minRotations, `gateway certificates seen: ${serials.gateway.size}`);
    assert.ok(serials.catalog.size >= minRotations, `catalog certificates seen: ${serials.catalog.size}`);
    assert.ok(presented.size >= minRotations, `certificates presented to new connections: ${presented.size}`);
    assert.ok(requests > 100, `enough traffic: ${requests}`);
  });
});
