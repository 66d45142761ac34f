// The identity service in-process on the memory store and bus: issuance, renewal over mTLS,
// trust bundle, CA status, and the hostile-input table (each refused with its precise status,
// nothing written).
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { isPlexusError, type PlexusErrorCode } from '../../lib/errors.js';
import { MemoryHub } from '../../lib/bus/index.js';
import { createBus } from '../../lib/bus/index.js';
import { MemoryStore } from '../../lib/store/index.js';
import { importP256PrivateKey, generateP256, x509, ES256_SIGNING, randomSerial, EC_P256 } from '../../lib/identity/crypto.js';
import { JoinTokenSigner, publicJwk } from '../../lib/identity/join-tokens.js';
import { mintIntermediate } from '../../lib/identity/ca-material.js';
import { silentLogger } from '../../lib/log.js';
import { readFileSync } from 'node:fs';
import { devRoot, makeCsr, startIdentityTestEnv, type IdentityTestEnv } from './support.js';
import promClient from 'prom-client';
import { waitFor } from '../harness/index.js';

const CATALOG = 'spiffe://plexus.local/ns/default/svc/catalog';
let env: IdentityTestEnv;
let root: Awaited<ReturnType<typeof devRoot>>;
let store: MemoryStore;

async function expectCode(p: Promise<unknown>, code: PlexusErrorCode, what: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isPlexusError(err, code), `${what}: expected ${code}, got ${String((err as Error)?.message)}`);
    return true;
  });
}

async function token(service = 'catalog', extra: { ttlSeconds?: number; cluster?: string } = {}): Promise<{ token: string; id: string }> {
  return env.client('admin').createJoinToken({ namespace: 'default', service, ...extra });
}

async function realSigner(): Promise<JoinTokenSigner> {
  const pem = readFileSync(root.tokenKeyFile, 'utf8');
  const { createPublicKey } = await import('node:crypto');
  const pub = await webcrypto.subtle.importKey('spki', createPublicKey(pem).export({ type: 'spki', format: 'der' }), EC_P256, true, ['verify']);
  return new JoinTokenSigner((await publicJwk(pub)).kid, await importP256PrivateKey(pem));
}

