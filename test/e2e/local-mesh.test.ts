// End to end on the production topology (deploy/local): real etcd and nats-server, two
// processes of each control-plane service, demo apps and sidecars and the gateway as processes.
// Curl through the gateway, apply the canary with the admin token and wait for the rollout, then
// kill -9 one replica of registry, policy and config-push in turn while a steady keep-alive
// request loop runs through the gateway: not one request may fail. Afterwards a new policy change
// applied on the surviving policy replica still reaches every proxy.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startLocalMesh, type LocalMesh, type LocalProxy, type ServiceReplica } from '../../deploy/local/local-mesh.js';
import { waitFor } from '../harness/index.js';
import { canaryWithWeights, describeRun, getThrough, GatewayLoad, plexctl } from './support.js';

const PROXY_NAMES = ['catalog-v1', 'catalog-v2', 'frontend-v1', 'ingress-gateway', 'pricing-v1'];

interface ConfigDump {
  // Sidecars report { state, registry }; the gateway reports only the state (proxy/gateway.ts).
  controlPlane: { connected: boolean; configPush: string | null; registration: { state: string; registry?: string } };
}

async function configDump(p: LocalProxy): Promise<ConfigDump> {
  const res = await fetch(`http://127.0.0.1:${p.adminPort}/config_dump`);
  return (await res.json()) as ConfigDump;
}

async function isReady(adminPort: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
  await res?.body?.cancel();
  return res?.status === 200;
}

