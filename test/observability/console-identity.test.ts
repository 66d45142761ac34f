// The console's Identity section against a real identity service (in process, memory store and
// bus, TLS with the dev root): CA certificates and the soonest workload expiry appear, a
// replica that does not answer is named, and with no replica answering the section shows the
// error instead of the last certificates. The time-left highlight is checked on the model alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rootsOnlySource } from '../../lib/grpc/tls.js';
import { silentLogger } from '../../lib/log.js';
import { runIdentityReader } from '../../services/console/console-identity.js';
import { ConsoleModel, LOW_SECONDS, type IdentitySnapshot, type IdentityView } from '../../services/console/console-model.js';
import { portOutsideEphemeralRange, waitFor } from '../harness/index.js';
import { devRoot, makeCsr, startIdentityTestEnv, TEST_TOKENS, type IdentityTestEnv } from '../identity/support.js';

const CATALOG = 'spiffe://plexus.local/ns/default/svc/catalog';
type Configured = Extract<IdentityView, { status: unknown }>;

describe('console identity reader', () => {
  let env: IdentityTestEnv;
  let root: Awaited<ReturnType<typeof devRoot>>;
  let rootPem = '';
  let notAfter = '';

  before(async () => {
    root = await devRoot();
    rootPem = root.rootPem;
    env = await startIdentityTestEnv({ root, store: { backend: 'memory' }, bus: { kind: 'memory' } });
    const t = await env.client('admin').createJoinToken({ namespace: 'default', service: 'catalog' });
    const { csr } = await makeCsr([CATALOG]);
    notAfter = (await env.client('anonymous').issueCertificate(csr, t.token, 3600)).notAfter;
  });
  after(() => env?.close());

  const start = (addresses: string[], token: string | undefined = TEST_TOKENS.viewer) => {
    const model = new ConsoleModel({ configured: true, message: 'from CaStatus' });
    const stop = new AbortController();
    const topics: string[] = [];
    model.onChange((t) => topics.push(t));
    const done = runIdentityReader(model, { addresses, token, security: { tls: rootsOnlySource(rootPem) }, intervalMs: 250, logger: silentLogger() }, stop.signal);
    const view = (): Configured => model.identityView(Date.now()) as Configured;
    return { model, view, topics, close: async () => (stop.abort(), await done) };
  };

  test('shows the root, the intermediate, the soonest workload expiry and the counts', async () => {
    const r = start([env.address]);
    try {
      await waitFor('a CaStatus answer', () => r.view().status !== null, { timeoutMs: 10_000, intervalMs: 25 });
      const s = r.view().status!;
      assert.equal(r.view().error, null);
      assert.equal(s.trustDomain, 'plexus.local');
      assert.deepEqual(s.certificates.map((c) => c.kind), ['root', 'intermediate']);
      for (const c of s.certificates) {
        assert.match(c.fingerprint, /^[0-9a-f]{64}$/);
        assert.ok(c.secondsLeft > 0 && c.subject.length > 0, JSON.stringify(c));
      }
      assert.equal(s.certificates[1]!.cluster, 'test');
      assert.deepEqual({ ...s.soonestWorkload, secondsLeft: undefined }, { spiffeId: CATALOG, notAfter, secondsLeft: undefined });
      assert.ok(s.soonestWorkload!.secondsLeft > 3500 && s.soonestWorkload!.secondsLeft <= 3600, String(s.soonestWorkload!.secondsLeft));
      assert.equal(s.liveCertificates, 1);
      assert.equal(s.revokedTokens, 0);
      assert.ok(r.topics.includes('identity'), 'the change is announced (the page is pushed it over SSE)');
    } finally {
      await r.close();
    }
  });

  test('a replica that does not answer is named; the others still fill the section', async () => {
    const dead = `127.0.0.1:${await portOutsideEphemeralRange()}`;
    const r = start([dead, env.address]);
    try {
      await waitFor('the live replica answers and the dead one is named', () => r.view().status !== null && (r.view().error ?? '').includes(dead), { timeoutMs: 10_000, intervalMs: 25 });
      assert.deepEqual(r.view().status!.replicas, [env.address]);
    } finally {
      await r.close();
    }
  });

  test('no replica answering: the error, not the last certificates', async () => {
    const gone = await startIdentityTestEnv({ root, store: { backend: 'memory' }, bus: { kind: 'memory' }, instance: 'identity-gone' });
    const r = start([gone.address]);
    try {
      await waitFor('a CaStatus answer', () => r.view().status !== null, { timeoutMs: 10_000, intervalMs: 25 });
      await gone.close();
      await waitFor('the error replaces the certificates', () => r.view().status === null && r.view().error !== null, { timeoutMs: 15_000, intervalMs: 25 });
      assert.match(r.view().error!, new RegExp(`identity service unreachable: ${gone.address}`));
    } finally {
      await r.close();
      await gone.close().catch(() => undefined);
    }
    const refused = start([env.address], 'not-a-token-00000000000000');
    try {
      await waitFor('a refusal', () => refused.view().error !== null, { timeoutMs: 10_000, intervalMs: 25 });
      assert.equal(refused.view().status, null);
      assert.match(refused.view().error!, /identity service unreachable/);
    } finally {
      await refused.close();
    }
  });

  test('time left is highlighted under a quarter of the lifetime or a week', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const day = 86_400_000;
    const model = new ConsoleModel({ configured: true, message: '' });
    const cases: Array<[from: number, to: number, low: boolean]> = [
      [now - 10 * day, now + 90 * day, false], // 90 % left
      [now - 80 * day, now + 20 * day, true], // 20 % left, over a week
      [now - 3650 * day, now + 6 * day, true], // under a week
      [now - 2 * day, now + 5 * day, true], // under a week although 70 % left
      [now - 30 * day, now - day, true], // expired
    ];
    for (const [from, to, low] of cases) {
      model.identityStatus = snapshot(new Date(from), new Date(to));
      const c = (model.identityView(now) as Configured).status!.certificates[0]!;
      assert.equal(c.low, low, `${new Date(from).toISOString()} – ${new Date(to).toISOString()}`);
      assert.equal(c.secondsLeft, (to - now) / 1000);
    }
    assert.equal(LOW_SECONDS, 7 * 86_400);
  });

  test('not configured: the message only', () => {
    const model = new ConsoleModel({ configured: false, message: 'Identity is not configured' });
    model.identityStatus = snapshot(new Date(), new Date());
    assert.deepEqual(model.view('identity'), { configured: false, message: 'Identity is not configured' });
  });
});

function snapshot(notBefore: Date, notAfter: Date): IdentitySnapshot {
  return {
    trustDomain: 'plexus.local',
    certificates: [{ kind: 'intermediate', subject: 'CN=x', fingerprint: 'ab'.repeat(32), cluster: 'c', notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() }],
    soonestWorkload: null,
    liveCertificates: 0,
    revokedTokens: 0,
    replicas: ['r'],
  };
}
