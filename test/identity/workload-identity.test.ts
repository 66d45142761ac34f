// The workload identity client against an in-process identity service with short lifetimes:
// first issuance, renewal at half the lifetime with a fresh key, and a failed renewal that
// keeps the valid certificate and retries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { x509 } from '../../lib/identity/crypto.js';
import { WorkloadIdentity, type WorkloadCredentials } from '../../lib/identity/workload-identity.js';
import { waitFor } from '../harness/index.js';
import { devRoot, startIdentityTestEnv, type IdentityTestEnv } from './support.js';

let env: IdentityTestEnv;
let root: Awaited<ReturnType<typeof devRoot>>;
const started: WorkloadIdentity[] = [];

void describe('workload identity client', () => {
  before(async () => {
    root = await devRoot();
    env = await startIdentityTestEnv({ root, store: { backend: 'memory' }, bus: { kind: 'memory' }, identity: { minCertTtlSeconds: 2 } });
  });
  after(async () => {
    for (const w of started) w.stop();
    await env.close();
  });

  void it('gets a certificate with a join token and renews it at half its lifetime', async () => {
    const { token } = await env.client('admin').createJoinToken({ namespace: 'shop', service: 'cart' });
    const w = new WorkloadIdentity({ address: env.address, bootstrapRoots: [root.rootPem], joinToken: token, namespace: 'shop', service: 'cart', ttlSeconds: 8 });
    started.push(w);
    const changes: WorkloadCredentials[] = [];
    w.on('change', (c: WorkloadCredentials) => changes.push(c));
    const first = await w.start();
    assert.equal(first.spiffeId, 'spiffe://plexus.local/ns/shop/svc/cart');
    assert.equal(first.bundle.length, 1);
    assert.match(first.privateKeyPem, /BEGIN PRIVATE KEY/);
    await waitFor('two renewals', () => changes.filter((c) => c.certChainPem !== first.certChainPem).length >= 2, { timeoutMs: 60_000 });
    const latest = w.current!;
    assert.notEqual(latest.privateKeyPem, first.privateKeyPem, 'each renewal uses a fresh key');
    assert.ok(latest.notAfter > first.notAfter);
    const leaf = new x509.X509Certificate(latest.certChainPem.split(/(?<=-----END CERTIFICATE-----)/)[0]!.trim());
    assert.equal(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.items[0]!.value, first.spiffeId);
  });

  void it('keeps its valid certificate when renewal fails, and retries', async () => {
    const local = await startIdentityTestEnv({ root, store: { backend: 'memory' }, bus: { kind: 'memory' }, identity: { minCertTtlSeconds: 2 }, instance: 'identity-b' });
    const { token } = await local.client('admin').createJoinToken({ namespace: 'shop', service: 'cart' });
    const w = new WorkloadIdentity({
      address: local.address, bootstrapRoots: [root.rootPem], joinToken: token, namespace: 'shop', service: 'cart', ttlSeconds: 4,
      retry: { minMs: 100, maxMs: 200 }, deadlineMs: 500,
    });
    started.push(w);
    const failures: unknown[] = [];
    w.on('renewal-failed', (err) => failures.push(err));
    const first = await w.start();
    await local.close();
    await waitFor('two failed renewals', () => failures.length >= 2, { timeoutMs: 60_000 });
    assert.equal(w.current!.certChainPem, first.certChainPem, 'the current certificate is kept');
    assert.ok(w.current!.notAfter.getTime() > Date.now(), 'and it is still valid');
  });
});
