// Two identity replicas of one cluster on a real etcd and nats-server, each with its own
// intermediate and its own join-token key: a token minted by one is accepted by the other, a
// certificate from one renews at the other, and a revocation at one is refused by the other
// within 1 s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPlexusError } from '../../lib/errors.js';
import { startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { devRoot, makeCsr, startIdentityTestEnv, type IdentityTestEnv } from './support.js';

const CATALOG = 'spiffe://plexus.local/ns/default/svc/catalog';

void describe('identity replicas on etcd and NATS', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let a: IdentityTestEnv;
  let b: IdentityTestEnv;

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    const root = await devRoot();
    const common = { root, store: { backend: 'etcd' as const, endpoints: [etcd.endpoint] }, bus: { kind: 'nats' as const, servers: [nats.url] }, sharedTokenKey: false };
    a = await startIdentityTestEnv({ ...common, instance: 'identity-a' });
    b = await startIdentityTestEnv({ ...common, instance: 'identity-b' });
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await Promise.allSettled([etcd?.stop(), nats?.stop()]);
  });

  void it('shares tokens, certificates and the bundle across replicas', async () => {
    const t = await a.client('admin').createJoinToken({ service: 'catalog' });
    const first = await makeCsr([CATALOG]);
    const issued = await b.client('anonymous').issueCertificate(first.csr, t.token);
    const clientCert = { certChainPem: [issued.certificate, ...issued.chain].join('\n'), privateKeyPem: first.keyPem };
    const renewed = await a.client('anonymous', { clientCert }).renewCertificate((await makeCsr([CATALOG])).csr);
    assert.equal(renewed.spiffeId, CATALOG);
    await waitFor('both intermediates in both bundles', async () => {
      const [ba, bb] = await Promise.all([a.client('anonymous').getTrustBundle(), b.client('anonymous').getTrustBundle()]);
      return ba.intermediates.length === 2 && bb.intermediates.length === 2 && ba.roots.length === 1;
    });
  });

  void it('a revocation at one replica is effective at the other within 1 s', async () => {
    const t = await a.client('admin').createJoinToken({ service: 'catalog' });
    const { csr } = await makeCsr([CATALOG]);
    await b.client('anonymous').issueCertificate(csr, t.token);
    const bClient = b.client('anonymous');
    const started = Date.now();
    const res = await a.client('admin').revokeJoinToken(t.id);
    assert.equal(res.alreadyRevoked, false);
    let refusedAfter = -1;
    while (Date.now() - started < 2000) {
      try {
        await bClient.issueCertificate(csr, t.token);
      } catch (err) {
        assert.ok(isPlexusError(err, 'UNAUTHENTICATED'), String(err));
        refusedAfter = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(refusedAfter >= 0 && refusedAfter < 1000, `refused after ${refusedAfter} ms`);
    assert.equal((await b.client('admin').revokeJoinToken(t.id)).alreadyRevoked, true, 'idempotent at the other replica');
    const status = await b.client('viewer').caStatus();
    assert.ok(status.revokedTokens >= 1);
  });
});