describe('local topology (deploy/local) on etcd + NATS, two replicas each', () => {
  let mesh: LocalMesh;
  let startupMs = 0;
  const tempFiles: string[] = [];

  const replica = (service: ServiceReplica['service'], n: number): ServiceReplica => {
    const r = mesh.replicas.find((x) => x.name === `${service}-${n}`);
    assert.ok(r, `${service}-${n} not in the mesh`);
    return r;
  };
  const addr = (r: ServiceReplica): string => `127.0.0.1:${r.grpcPort}`;
  const allProxies = (): LocalProxy[] => [...mesh.proxies, mesh.gateway];

  before(async () => {
    const started = Date.now();
    mesh = await startLocalMesh({ store: 'etcd', replicas: 2 });
    startupMs = Date.now() - started;
  });

  after(async () => {
    await mesh?.close();
    for (const f of tempFiles) await rm(dirname(f), { recursive: true, force: true });
  });

  test('the gateway answers through the sidecar processes', async (t) => {
    t.diagnostic(`local topology up in ${(startupMs / 1000).toFixed(1)} s`);
    assert.deepEqual(mesh.replicas.map((r) => r.name), ['identity-1', 'identity-2', 'registry-1', 'registry-2', 'policy-1', 'policy-2', 'config-push-1', 'config-push-2']);
    const reply = await getThrough(`${mesh.gatewayUrl}/`);
    assert.equal(reply.status, 200, reply.body);
    assert.ok(reply.catalogVersion === 'v1' || reply.catalogVersion === 'v2', reply.body);
  });

  test('plexctl applies the 0/100 canary with the token and waits for the rollout', async () => {
    const file = await canaryWithWeights(0, 100);
    tempFiles.push(file);
    const env = { PLEXCTL_TOKEN: mesh.token, PLEXCTL_CA_FILE: mesh.caFile };
    const flags = ['--server', addr(replica('policy', 1)), '--registry', addr(replica('registry', 1)), '--config-push', addr(replica('config-push', 1)), '--replicas', mesh.addresses.configPush];
    const applied = await plexctl(['apply', '-f', file, '--wait', ...flags], env);
    assert.equal(applied.code, 0, describeRun('plexctl apply --wait', applied));
    const versions = new Set<string>();
    for (let i = 0; i < 20; i++) versions.add(String((await getThrough(`${mesh.gatewayUrl}/`)).catalogVersion));
    assert.deepEqual([...versions], ['v2']);
    // Without the token the policy service refuses the write.
    const anonymous = await plexctl(['apply', '-f', file, ...flags], { PLEXCTL_TOKEN: '', PLEXCTL_CA_FILE: mesh.caFile });
    assert.equal(anonymous.code, 5, describeRun('plexctl apply without a token', anonymous));
  });

  test('kill -9 of one replica of registry, policy and config-push in turn: zero failed requests through the gateway', async (t) => {
    const load = new GatewayLoad(`${mesh.gatewayUrl}/`, 4, 20_000);
    try {
      await load.more(40, 'before any kill');

      // Registry: every proxy's registration moves to the surviving replica.
      const registry1 = replica('registry', 1);
      const registry2 = replica('registry', 2);
      let from = Date.now();
      await registry1.process.kill('SIGKILL');
      await waitFor(
        'every sidecar to heartbeat on registry-2',
        async () => {
          for (const p of allProxies()) {
            const reg = (await configDump(p)).controlPlane.registration;
            if (reg.state !== 'active' || reg.registry !== addr(registry2)) return false;
            if (!(await isReady(p.adminPort))) return false;
          }
          return true;
        },
        { timeoutMs: 45_000, intervalMs: 100 },
      );
      t.diagnostic(`registry failover: ${Date.now() - from} ms`);
      await load.more(40, 'after the registry failover');

      // Policy (not on the data path): the survivor keeps serving.
      const policy1 = replica('policy', 1);
      const policy2 = replica('policy', 2);
      await policy1.process.kill('SIGKILL');
      await waitFor('policy-2 to be ready', () => isReady(policy2.adminPort), { timeoutMs: 30_000, intervalMs: 100 });
      const get = await plexctl(['get', 'Route', 'catalog', '-n', 'default', '--server', addr(policy2)], { PLEXCTL_TOKEN: mesh.token, PLEXCTL_CA_FILE: mesh.caFile });
      assert.equal(get.code, 0, describeRun('plexctl get on policy-2', get));
      await load.more(40, 'after the policy kill');

      // Config-push: every proxy reconnects to the surviving replica and is ready again.
      const configPush1 = replica('config-push', 1);
      const configPush2 = replica('config-push', 2);
      from = Date.now();
      await configPush1.process.kill('SIGKILL');
      await waitFor(
        'every proxy to stream from config-push-2',
        async () => {
          for (const p of allProxies()) {
            const cp = (await configDump(p)).controlPlane;
            if (!cp.connected || cp.configPush !== addr(configPush2)) return false;
            if (!(await isReady(p.adminPort))) return false;
          }
          return true;
        },
        { timeoutMs: 45_000, intervalMs: 100 },
      );
      t.diagnostic(`config-push failover: ${Date.now() - from} ms`);
      await load.more(80, 'after the config-push failover');
    } finally {
      await load.stop();
    }
    t.diagnostic(`requests through the gateway: ${load.completed}, versions ${JSON.stringify(Object.fromEntries(load.versions))}, failures ${load.failures.length}`);
    assert.equal(load.exhausted, false, 'the request budget ran out before the kills were done: the test measured nothing after them');
    assert.deepEqual(load.failures, [], `${load.failures.length} of ${load.completed} requests failed`);
    // The canary was 0/100 and nothing changed it: every answer came from v2.
    assert.deepEqual([...load.versions.keys()], ['v2']);
  });

  test('after the kills, a policy change applied on the surviving policy replica reaches every proxy', async () => {
    const file = await canaryWithWeights(100, 0);
    tempFiles.push(file);
    const flags = ['--server', addr(replica('policy', 2)), '--registry', addr(replica('registry', 2)), '--config-push', addr(replica('config-push', 2))];
    const applied = await plexctl(['apply', '-f', file, '--wait', ...flags], { PLEXCTL_TOKEN: mesh.token, PLEXCTL_CA_FILE: mesh.caFile });
    assert.equal(applied.code, 0, describeRun('plexctl apply --wait on the survivors', applied));
    const versions = new Set<string>();
    for (let i = 0; i < 20; i++) versions.add(String((await getThrough(`${mesh.gatewayUrl}/`)).catalogVersion));
    assert.deepEqual([...versions], ['v1']);

    const status = await plexctl(['proxy-status', '-o', 'json', ...flags], { PLEXCTL_TOKEN: mesh.token, PLEXCTL_CA_FILE: mesh.caFile });
    assert.equal(status.code, 0, describeRun('plexctl proxy-status', status));
    const proxies = JSON.parse(status.stdout) as Array<{ instance: string; replica: string }>;
    assert.deepEqual(proxies.map((p) => p.instance).sort(), PROXY_NAMES);
  });
});
