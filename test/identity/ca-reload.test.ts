// The identity service follows its CA files without a restart (README "Security", rotation):
// an unusable change is refused and counted while signing goes on; a new first root with its key
// mints a new intermediate, which signs from then on and replaces the old one in the bundle, and
// a workload with a 24 h certificate renews onto it at once (the bundle's "renew now" signal);
// a root removed from the file leaves the bundle and the workload's roots.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import promClient from 'prom-client';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { parseCertificates, x509 } from '../../lib/identity/crypto.js';
import { IdentityClient } from '../../lib/identity/identity-client.js';
import { WorkloadIdentity } from '../../lib/identity/workload-identity.js';
import { waitFor } from '../harness/index.js';
import { devRoot, startIdentityTestEnv, type IdentityTestEnv } from './support.js';

let env: IdentityTestEnv;
let root: Awaited<ReturnType<typeof devRoot>>;
let w: WorkloadIdentity;
let anon: IdentityClient | undefined;

function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function reloads(result: 'applied' | 'rejected'): Promise<number> {
  const m = await promClient.register.getSingleMetric('plexus_identity_ca_reloads_total')?.get();
  return m?.values.find((v) => v.labels.result === result)?.value ?? 0;
}

/** The root that signed the intermediate that signed `chainPem`'s leaf. */
async function chainsTo(chainPem: string, rootPem: string): Promise<boolean> {
  const [, intermediate] = parseCertificates(chainPem);
  return intermediate !== undefined && intermediate.verify({ publicKey: new x509.X509Certificate(rootPem), signatureOnly: true });
}

void describe('CA files reloaded without restart', () => {
  before(async () => {
    root = await devRoot();
    env = await startIdentityTestEnv({ root, store: { backend: 'memory' }, bus: { kind: 'memory' }, caWatchIntervalMs: 100 });
    const { token } = await env.client('admin').createJoinToken({ namespace: 'shop', service: 'cart' });
    w = new WorkloadIdentity({ address: env.address, bootstrapRoots: [root.rootPem], joinToken: token, namespace: 'shop', service: 'cart', rotationSpreadMs: 500 });
    await w.start();
  });
  after(async () => {
    anon?.close();
    w?.stop();
    await env?.close();
  });

  void it('refuses a half-written root file and keeps signing with the current material', async () => {
    const before = await reloads('rejected');
    const signing = env.service.ca.intermediate;
    replace(root.rootCertFile, '-----BEGIN CERTIFICATE-----\nMIIB');
    await waitFor('the change is refused', async () => (await reloads('rejected')) > before, { timeoutMs: 10_000 });
    assert.equal(env.service.ca.intermediate, signing);
    await w.renew();
    assert.ok(await chainsTo(w.current!.certChainPem, root.rootPem));
    replace(root.rootCertFile, root.rootPem);
  });

  void it('moves signing and the 24 h workload under a new root, then retires the old root', async () => {
    const next = await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-ca-next-')), 'plexus.local-next');
    const nextPem = readFileSync(next.rootCertFile, 'utf8');
    const oldIntermediate = env.service.ca.intermediate.fingerprint;
    // The new root first (it signs the next intermediate), the old one still trusted.
    replace(root.rootKeyFile, readFileSync(next.rootKeyFile, 'utf8'));
    replace(root.rootCertFile, `${nextPem}\n${root.rootPem}`);
    await waitFor('a new intermediate signs', () => env.service.ca.intermediate.fingerprint !== oldIntermediate, { timeoutMs: 10_000 });
    // The service's own certificate is under the new root now: a client must trust both.
    anon = new IdentityClient(env.address, { roots: [root.rootPem, nextPem] });
    const bundle = await anon.getTrustBundle();
    assert.equal(bundle.roots.length, 2);
    assert.deepEqual(bundle.intermediates, [env.service.ca.intermediate.pem], 'the old intermediate left the bundle');
    await waitFor('the workload renewed onto the new chain', async () => chainsTo(w.current!.certChainPem, nextPem), { timeoutMs: 15_000 });
    assert.ok(w.current!.notAfter.getTime() - Date.now() > 23 * 3600_000, 'a 24 h certificate: only the bundle signal moved it');
    assert.equal(w.current!.bundle.length, 2);

    replace(root.rootCertFile, nextPem);
    await waitFor('the old root retired from the workload bundle', () => w.current!.bundle.length === 1, { timeoutMs: 10_000 });
    assert.deepEqual((await anon.getTrustBundle()).roots.map((p) => p.trim()), [nextPem.trim()]);
    await w.renew();
    assert.ok(await chainsTo(w.current!.certChainPem, nextPem), 'renewal keeps working after the retirement');
  });
});
