// Faults on the production topology (deploy/local: real etcd and nats-server, two processes of
// each control-plane service, demo apps behind sidecars, the gateway), TTL 3 s, with a steady
// request loop through the gateway the whole time. Each fault must cost zero failed requests,
// and the mesh must converge afterwards (every proxy registered and streaming, a new
// `plexctl apply --wait` succeeds):
//   - every registry replica killed for 3× TTL, then one restarted; a sidecar killed -9 during
//     that outage is removed within TTL + grace after the registry is back, nothing else ever;
//   - etcd killed for 3× TTL, then restarted;
//   - NATS killed, then restarted; both config-push replicas killed, then restarted — for 10 s
//     each by default, 30 s with PLEXUS_SOAK=1;
//   - a 90/10 canary whose v1 sidecar is frozen (SIGSTOP) past its TTL: the v1 share goes to v2
//     (subset fallback), then SIGCONT and full convergence.
// plexctl is given every replica of each service (address lists).
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startLocalMesh, type LocalMesh, type LocalProxy } from '../../deploy/local/local-mesh.js';
import { createStore } from '../../lib/store/index.js';
import { instancesPrefix } from '../../lib/store/keys.js';
import type { Store, Watch } from '../../lib/store/store.js';
import { waitFor } from '../harness/index.js';
import { canaryWithWeights, describeRun, GatewayLoad, plexctl } from './support.js';

const TTL = 3;
const GRACE = 3;
const LONG_MS = process.env.PLEXUS_SOAK === '1' ? 30_000 : 10_000;

async function dump(p: LocalProxy): Promise<{ controlPlane: { connected: boolean; registration: { state: string } } }> {
  const res = await fetch(`http://127.0.0.1:${p.adminPort}/config_dump`);
  return (await res.json()) as { controlPlane: { connected: boolean; registration: { state: string } } };
}

async function lasting(ms: number): Promise<void> {
  const until = Date.now() + ms;
  await waitFor(`${ms} ms to pass`, () => Date.now() >= until, { timeoutMs: ms + 5000, intervalMs: 100 });
}

