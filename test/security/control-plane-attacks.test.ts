// The control plane trusts nobody by default (DESIGN.md "Trust"): every attack found against
// it, as a table. Real etcd and NATS; identity, registry and config-push run as separate
// processes over real TLS (server certificates from the mesh CA, given as files); two real
// sidecars (frontend → catalog) get their certificates from the identity service with join
// tokens and carry traffic throughout. Each row must be refused with its precise status, leave
// the store revision unchanged, and leave the real proxies' traffic unaffected.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { isPlexusError } from '../../lib/errors.js';
import { StatusApi } from '../../lib/discovery-client/status-client.js';
import { serviceClient } from '../../lib/grpc/proto.js';
import { controlPlaneChannel, MutableTlsSource, rootsOnlySource, type ClientSecurity, type TlsSource } from '../../lib/grpc/tls.js';
import { ensureDevRoot, type DevRootFiles } from '../../lib/identity/ca-material.js';
import { generateP256, importP256PrivateKey, privateKeyToPem, publicKeyFromPrivatePem, x509 } from '../../lib/identity/crypto.js';
import { IdentityClient } from '../../lib/identity/identity-client.js';
import { JoinTokenSigner, publicJwk } from '../../lib/identity/join-tokens.js';
import { devCertificateAuthority, issueServiceTls, writeTlsFiles } from '../../lib/identity/service-tls.js';
import { WorkloadIdentity, workloadTlsSource } from '../../lib/identity/workload-identity.js';
import { RegistryApi } from '../../lib/registry-client/registry-api.js';
import { createStore } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import type { Sidecar } from '../../proxy/sidecar.js';
import { startTrustedSidecar } from './support.js';
import { spawnService, startEtcd, startNats, waitFor, type EtcdServer, type NatsServer, type ServiceProcess } from '../harness/index.js';
import { request, startApp, type TestApp } from '../proxy/fixtures.js';
import { makeCsr } from '../identity/support.js';

const CLUSTER = 'sec';
const ADMIN = 'admin-token-0000000000000001';
const VIEWER = 'viewer-token-000000000000001';
const TD = 'plexus.local';

let etcd: EtcdServer;
let nats: NatsServer;
let store: Store;
let root: DevRootFiles;
let rootPem: string;
let identity: ServiceProcess;
let registry: ServiceProcess;
let configPush: ServiceProcess;
let admin: IdentityClient;
const apps: TestApp[] = [];
const sidecars: Sidecar[] = [];
const closers: Array<() => unknown> = [];
let frontend: Sidecar;
let catalog: Sidecar;
let catalogInstance: { id: string; incarnation: number };
/** A workload certificate for default/attacker, issued the honest way. */
let attacker: TlsSource;

const spiffe = (ns: string, svc: string): string => `spiffe://${TD}/ns/${ns}/svc/${svc}`;

async function joinToken(service: string, namespace = 'default'): Promise<{ token: string; id: string }> {
  return admin.createJoinToken({ namespace, service, ttlSeconds: 3600 });
}

async function workload(service: string): Promise<TlsSource> {
  const { token } = await joinToken(service);
  const w = new WorkloadIdentity({ address: identity.address, bootstrapRoots: [rootPem], joinToken: token, namespace: 'default', service, trustDomain: TD });
  await w.start();
  closers.push(() => w.stop());
  return workloadTlsSource(w);
}

function registryAs(tls: TlsSource | undefined, token?: string): RegistryApi {
  const security: ClientSecurity = { tls: tls ?? rootsOnlySource(rootPem) };
  const api = new RegistryApi(registry.address, { credentials: controlPlaneChannel(security, 'registry'), token, deadlineMs: 5000 });
  closers.push(() => api.close());
  return api;
}

/** A certificate for default/<service> signed by `ca`, valid over [notBefore, notAfter]. */
async function forgedCertificate(rootFiles: DevRootFiles, service: string, validAt: Date, ttlSeconds: number): Promise<TlsSource> {
  const { ca } = await devCertificateAuthority(rootFiles, CLUSTER);
  const keys = await generateP256(true);
  const pub = new x509.PublicKey(await crypto.subtle.exportKey('spki', keys.publicKey));
  const issued = await ca.issueWorkload(pub, { trustDomain: TD, namespace: 'default', service }, ttlSeconds, validAt);
  return new MutableTlsSource({ certChainPem: `${issued.pem}\n${ca.intermediate.pem}\n`, keyPem: await privateKeyToPem(keys.privateKey), rootsPem: rootPem });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (isPlexusError(err)) return err.code;
    throw err;
  }
}

