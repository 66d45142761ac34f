// The mesh on real etcd and NATS: config-push runs as its own process and is killed with
// SIGKILL (traffic keeps flowing; after a restart a new change arrives), and one sidecar runs
// as the real binary (proxy/main.ts) and is stopped with SIGTERM while a request is in flight
// (the request completes, the process exits 0 and leaves the registry).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Sidecar } from '../../proxy/sidecar.js';
import { request, startApp, testMeshTlsEnv, type TestApp } from './fixtures.js';
import { canConnect, startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { CLUSTER, configDump, startControlPlane, startMeshProxy, whileConfigPushDown, type ControlPlane } from './control-plane.js';
import { parseListeningLines, REPORT_LISTENING_ENV } from '../../lib/net.js';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

let etcd: EtcdServer;
let nats: NatsServer;
let cp: ControlPlane;
const apps: TestApp[] = [];
const sidecars: Sidecar[] = [];
let a: Sidecar;

const call = (host: string, path = '/') => request(a.ports.outbound, { path, headers: { host } });

before(async () => {
  [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  cp = await startControlPlane({
    backends: { kind: 'real', store: { backend: 'etcd', endpoints: [etcd.endpoint] }, bus: { kind: 'nats', servers: [nats.url] } },
    configPushProcess: true,
  });
  const bApp = await startApp((q, r) => r.end(`b ${q.url}`));
  const aApp = await startApp((_q, r) => r.end('a'));
  apps.push(bApp, aApp);
  sidecars.push(await startMeshProxy(cp, { service: 'b', appPort: bApp.port }));
  a = await startMeshProxy(cp, { service: 'a', appPort: aApp.port });
  sidecars.push(a);
});

after(async () => {
  await Promise.all(sidecars.map((s) => s.close()));
  await Promise.all(apps.map((x) => x.close()));
  await cp?.close();
  await Promise.all([etcd?.stop(), nats?.stop()]);
});

describe('a mesh on etcd + NATS', () => {
  it('routes through the mesh', async () => {
    const r = await call('b', '/x');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'b /x');
  });

  it('keeps serving while config-push is killed, and gets changes made after its restart', async () => {
    await whileConfigPushDown(cp, a, async () => {
      for (let i = 0; i < 10; i++) assert.equal((await call('b', `/during/${i}`)).status, 200);
    });
    await cp.apply({
      apiVersion: 'plexus.dev/v1',
      kind: 'Route',
      metadata: { name: 'b' },
      spec: { rules: [{ destinations: [{ subset: {} }], headers: { response: { set: { 'x-generation': 'after-restart' } } } }] },
    });
    await waitFor('the change to arrive', async () => (await call('b')).headers['x-generation'] === 'after-restart', { timeoutMs: 15_000 });
  });

  it('drains on SIGTERM: the in-flight request completes, the proxy exits 0 and deregisters', async () => {
    const held: http.ServerResponse[] = [];
    const pApp = await startApp((q, r) => (q.url === '/in-flight' ? held.push(r) : r.end('p')));
    apps.push(pApp);
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'proxy', 'main.ts'), '--service', 'p', '--app.port', String(pApp.port)], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH,
        PLEXUS_CLUSTER: CLUSTER,
        PLEXUS_LOG_LEVEL: 'warn',
        PLEXUS_ACCESS_LOG: 'false',
        // Each listener binds port 0 and the proxy reports the port it got on stdout.
        [REPORT_LISTENING_ENV]: '1',
        PLEXUS_ADMIN__PORT: '0',
        PLEXUS_OUTBOUND__PORT: '0',
        PLEXUS_INBOUND__HOST: '127.0.0.1',
        PLEXUS_INBOUND__PORT: '0',
        PLEXUS_CONTROL_PLANE__REGISTRY: cp.registryAddress,
        PLEXUS_CONTROL_PLANE__CONFIG_PUSH: cp.configPushAddress,
        PLEXUS_DRAIN_TIMEOUT_MS: '10000',
        ...(await testMeshTlsEnv('p')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const port = (name: string): number | undefined => parseListeningLines(output).find((r) => r.name === name)?.port;
    try {
      await waitFor('the proxy to report its ports', () => port('admin') !== undefined && port('inbound') !== undefined, { timeoutMs: 30_000 });
      const [admin, inbound] = [port('admin')!, port('inbound')!];
      await waitFor('the proxy process to be ready', async () => {
        const res = await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined);
        return res?.status === 200;
      }, { timeoutMs: 30_000 });
      await waitFor('a to reach p', async () => (await call('p', '/')).status === 200, { timeoutMs: 15_000 });
      const inflight = call('p', '/in-flight');
      await waitFor('the in-flight request at p', () => held.length === 1);
      child.kill('SIGTERM');
      await waitFor('p gone from a\'s endpoints', async () => (await configDump(a)).services['default/p']?.endpoints?.body.endpoints.length === 0, { timeoutMs: 15_000 });
      // DRAINING first (callers stop choosing p), then the inbound listener stops accepting.
      await waitFor('the draining proxy to refuse new inbound connections', async () => !(await canConnect(inbound)), { timeoutMs: 10_000 });
      held[0]!.end('completed while draining');
      const r = await inflight;
      assert.equal(r.status, 200);
      assert.equal(r.body, 'completed while draining');
      assert.equal(await exited, 0, output);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