void describe('identity service (memory store and bus)', () => {
  before(async () => {
    root = await devRoot();
    store = new MemoryStore();
    const bus = await createBus({ kind: 'memory' }, { cluster: 'test', service: 'identity', replica: 'r1' }, silentLogger(), { hub: new MemoryHub() });
    env = await startIdentityTestEnv({ root, store: { backend: 'memory' }, bus: { kind: 'memory' }, runtime: { store, bus }, identity: { minCertTtlSeconds: 2 } });
  });
  after(async () => {
    await env.close();
  });

  void it('issues an X.509-SVID from a join token: one URI SAN, leaf, P-256, chain to the root', async () => {
    const t = await token();
    const { csr } = await makeCsr([CATALOG], undefined, [{ type: 'dns', value: 'evil.example' }, { type: 'url', value: 'https://x' }]);
    const res = await env.client('anonymous').issueCertificate(csr, t.token);
    assert.equal(res.spiffeId, CATALOG);
    const leaf = new x509.X509Certificate(res.certificate);
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
    assert.deepEqual(san.names.items.map((n) => [n.type, n.value]), [['url', CATALOG]], 'only the SAN the CA set');
    assert.equal(leaf.getExtension(x509.BasicConstraintsExtension)?.ca, false);
    assert.equal(leaf.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
    assert.deepEqual([...(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    assert.equal((leaf.publicKey.algorithm as { namedCurve?: string }).namedCurve, 'P-256');
    assert.equal(res.ttlSeconds, 86_400);
    const chain = await new x509.X509ChainBuilder({ certificates: [new x509.X509Certificate(res.chain[0]!), new x509.X509Certificate(root.rootPem)] }).build(leaf);
    assert.equal(chain.length, 3);
    assert.ok(await leaf.verify({ publicKey: new x509.X509Certificate(res.chain[0]!), signatureOnly: true }));
    assert.deepEqual(res.trustBundle.map((p) => new x509.X509Certificate(p).subject), [new x509.X509Certificate(root.rootPem).subject]);
  });

  void it('renews over mTLS for the same SPIFFE ID only', async () => {
    const t = await token();
    const first = await makeCsr([CATALOG]);
    const res = await env.client('anonymous').issueCertificate(first.csr, t.token);
    const clientCert = { certChainPem: [res.certificate, ...res.chain].join('\n'), privateKeyPem: first.keyPem };
    const renewed = await env.client('anonymous', { clientCert }).renewCertificate((await makeCsr([CATALOG])).csr, 600);
    assert.equal(renewed.spiffeId, CATALOG);
    assert.equal(renewed.ttlSeconds, 600);
    await expectCode(
      env.client('anonymous', { clientCert }).renewCertificate((await makeCsr(['spiffe://plexus.local/ns/default/svc/payments'])).csr),
      'PERMISSION_DENIED',
      'renew for another service',
    );
  });

  void it('serves the trust bundle, a watch and CA status', async () => {
    const bundle = await env.client('anonymous').getTrustBundle();
    assert.equal(bundle.trustDomain, 'plexus.local');
    assert.equal(bundle.roots.length, 1);
    assert.equal(bundle.intermediates.length, 1);
    const got = await new Promise<number>((resolve, reject) => {
      const w = env.client('anonymous').watchTrustBundle(
        (b) => {
          w.cancel();
          resolve(b.roots.length);
        },
        (err) => (err ? reject(err) : undefined),
      );
    });
    assert.equal(got, 1);
    const status = await env.client('viewer').caStatus();
    assert.deepEqual(status.certificates.map((c) => c.kind), ['root', 'intermediate']);
    assert.ok(status.soonestWorkloadExpiry !== '');
    assert.ok(status.issuedLive >= 1);
    await expectCode(env.client('anonymous').caStatus(), 'UNAUTHENTICATED', 'CaStatus without token');
    await expectCode(env.client('viewer').createJoinToken({ service: 'catalog' }), 'PERMISSION_DENIED', 'viewer creates token');
    await expectCode(env.client('editor').revokeJoinToken('x'), 'PERMISSION_DENIED', 'editor revokes token');
  });

  void it('refuses hostile input with the precise status and writes nothing', async () => {
    const good = await token();
    const revoked = await token();
    await env.client('admin').revokeJoinToken(revoked.id);
    const valid = (await makeCsr([CATALOG])).csr;
    const signer = await realSigner();
    const expired = (await signer.create({ namespace: 'default', service: 'catalog' }, 60, undefined, new Date(Date.now() - 3_600_000))).token;
    const otherKey = await generateP256(false);
    const foreign = (await new JoinTokenSigner(signer.kid, otherKey.privateKey).create({ namespace: 'default', service: 'catalog' }, 600)).token;
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { jti: 'n-1', sub: 'default/catalog', aud: 'plexus-identity', iat: now, exp: now + 600 };
    const algNone = `${b64({ alg: 'none', typ: 'JWT', kid: signer.kid })}.${b64(claims)}.`;
    const tokenKey = await importP256PrivateKey(readFileSync(root.tokenKeyFile, 'utf8'));
    const wrongAud = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: signer.kid }).setJti('a-1').setSubject('default/catalog')
      .setAudience('something-else').setIssuedAt().setExpirationTime('10m').sign(tokenKey);
    const otherCluster = (await token('catalog', { cluster: 'elsewhere' })).token;

    const der = x509.PemConverter.decode(valid)[0]!;
    const tampered = new Uint8Array(der.slice(0));
    tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 0xff;
    const badSignature = x509.PemConverter.encode(tampered.buffer, 'CERTIFICATE REQUEST');
    const rsa = (await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 512, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as unknown as Parameters<typeof makeCsr>[1];
    const p384 = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify'])) as unknown as Parameters<typeof makeCsr>[1];
    const p384Csr = (
      await x509.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=x',
        keys: p384!,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
        extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: CATALOG }])],
      })
    ).toString('pem');

    // A certificate from another CA, presented for renewal.
    const otherRoot = await devRoot();
    const otherRootKey = await importP256PrivateKey(readFileSync(otherRoot.rootKeyFile, 'utf8'));
    const otherInt = await mintIntermediate(new x509.X509Certificate(otherRoot.rootPem), otherRootKey, 'x', 86_400);
    const leafKeys = await generateP256(true);
    const foreignLeaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(), subject: 'CN=catalog', issuer: otherInt.cert.subjectName, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3_600_000),
      publicKey: leafKeys.publicKey, signingKey: otherInt.key, signingAlgorithm: ES256_SIGNING,
      extensions: [new x509.BasicConstraintsExtension(false), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]), new x509.SubjectAlternativeNameExtension([{ type: 'url', value: CATALOG }])],
    });
    const foreignCert = { certChainPem: `${foreignLeaf.toString('pem')}\n${otherInt.pem}`, privateKeyPem: (await makeCsr([CATALOG], leafKeys)).keyPem };

    const anon = env.client('anonymous');
    const before = await store.currentRevision();
    const table: Array<[string, () => Promise<unknown>, PlexusErrorCode]> = [
      ['CSR not PEM', () => anon.issueCertificate('hello, CA', good.token), 'INVALID_ARGUMENT'],
      ['CSR garbage in PEM', () => anon.issueCertificate('-----BEGIN CERTIFICATE REQUEST-----\nAAECAwQF\n-----END CERTIFICATE REQUEST-----\n', good.token), 'INVALID_ARGUMENT'],
      ['CSR of 1 MB', () => anon.issueCertificate('A'.repeat(1024 * 1024), good.token), 'INVALID_ARGUMENT'],
      ['CSR with a bad signature', () => anon.issueCertificate(badSignature, good.token), 'INVALID_ARGUMENT'],
      ['CSR with an RSA-512 key', async () => anon.issueCertificate((await makeCsr([CATALOG], rsa)).csr, good.token), 'INVALID_ARGUMENT'],
      ['CSR with a P-384 key', () => anon.issueCertificate(p384Csr, good.token), 'INVALID_ARGUMENT'],
      ['CSR without a SPIFFE ID', async () => anon.issueCertificate((await makeCsr([])).csr, good.token), 'INVALID_ARGUMENT'],
      ['no token', () => anon.issueCertificate(valid, ''), 'UNAUTHENTICATED'],
      ['token expired', () => anon.issueCertificate(valid, expired), 'UNAUTHENTICATED'],
      ['token revoked', () => anon.issueCertificate(valid, revoked.token), 'UNAUTHENTICATED'],
      ['token signed by another key', () => anon.issueCertificate(valid, foreign), 'UNAUTHENTICATED'],
      ['token with alg none', () => anon.issueCertificate(valid, algNone), 'UNAUTHENTICATED'],
      ['token with a wrong audience', () => anon.issueCertificate(valid, wrongAud), 'UNAUTHENTICATED'],
      ['token garbage', () => anon.issueCertificate(valid, 'not.a.jwt'), 'UNAUTHENTICATED'],
      ['token for another cluster', () => anon.issueCertificate(valid, otherCluster), 'PERMISSION_DENIED'],
      ['CSR for another service than the token', async () => anon.issueCertificate((await makeCsr(['spiffe://plexus.local/ns/default/svc/payments'])).csr, good.token), 'PERMISSION_DENIED'],
      ['CSR for two identities', async () => anon.issueCertificate((await makeCsr([CATALOG, 'spiffe://plexus.local/ns/default/svc/payments'])).csr, good.token), 'PERMISSION_DENIED'],
      ['CSR for another trust domain', async () => anon.issueCertificate((await makeCsr(['spiffe://other.org/ns/default/svc/catalog'])).csr, good.token), 'PERMISSION_DENIED'],
      ['renew without client certificate', () => anon.renewCertificate(valid), 'UNAUTHENTICATED'],
      ['renew with a certificate of another CA', () => env.client('anonymous', { clientCert: foreignCert }).renewCertificate(valid), 'UNAUTHENTICATED'],
      ['create token for a bad service name', () => env.client('admin').createJoinToken({ service: 'Not_A_Label' }), 'INVALID_ARGUMENT'],
      ['create token with a TTL above the maximum', () => env.client('admin').createJoinToken({ service: 'catalog', ttlSeconds: 365 * 86_400 }), 'INVALID_ARGUMENT'],
      ['revoke a malformed id', () => env.client('admin').revokeJoinToken('../../etc'), 'INVALID_ARGUMENT'],
    ];
    for (const [what, call, code] of table) await expectCode(call(), code, what);
    assert.equal(await store.currentRevision(), before, 'no refused call wrote to the store');

    const clamped = await anon.issueCertificate(valid, good.token, 10 * 86_400);
    assert.equal(clamped.ttlSeconds, 86_400, 'requested TTL above the maximum is clamped');
    const short = await anon.issueCertificate(valid, good.token, 1);
    assert.equal(short.ttlSeconds, 2, 'requested TTL below the minimum is raised to it');
  });

  void it('reports the soonest expiry among certificates not renewed since, and the gauges count down at scrape', async () => {
    const PROBE = 'spiffe://plexus.local/ns/default/svc/expiry-probe';
    const t = await token('expiry-probe');
    const first = await makeCsr([PROBE]);
    const res = await env.client('anonymous').issueCertificate(first.csr, t.token, 30);
    // Certificates of 2 s from other tests run out first; then the probe's is the soonest.
    await waitFor('the probe certificate is the soonest to expire', async () => (await env.client('viewer').caStatus()).soonestWorkloadSpiffeId === PROBE, { timeoutMs: 10_000, intervalMs: 100 });
    const gauge = async (): Promise<number> => (await promClient.register.getSingleMetric('plexus_identity_workload_soonest_expiry_seconds')!.get()).values[0]?.value ?? NaN;
    const a = await gauge();
    assert.ok(a > 0 && a <= 30, `soonest expiry gauge ${a}`);
    await waitFor('the gauge counts down', async () => (await gauge()) < a - 0.5, { timeoutMs: 10_000, intervalMs: 100 });
    const caGauge = (await promClient.register.getSingleMetric('plexus_identity_ca_expiry_seconds')!.get()).values;
    assert.ok(caGauge.some((v) => v.labels.kind === 'root' && v.value > 0) && caGauge.some((v) => v.labels.kind === 'intermediate' && v.value > 0), 'CA expiry at scrape, no CaStatus call needed');

    const clientCert = { certChainPem: [res.certificate, ...res.chain].join('\n'), privateKeyPem: first.keyPem };
    await env.client('anonymous', { clientCert }).renewCertificate((await makeCsr([PROBE])).csr, 600);
    const status = await env.client('viewer').caStatus();
    assert.notEqual(status.soonestWorkloadExpiry, res.notAfter, 'the renewed certificate no longer counts');
  });
});