const call = (host: string, path = '/') => request(frontend.ports.outbound, { path, headers: { host } });

/** The real mesh still works: frontend → catalog through both sidecars, catalog registered and connected. */
async function trafficUnaffected(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const r = await call('catalog', `/check/${i}`);
    assert.equal(r.status, 200, `traffic through the mesh: ${r.body}`);
    assert.equal(r.body, `catalog /check/${i}`);
  }
  assert.equal(catalog.readiness(), undefined, 'the catalog proxy stays ready');
  const cp = await controlPlaneOf(catalog);
  assert.equal(cp.connected, true, 'the catalog proxy keeps its discovery stream');
  assert.equal(cp.registration.state, 'active', 'the catalog proxy stays registered');
}

async function controlPlaneOf(s: Sidecar): Promise<{ connected: boolean; connects: number; registration: { state: string; incarnation: number } }> {
  const dump = (await (await fetch(`http://127.0.0.1:${s.ports.admin}/config_dump`)).json()) as { controlPlane: never };
  return dump.controlPlane;
}

/** Runs `attack`, which must fail with `code`, and checks nothing changed in the store and the mesh still works. */
/**
 * What an attack could change: every instance record and policy, with its revision. (The store's
 * global revision is not the measure: liveness markers under meta/ are legitimately re-made when
 * a loaded box delays a heartbeat past their short TTL.)
 */
async function attackSurface(): Promise<string> {
  const rows: string[] = [];
  for (const area of ['instances', 'policies']) {
    for (const kv of (await store.list(`/plexus/v1/${CLUSTER}/${area}/`)).items) rows.push(`${kv.key}@${kv.revision}`);
  }
  return rows.sort().join('\n');
}

async function refused(code: string, attack: () => Promise<unknown>): Promise<void> {
  const before = await attackSurface();
  assert.equal(await codeOf(attack()), code);
  assert.equal(await attackSurface(), before, 'instances and policies unchanged');
  await trafficUnaffected();
}

