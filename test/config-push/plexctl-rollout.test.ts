// plexctl's config-push commands end to end: apply --wait, rollout status, proxy-status and
// proxy-config, against an in-process policy service and config-push on real etcd and NATS, with
// protocol-speaking test proxies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runPlexctl } from '../../cli/plexctl/main.js';
import type { DiscoveryClient } from '../../lib/discovery-client/index.js';
import { createBus } from '../../lib/bus/index.js';
import type { EventBus } from '../../lib/bus/bus.js';
import { silentLogger } from '../../lib/log.js';
import { createStore } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import { startPolicyTestEnv, TEST_TOKENS, type PolicyTestEnv } from '../policy/policy-test-env.js';
import { startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { instanceRecord, MeshWriter } from './fixtures.js';
import { CLUSTER, startReplica, testProxy, type Replica } from './support.js';

function route(name: string, timeout: string): string {
  return [
    'apiVersion: plexus.dev/v1',
    'kind: Route',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  rules:',
    '    - destinations:',
    '        - subset: {}',
    `      timeout: ${timeout}`,
    '',
  ].join('\n');
}

describe('plexctl config-push commands (etcd + NATS)', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let store: Store;
  let bus: EventBus;
  let policy: PolicyTestEnv;
  let cpA: Replica;
  let cpB: Replica;
  const proxies: DiscoveryClient[] = [];

  async function plexctl(argv: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runPlexctl(
      [...argv, '--server', policy.address, '--config-push', cpA.address, '--replicas', cpB.address, '--token', TEST_TOKENS.admin],
      { stdout: { write: (s) => void (out += s) }, stderr: { write: (s) => void (err += s) }, env: { PLEXCTL_INSECURE: '1' }, ...(stdin === undefined ? {} : { stdin }) },
    );
    return { code, out, err };
  }

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    const storeConfig = { backend: 'etcd' as const, endpoints: [etcd.endpoint] };
    const busConfig = { kind: 'nats' as const, servers: [nats.url] };
    store = await createStore(storeConfig);
    bus = await createBus(busConfig, { cluster: CLUSTER, service: 'writer', replica: 'w' }, silentLogger());
    const writer = new MeshWriter(CLUSTER, store, bus);
    await writer.putInstance(instanceRecord('default', 'web', 'web-1'));
    await writer.putInstance(instanceRecord('default', 'pay', 'pay-1'));
    policy = await startPolicyTestEnv({ store: storeConfig, bus: busConfig, cluster: CLUSTER });
    cpA = await startReplica({ name: 'cp-a', store: storeConfig, bus: busConfig, configPush: { debounceMs: 5, maxDelayMs: 50 } });
    cpB = await startReplica({ name: 'cp-b', store: storeConfig, bus: busConfig, configPush: { debounceMs: 5, maxDelayMs: 50 } });
    // Proxies on both replicas; one rejects any Service carrying a 999 ms timeout.
    proxies.push(testProxy(cpA.address, { Service: ['default/web', 'default/pay'] }, { id: 'web-proxy-a' }));
    proxies.push(testProxy(cpB.address, { Service: ['default/web'] }, { id: 'web-proxy-b' }));
    proxies.push(
      testProxy(cpB.address, { Service: ['default/pay'] }, {
        id: 'picky-proxy',
        verify: (r) => (r.resources.some((x) => x.body.toString().includes('"timeoutMs":999')) ? 'route timeout 999ms refused by test proxy' : undefined),
      }),
    );
    await waitFor('proxies synced', () => proxies.every((p) => p.held('Service').size > 0));
  });

  after(async () => {
    for (const p of proxies) p.close();
    await cpA?.close();
    await cpB?.close();
    await policy?.close();
    await bus?.close();
    await store?.close();
    await Promise.all([etcd?.stop(), nats?.stop()]);
  });

  it('apply --wait reports the rollout across replicas; rollout status agrees', async () => {
    const r = await plexctl(['apply', '-f', '-', '--wait'], route('web', '1500ms'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Route default\/web created \(revision \d+\)/);
    assert.match(r.out, /Route default\/web revision \d+: rolled out to 2\/2 proxies/);
    for (const p of proxies.slice(0, 2)) assert.equal(p.body('Service', 'default/web')?.routes[0]?.timeoutMs, 1500);
    const status = await plexctl(['rollout', 'status', 'route/default/web', '-o', 'json']);
    assert.equal(status.code, 0, status.err);
    const json = JSON.parse(status.out) as { outcome: string; affected: number; acked: number; replicas: number };
    assert.deepEqual({ outcome: json.outcome, affected: json.affected, acked: json.acked, replicas: json.replicas }, { outcome: 'COMPLETE', affected: 2, acked: 2, replicas: 2 });
  });

  it('a rejected rollout exits non-zero and names the proxy and its error', async () => {
    const r = await plexctl(['apply', '-f', '-', '--wait', '--wait-timeout', '10s'], route('pay', '999ms'));
    assert.equal(r.code, 9, `${r.out}\n${r.err}`);
    assert.match(r.err, /REJECTED by 1 of 2 proxies \(1 acked\)/);
    assert.match(r.err, /rejected by picky-proxy: Service default\/pay .*route timeout 999ms refused by test proxy/);

    const st = await plexctl(['proxy-status']);
    assert.equal(st.code, 0, st.err);
    const picky = st.out.split('\n').find((l) => l.startsWith('picky-proxy'))!;
    assert.match(picky, /cp-b/);
    assert.match(picky, /NACKED/);
    assert.match(picky, /Service: route timeout 999ms refused/);
    assert.match(st.out.split('\n').find((l) => l.startsWith('web-proxy-a'))!, /SYNCED/);
  });

  it('proxy-config shows what one proxy holds, on whichever replica it is connected to', async () => {
    const r = await plexctl(['proxy-config', 'web-proxy-b', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const cfg = JSON.parse(r.out) as { proxy: { replica: string }; resources: Array<{ type: string; name: string; state: string; body: { routes: Array<{ timeoutMs: number }> } }> };
    assert.equal(cfg.proxy.replica, 'cp-b');
    const web = cfg.resources.find((x) => x.type === 'Service' && x.name === 'default/web')!;
    assert.equal(web.state, 'SYNCED');
    assert.equal(web.body.routes[0]?.timeoutMs, 1500);
    const table = await plexctl(['proxy-config', 'web-proxy-a', '-o', 'table']);
    assert.match(table.out, /Service\s+default\/pay\s+SYNCED/);
    const missing = await plexctl(['proxy-config', 'nobody']);
    assert.equal(missing.code, 7);
    assert.match(missing.err, /not connected/);
  });

  it('apply --wait counts a registered proxy without a stream as DISCONNECTED and exits 10 naming it', async () => {
    // web-1 is registered (its record is in the store) but no proxy of it is connected: an
    // Access change to default/web must reach it and cannot.
    const access = ['apiVersion: plexus.dev/v1', 'kind: Access', 'metadata:', '  name: web', 'spec:', '  rules:', '    - from: ["default/*"]', '      action: allow', ''].join('\n');
    const r = await plexctl(['apply', '-f', '-', '--wait', '--wait-timeout', '1500ms'], access);
    assert.equal(r.code, 10, `${r.out}\n${r.err}`);
    assert.match(r.err, /NOT COMPLETE after .*1 disconnected/);
    assert.match(r.err, /disconnected: web-1 \(registered, no stream to any config-push replica\)/);
    assert.doesNotMatch(r.out, /rolled out to 0\/0/);
    const st = await plexctl(['proxy-status', '--stale-after', '0s']);
    assert.equal(st.code, 0, st.err);
    assert.match(st.out.split('\n').find((l) => l.startsWith('web-1'))!, /DISCONNECTED \(unknown\)/);
  });

  it('a proxy that left shows STALE with the time since, and holds back rollouts it subscribed to', async () => {
    const leaver = testProxy([cpA.address], { Service: ['default/web'] }, { id: 'pay-1', service: 'pay' });
    await waitFor('leaver synced', () => leaver.held('Service').size > 0);
    leaver.close();
    await waitFor('pay-1 reported STALE', async () => /^pay-1 .*STALE \(\d+s\)/m.test((await plexctl(['proxy-status', '--stale-after', '0s', '--service', 'pay'])).out));
    const r = await plexctl(['apply', '-f', '-', '--wait', '--wait-timeout', '1s'], route('web', '1600ms'));
    assert.equal(r.code, 10, `${r.out}\n${r.err}`);
    assert.match(r.err, /disconnected: pay-1/);
  });

  it('a NACKed version is never resent: not after a reconnect, not by the other replica', async () => {
    const seen: string[] = [];
    const q = testProxy([cpA.address, cpB.address], { Service: ['default/pay'] }, {
      id: 'quarantine-proxy',
      verify: (res) => (res.resources.some((x) => x.body.toString().includes('"timeoutMs":777')) ? 'timeout 777ms refused' : undefined),
    });
    proxies.push(q);
    q.on('response', (res) => {
      for (const x of res.resources) if (x.body.toString().includes('"timeoutMs":777')) seen.push(`${q.address ?? '?'} ${x.version}`);
    });
    await waitFor('quarantine proxy synced', () => q.held('Service').size > 0);
    const nacked = new Promise<void>((resolve) => q.once('nacked', () => resolve()));
    await plexctl(['apply', '-f', '-'], route('pay', '777ms'));
    await nacked;
    assert.equal(seen.length, 1);
    assert.equal(q.rejected('Service').size, 1);
    // Reconnect twice: to cp-b, then back to cp-a. Each replica must learn the rejection from
    // the first request and report the proxy NACKED without sending the version again.
    for (const expected of ['cp-b', 'cp-a']) {
      const connects = q.connects;
      q.reconnect();
      await waitFor(`moved to ${expected}`, () => q.connects > connects && q.connected);
      await waitFor(`${expected} reports the rejection`, async () => {
        const st = await plexctl(['proxy-status', '-o', 'json']);
        const me = (JSON.parse(st.out) as Array<{ instance: string; replica: string; types?: Array<{ type: string; state: string; lastNack: { message: string } | null }> }>).find((p) => p.instance === 'quarantine-proxy');
        const svc = me?.types?.find((t) => t.type === 'Service');
        return me?.replica === expected && svc?.state === 'NACKED' && svc.lastNack?.message === 'timeout 777ms refused';
      });
    }
    assert.equal(seen.length, 1, `rejected version resent: ${seen.join(', ')}`);
    const rs = await plexctl(['rollout', 'status', 'route/default/pay', '--wait-timeout', '2s']);
    assert.equal(rs.code, 9, `${rs.out}\n${rs.err}`);
    assert.match(rs.err, /rejected by quarantine-proxy/);
    // A newer version is sent and accepted; the quarantine ends.
    const ok = await plexctl(['apply', '-f', '-'], route('pay', '800ms'));
    assert.equal(ok.code, 0, ok.err);
    await waitFor('newer version accepted', () => q.body('Service', 'default/pay')?.routes[0]?.timeoutMs === 800);
    assert.equal(q.rejected('Service').size, 0);
  });

  it('rollout status: usage and not-found errors have their exit codes', async () => {
    assert.equal((await plexctl(['rollout', 'status'])).code, 2);
    assert.equal((await plexctl(['rollout', 'status', 'bogus/x/y'])).code, 2);
    const missing = await plexctl(['rollout', 'status', 'route/default/none']);
    assert.equal(missing.code, 7, missing.err);
    assert.match(missing.err, /does not exist/);
  });
});