describe('fault suite on the local topology (etcd + NATS, two replicas each)', { timeout: 300_000 }, () => {
  let mesh: LocalMesh;
  let store: Store | undefined;
  let load: GatewayLoad | undefined;
  const tempFiles: string[] = [];
  const live = (): LocalProxy[] => [...mesh.proxies.filter((p) => p.process.running), mesh.gateway];
  const flags = (): string[] => ['--server', mesh.addresses.policy, '--registry', mesh.addresses.registry, '--config-push', mesh.addresses.configPush];
  const plexctlEnv = (): NodeJS.ProcessEnv => ({ PLEXCTL_TOKEN: mesh.token, PLEXCTL_CA_FILE: mesh.caFile });

  /** Every live proxy registered, streaming config, ready. */
  const converged = (what: string): Promise<void> =>
    waitFor(
      what,
      async () => {
        for (const p of live()) {
          const cp = (await dump(p)).controlPlane;
          if (!cp.connected || cp.registration.state !== 'active') return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  before(async () => {
    mesh = await startLocalMesh({
      store: 'etcd',
      replicas: 2,
      ttlSeconds: TTL,
      serviceEnv: { registry: { PLEXUS_REGISTRY__EXPIRY_GRACE_SECONDS: String(GRACE), PLEXUS_REGISTRY__REAPER_TICK_MS: '200' } },
    });
    // All traffic on catalog v1: catalog-v2's sidecar can die without being on the data path.
    const file = await canaryWithWeights(100, 0);
    tempFiles.push(file);
    const applied = await plexctl(['apply', '-f', file, '--wait', ...flags()], { PLEXCTL_TOKEN: mesh.token, PLEXCTL_CA_FILE: mesh.caFile });
    assert.equal(applied.code, 0, describeRun('plexctl apply --wait', applied));
    load = new GatewayLoad(`${mesh.gatewayUrl}/`, 3, 1_000_000);
    await load.more(30, 'before any fault');
  });

  after(async () => {
    await load?.stop();
    await store?.close();
    await mesh?.close();
    for (const f of tempFiles) await rm(dirname(f), { recursive: true, force: true });
  });

  test('every registry replica killed for 3× TTL, one restarted: nothing removed but the sidecar killed meanwhile, within TTL + grace', async (t) => {
    assert.equal(mesh.backends.store.kind, 'etcd', 'the suite runs on etcd');
    store = await createStore({ backend: 'etcd', endpoints: mesh.backends.store.members.map((m) => m.address) });
    const deleted: string[] = [];
    const watch: Watch = await store.watch(instancesPrefix('local'), (await store.currentRevision()) + 1, {
      onEvents: (events) => {
        for (const e of events) if (e.type === 'delete') deleted.push(e.key.split('/').pop()!);
      },
      onResync: (reason) => deleted.push(`!resync ${reason}`),
    });
    try {
      const registries = mesh.replicas.filter((r) => r.service === 'registry');
      await Promise.all(registries.map((r) => r.process.kill('SIGKILL')));
      const victim = mesh.proxies.find((p) => p.name === 'catalog-v2')!;
      await victim.process.kill('SIGKILL');
      await lasting(3 * TTL * 1000);
      assert.equal(deleted.length, 0, `nothing removed while no registry runs, saw ${deleted.join(', ')}`);
      await registries[0]!.process.start();
      const upAt = Date.now();
      await waitFor('the killed sidecar removed', () => deleted.includes('catalog-v2'), { timeoutMs: (TTL + GRACE) * 1000 + 10_000, intervalMs: 50 });
      const took = Date.now() - upAt;
      t.diagnostic(`catalog-v2 removed ${took} ms after registry-1 was ready again`);
      assert.ok(took <= (TTL + GRACE) * 1000 + 2000, `removed ${took} ms after the registry returned`);
      await registries[1]!.process.start();
      await converged('every live proxy registered and streaming after the registry outage');
      await lasting(TTL * 1000);
      assert.deepEqual(deleted, ['catalog-v2'], 'only the dead sidecar was ever removed');
      await load!.more(30, 'after the registry outage');
    } finally {
      await watch.close();
    }
  });

  test('etcd killed for 3× TTL, then restarted', async () => {
    await mesh.backends.store.members[0]!.process.kill('SIGKILL');
    await lasting(3 * TTL * 1000);
    await mesh.backends.store.members[0]!.process.start();
    await converged('every live proxy registered and streaming after the etcd outage');
    await load!.more(30, 'after the etcd outage');
  });

  test(`NATS killed for ${LONG_MS / 1000} s, then restarted`, async () => {
    await mesh.backends.bus.members[0]!.process.kill('SIGKILL');
    await lasting(LONG_MS);
    await mesh.backends.bus.members[0]!.process.start();
    await converged('every live proxy streaming after the NATS outage');
    await load!.more(30, 'after the NATS outage');
  });

  test(`both config-push replicas killed for ${LONG_MS / 1000} s, then restarted`, async () => {
    const pushes = mesh.replicas.filter((r) => r.service === 'config-push');
    await Promise.all(pushes.map((r) => r.process.kill('SIGKILL')));
    await lasting(LONG_MS);
    await Promise.all(pushes.map((r) => r.process.start()));
    await converged('every live proxy streaming after the config-push outage');
    await load!.more(30, 'after the config-push outage');
  });

  test('a 90/10 canary whose v1 sidecar is frozen (SIGSTOP) past its TTL: its share goes to v2; SIGCONT, then full convergence', async (t) => {
    // catalog-v2's sidecar died in the registry outage: start it again (same ports; its app runs).
    const v2 = mesh.proxies.find((p) => p.name === 'catalog-v2')!;
    if (!v2.process.running) await v2.process.start();
    await converged('catalog-v2 registered and streaming again');
    const file = await canaryWithWeights(90, 10);
    tempFiles.push(file);
    const applied = await plexctl(['apply', '-f', file, '--wait', '--wait-timeout', '30s', ...flags()], plexctlEnv());
    assert.equal(applied.code, 0, describeRun('plexctl apply --wait of the 90/10 canary', applied));
    await load!.more(30, 'on the 90/10 canary');
    const v1 = mesh.proxies.find((p) => p.name === 'catalog-v1')!;
    await v1.process.pause();
    const pausedAt = { at: Date.now(), completed: load!.completed };
    let resumedAt = Number.POSITIVE_INFINITY;
    try {
      // Past its TTL: the registry removes the frozen instance and the v1 subset has no endpoint.
      await lasting((TTL + GRACE) * 1000);
      await load!.more(30, 'while catalog-v1 is frozen');
    } finally {
      resumedAt = Date.now();
      v1.process.resume();
    }
    // Requests sent while it was frozen (an answer v1 wrote just before may still arrive after).
    const sent = load!.versionsSentBetween(pausedAt.at, resumedAt);
    const during = { v1: sent.get('v1') ?? 0, v2: sent.get('v2') ?? 0 };
    t.diagnostic(`while catalog-v1 was frozen: ${load!.completed - pausedAt.completed} requests, v2 answered ${during.v2} of those sent after the freeze, failures so far ${load!.failures.length}`);
    assert.equal(during.v1, 0, 'a frozen sidecar answers nothing sent after the freeze');
    assert.ok(during.v2 >= 30, `v2 took the whole share while v1 was frozen (${during.v2})`);
    await converged('every proxy registered and streaming after SIGCONT');
    await load!.more(30, 'after catalog-v1 resumed');
  });

  test('afterwards: zero failed requests, every proxy SYNCED, and a new apply --wait reaches every proxy', async (t) => {
    const file = await canaryWithWeights(80, 20);
    tempFiles.push(file);
    const applied = await plexctl(['apply', '-f', file, '--wait', '--wait-timeout', '30s', ...flags()], plexctlEnv());
    assert.equal(applied.code, 0, describeRun('plexctl apply --wait after the faults', applied));
    const status = await plexctl(['proxy-status', '-o', 'json', ...flags()], plexctlEnv());
    assert.equal(status.code, 0, describeRun('plexctl proxy-status', status));
    const rows = JSON.parse(status.stdout) as Array<{ instance: string; state?: string; types?: Array<{ type: string; state: string }> }>;
    const notSynced = rows.filter((r) => r.types === undefined || r.types.some((ty) => ty.state !== 'SYNCED')).map((r) => `${r.instance}: ${r.state ?? r.types?.map((ty) => `${ty.type}=${ty.state}`).join(',')}`);
    assert.deepEqual(notSynced, [], 'every proxy SYNCED');
    assert.equal(rows.length, mesh.proxies.length + 1, `every sidecar and the gateway listed: ${rows.map((r) => r.instance).join(', ')}`);
    await load!.stop();
    t.diagnostic(`requests through the gateway: ${load!.completed}, failures ${load!.failures.length}`);
    assert.deepEqual(load!.failures, [], `${load!.failures.length} of ${load!.completed} requests failed`);
  });
});