/** One DeltaResources stream as `tls`; resolves with the status it ends with (or 'OPEN' after a response). */
function discoveryStream(tls: TlsSource | undefined, first: Record<string, unknown>, metadata = new grpc.Metadata()): Promise<string> {
  const Ctor = serviceClient('plexus/discovery/v1/discovery.proto', 'plexus.discovery.v1.Discovery');
  const client = new Ctor(configPush.address, controlPlaneChannel({ tls: tls ?? rootsOnlySource(rootPem) }, 'config-push'));
  closers.push(() => client.close());
  return new Promise((resolve) => {
    const stream = (client as unknown as { DeltaResources(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown> }).DeltaResources(metadata);
    const timer = setTimeout(() => resolve('TIMEOUT'), 10_000);
    stream.on('data', () => {
      clearTimeout(timer);
      resolve('OPEN');
      stream.cancel();
    });
    stream.on('error', (err: grpc.ServiceError) => {
      clearTimeout(timer);
      resolve(grpc.status[err.code]);
    });
    stream.write(first);
  });
}

const node = (service: string, instanceId: string) => ({ instanceId, namespace: 'default', service, cluster: CLUSTER, zone: 'z1', labels: {}, proxyVersion: 'attack' });

async function sidecar(service: string, appPort: number): Promise<Sidecar> {
  const { token } = await joinToken(service);
  const s = await startTrustedSidecar({
    cluster: CLUSTER,
    trustDomain: TD,
    service,
    appPort,
    joinToken: token,
    caFile: root.rootCertFile,
    addresses: { registry: registry.address, configPush: configPush.address, identity: identity.address },
  });
  sidecars.push(s);
  return s;
}

before(async () => {
  [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const storeConfig = { backend: 'etcd' as const, endpoints: [etcd.endpoint] };
  store = await createStore(storeConfig);
  root = await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-sec-ca-')));
  rootPem = readFileSync(root.rootCertFile, 'utf8');
  const { ca, rootsPem } = await devCertificateAuthority(root, CLUSTER);
  const tlsDir = mkdtempSync(join(tmpdir(), 'plexus-sec-tls-'));
  const tlsEnv = async (service: 'registry' | 'config-push'): Promise<Record<string, string>> => {
    const files = await writeTlsFiles(join(tlsDir, service), await issueServiceTls(ca, rootsPem, service));
    return { PLEXUS_TLS__CERT_FILE: files.certFile, PLEXUS_TLS__KEY_FILE: files.keyFile, PLEXUS_TLS__CA_FILE: files.caFile };
  };
  const common = {
    PLEXUS_LOG_LEVEL: process.env.PLEXUS_LOG_LEVEL ?? 'warn',
    PLEXUS_CLUSTER: CLUSTER,
    PLEXUS_STORE__BACKEND: 'etcd',
    PLEXUS_STORE__ENDPOINTS: JSON.stringify([etcd.endpoint]),
    PLEXUS_BUS__KIND: 'nats',
    PLEXUS_BUS__SERVERS: JSON.stringify([nats.url]),
    PLEXUS_AUTH__TOKENS: JSON.stringify([
      { name: 'ops', token: ADMIN, role: 'admin' },
      { name: 'watcher', token: VIEWER, role: 'viewer' },
    ]),
  };
  [identity, registry, configPush] = await Promise.all([
    spawnService('identity', 'identity-sec', {
      ...common,
      PLEXUS_CA__ROOT_CERT_FILE: root.rootCertFile,
      PLEXUS_CA__ROOT_KEY_FILE: root.rootKeyFile,
      PLEXUS_CA__GENERATE_INTERMEDIATE: 'true',
      PLEXUS_CA__TOKEN_KEY_FILE: root.tokenKeyFile,
    }),
    spawnService('registry', 'registry-sec', { ...common, ...(await tlsEnv('registry')), PLEXUS_REGISTRY__REGISTRATIONS_PER_SECOND: '5' }),
    spawnService('config-push', 'config-push-sec', { ...common, ...(await tlsEnv('config-push')), PLEXUS_CONFIG_PUSH__DEBOUNCE_MS: '5' }),
  ]);
  admin = new IdentityClient(identity.address, { roots: [rootPem], token: ADMIN });
  closers.push(() => admin.close());

  const catalogApp = await startApp((q, r) => r.end(`catalog ${q.url}`));
  const frontendApp = await startApp((_q, r) => r.end('frontend'));
  apps.push(catalogApp, frontendApp);
  catalog = await sidecar('catalog', catalogApp.port);
  frontend = await sidecar('frontend', frontendApp.port);
  catalogInstance = { id: catalog.config.instance, incarnation: (await controlPlaneOf(catalog)).registration.incarnation };
  await waitFor('frontend → catalog through the mesh', async () => (await call('catalog').catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 20_000 });
  attacker = await workload('attacker');
});

after(async () => {
  await Promise.all(sidecars.map((s) => s.close()));
  await Promise.all(apps.map((a) => a.close()));
  for (const c of closers.reverse()) await c();
  await Promise.all([identity?.stop(), registry?.stop(), configPush?.stop()]);
  await store?.close();
  await Promise.all([etcd?.stop(), nats?.stop()]);
});

const catalogRef = () => ({ namespace: 'default', service: 'catalog', instanceId: catalogInstance.id, incarnation: 0 });
const fakeCatalog = (id?: string) => ({
  namespace: 'default',
  service: 'catalog',
  ...(id ? { instanceId: id } : {}),
  address: '127.0.0.1',
  port: 1,
  protocol: 'PROTOCOL_HTTP1' as const,
});

describe('control-plane attacks are refused (separate processes, real TLS, etcd + NATS)', () => {
  it('the mesh works with real certificates', async () => {
    await trafficUnaffected();
    const dump = (await (await fetch(`http://127.0.0.1:${catalog.ports.admin}/metrics`)).text());
    assert.match(dump, /^plexus_proxy_certificate_expiry_seconds \d+/m);
  });

  it('unauthenticated Register of a fake catalog → UNAUTHENTICATED', () =>
    refused('UNAUTHENTICATED', () => registryAs(undefined).register(fakeCatalog())));

  it("Register with the victim's instance id (another workload's certificate) → PERMISSION_DENIED", () =>
    refused('PERMISSION_DENIED', () => registryAs(attacker).register(fakeCatalog(catalogInstance.id))));

  it("Deregister of another service's instance → PERMISSION_DENIED (and UNAUTHENTICATED without a certificate)", async () => {
    await refused('PERMISSION_DENIED', () => registryAs(attacker).deregister(catalogRef()));
    await refused('UNAUTHENTICATED', () => registryAs(undefined).deregister(catalogRef()));
  });

  it("SetHealth NOT_SERVING on another service's instance → PERMISSION_DENIED", () =>
    refused('PERMISSION_DENIED', () => registryAs(attacker).setHealth(catalogRef(), 'NOT_SERVING')));

  it("heartbeats for another service's instance → PERMISSION_DENIED", () =>
    refused('PERMISSION_DENIED', () => registryAs(attacker).heartbeat({ ...catalogRef(), incarnation: catalogInstance.incarnation })));

  it("mass registration cannot fill another service's cap, and is rate-limited per identity → RESOURCE_EXHAUSTED", async () => {
    await refused('PERMISSION_DENIED', () => registryAs(attacker).register(fakeCatalog()));
    const api = registryAs(attacker);
    const own = { namespace: 'default', service: 'attacker', address: '127.0.0.1', port: 2, protocol: 'PROTOCOL_HTTP1' as const, ttlSeconds: 5 };
    let code = 'OK';
    for (let i = 0; i < 50 && code === 'OK'; i++) code = await codeOf(api.register(own));
    assert.equal(code, 'RESOURCE_EXHAUSTED');
    await refused('RESOURCE_EXHAUSTED', () => api.register(own));
  });

  it('addresses that cannot be a workload are refused → INVALID_ARGUMENT', async () => {
    const { token } = await joinToken('catalog');
    const w = new WorkloadIdentity({ address: identity.address, bootstrapRoots: [rootPem], joinToken: token, namespace: 'default', service: 'catalog', trustDomain: TD });
    await w.start();
    closers.push(() => w.stop());
    const api = registryAs(workloadTlsSource(w));
    for (const address of ['0.0.0.0', '::', '169.254.169.254', 'fe80::1', '224.0.0.1', 'ff02::1', '::ffff:169.254.169.254', '::ffff:0.0.0.0']) {
      await refused('INVALID_ARGUMENT', () => api.register({ ...fakeCatalog(), address }));
    }
  });

  it('registry reads need an operator token: none → UNAUTHENTICATED, a workload certificate alone → UNAUTHENTICATED, viewer → OK', async () => {
    await refused('UNAUTHENTICATED', () => registryAs(undefined).list({}));
    await refused('UNAUTHENTICATED', () => registryAs(attacker).list({}));
    assert.equal(await codeOf(registryAs(undefined, VIEWER).list({})), 'OK');
  });

  it('a discovery stream without a certificate → UNAUTHENTICATED', async () => {
    const before = await store.currentRevision();
    assert.equal(await discoveryStream(undefined, { node: node('catalog', 'spy-1'), type: 'Inbound', subscribe: ['default/catalog'] }), 'UNAUTHENTICATED');
    assert.equal(await store.currentRevision(), before);
    await trafficUnaffected();
  });

  it("a discovery stream claiming another service's node name → PERMISSION_DENIED", async () => {
    assert.equal(await discoveryStream(attacker, { node: node('catalog', 'spy-2'), type: 'Service', subscribe: ['*'] }), 'PERMISSION_DENIED');
    await trafficUnaffected();
  });

  it("another service's Inbound (its access rules) → PERMISSION_DENIED; its own → served", async () => {
    assert.equal(await discoveryStream(attacker, { node: node('attacker', 'spy-3'), type: 'Inbound', subscribe: ['default/catalog'] }), 'PERMISSION_DENIED');
    assert.equal(await discoveryStream(attacker, { node: node('attacker', 'spy-4'), type: 'Inbound', subscribe: ['*'] }), 'PERMISSION_DENIED');
    assert.equal(await discoveryStream(attacker, { node: node('attacker', 'spy-5'), type: 'Inbound', subscribe: ['default/attacker'] }), 'OPEN');
    await trafficUnaffected();
  });

  it("claiming a real proxy's instance id does not kick it off → PERMISSION_DENIED", async () => {
    const connectsBefore = (await controlPlaneOf(catalog)).connects;
    assert.equal(await discoveryStream(attacker, { node: node('attacker', catalogInstance.id), type: 'Service', subscribe: ['*'] }), 'PERMISSION_DENIED');
    await trafficUnaffected();
    assert.equal((await controlPlaneOf(catalog)).connects, connectsBefore, 'the real proxy was not disconnected');
  });

  it('config-push status needs an operator: none → UNAUTHENTICATED, viewer → OK', async () => {
    const channel = controlPlaneChannel({ tls: rootsOnlySource(rootPem) }, 'config-push');
    const anon = new StatusApi(configPush.address, 5000, { credentials: channel });
    const viewer = new StatusApi(configPush.address, 5000, { credentials: channel, token: VIEWER });
    closers.push(() => anon.close(), () => viewer.close());
    await refused('UNAUTHENTICATED', () => anon.proxyStatus({}));
    const status = await viewer.proxyStatus({});
    assert.deepEqual(status.proxies.map((p) => p.node?.service).sort(), ['attacker', 'catalog', 'frontend'].filter((s) => status.proxies.some((p) => p.node?.service === s)));
    assert.ok(status.proxies.some((p) => p.node?.instanceId === catalogInstance.id));
  });

  it('an expired join token → UNAUTHENTICATED', async () => {
    const keyPem = readFileSync(root.tokenKeyFile, 'utf8');
    const { kid } = await publicJwk(await publicKeyFromPrivatePem(keyPem));
    const signer = new JoinTokenSigner(kid, await importP256PrivateKey(keyPem));
    const expired = await signer.create({ namespace: 'default', service: 'catalog' }, 60, undefined, new Date(Date.now() - 3600_000));
    const { csr } = await makeCsr([spiffe('default', 'catalog')]);
    const anon = new IdentityClient(identity.address, { roots: [rootPem] });
    closers.push(() => anon.close());
    await refused('UNAUTHENTICATED', () => anon.issueCertificate(csr, expired.token));
  });

  it('a revoked join token is refused within 1 s of the revoke → UNAUTHENTICATED', async () => {
    const { token, id } = await joinToken('catalog');
    await admin.revokeJoinToken(id);
    const revokedAt = Date.now();
    const anon = new IdentityClient(identity.address, { roots: [rootPem] });
    closers.push(() => anon.close());
    const { csr } = await makeCsr([spiffe('default', 'catalog')]);
    await refused('UNAUTHENTICATED', () => anon.issueCertificate(csr, token));
    assert.ok(Date.now() - revokedAt < 1000, `refused ${Date.now() - revokedAt} ms after the revoke`);
  });

  it('an expired certificate → UNAUTHENTICATED', async () => {
    const expired = await forgedCertificate(root, 'catalog', new Date(Date.now() - 7200_000), 60);
    await refused('UNAUTHENTICATED', () => registryAs(expired).register(fakeCatalog()));
    await refused('UNAUTHENTICATED', () => registryAs(expired).deregister(catalogRef()));
    assert.equal(await discoveryStream(expired, { node: node('catalog', 'spy-6'), type: 'Service', subscribe: ['*'] }), 'UNAUTHENTICATED');
  });

  it('a certificate from another CA → UNAUTHENTICATED', async () => {
    const otherRoot = await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-sec-other-ca-')));
    const foreign = await forgedCertificate(otherRoot, 'catalog', new Date(), 3600);
    await refused('UNAUTHENTICATED', () => registryAs(foreign).register(fakeCatalog()));
    await refused('UNAUTHENTICATED', () => registryAs(foreign).setHealth(catalogRef(), 'NOT_SERVING'));
    assert.equal(await discoveryStream(foreign, { node: node('catalog', 'spy-7'), type: 'Service', subscribe: ['*'] }), 'UNAUTHENTICATED');
  });

  it('a workload whose token names another service cannot obtain or use that identity → PERMISSION_DENIED', async () => {
    const { token } = await joinToken('attacker');
    const anon = new IdentityClient(identity.address, { roots: [rootPem] });
    closers.push(() => anon.close());
    const { csr } = await makeCsr([spiffe('default', 'catalog')]);
    await refused('PERMISSION_DENIED', () => anon.issueCertificate(csr, token));
    await refused('PERMISSION_DENIED', () => registryAs(attacker).register(fakeCatalog()));
  });

  it('operator token calls on identity need admin: viewer → PERMISSION_DENIED', async () => {
    const viewer = new IdentityClient(identity.address, { roots: [rootPem], token: VIEWER });
    closers.push(() => viewer.close());
    await refused('PERMISSION_DENIED', () => viewer.createJoinToken({ namespace: 'default', service: 'catalog' }));
  });
});
