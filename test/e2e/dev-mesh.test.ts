// End to end: the dev mesh exactly as the README drives it — the start command (on free ports
// instead of the standard ones), curl the gateway, `plexctl apply --wait` a 0/100 canary, every
// following request answered by catalog v2, `plexctl proxy-status`, then Ctrl-C (SIGINT) stops
// it cleanly with nothing left running.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canConnect, waitFor } from '../harness/index.js';
import { alive, canaryWithWeights, describeRun, descendants, getThrough, plexctl, startDevMesh, type DevMesh, type DevMeshPorts } from './support.js';

/** The dev mesh is meant to be up in under 30 s; this bound only catches hangs on a loaded machine. */
const STARTUP_BOUND_MS = 60_000;

describe('dev mesh (npm start) end to end', () => {
  let mesh: DevMesh;
  let gatewayUrl = '';
  let ports: DevMeshPorts;
  let flags: string[] = [];
  let canaryFile: string | undefined;

  before(async () => {
    mesh = await startDevMesh(STARTUP_BOUND_MS);
    ({ gatewayUrl, ports, flags } = mesh);
  });

  after(async () => {
    await mesh?.stop('SIGKILL');
    if (canaryFile) await rm(dirname(canaryFile), { recursive: true, force: true });
  });

  test('is up well within the bound and prints what to try, with the plexctl flags for these ports', (t) => {
    t.diagnostic(`dev mesh up in ${(mesh.startupMs / 1000).toFixed(1)} s (spawn → banner; the goal is < 30 s)`);
    assert.ok(mesh.startupMs < STARTUP_BOUND_MS, `startup took ${mesh.startupMs} ms`);
    assert.match(mesh.stdout, new RegExp(`curl -s ${gatewayUrl}/`));
    // Non-standard ports: every plexctl hint carries the flags that reach this mesh.
    const hints = mesh.stdout.split('\n').filter((l) => l.includes('npx plexctl'));
    assert.ok(hints.length >= 4, mesh.stdout);
    for (const hint of hints) {
      assert.ok(hint.includes(`--server 127.0.0.1:${ports.policy}`), hint);
      assert.ok(hint.includes(`--registry 127.0.0.1:${ports.registry}`), hint);
      assert.ok(hint.includes(`--config-push 127.0.0.1:${ports.configPush}`), hint);
    }
    assert.match(mesh.stdout, new RegExp(`http://127\\.0\\.0\\.1:${ports.configPushAdmin}/metrics`));
  });

  test('the gateway answers with JSON naming the catalog version', async () => {
    const reply = await getThrough(`${gatewayUrl}/`);
    assert.equal(reply.status, 200, reply.body);
    assert.ok(reply.catalogVersion === 'v1' || reply.catalogVersion === 'v2', reply.body);
  });

  test('after plexctl apply --wait of a 0/100 canary, every request reports v2', async () => {
    canaryFile = await canaryWithWeights(0, 100);
    const applied = await plexctl(['apply', '-f', canaryFile, '--wait', ...flags]);
    assert.equal(applied.code, 0, describeRun('plexctl apply --wait', applied));
    assert.match(applied.stdout, /Route default\/catalog/);

    // Keep-alive, like a browser or curl loop would reuse connections to the gateway.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const versions: string[] = [];
      for (let i = 0; i < 30; i++) {
        const reply = await getThrough(`${gatewayUrl}/`, agent);
        assert.equal(reply.status, 200, `request ${i}: ${reply.body}`);
        versions.push(String(reply.catalogVersion));
      }
      assert.deepEqual(versions.filter((v) => v !== 'v2'), [], `versions: ${versions.join(' ')}`);
    } finally {
      agent.destroy();
    }

    const rollout = await plexctl(['rollout', 'status', 'Route/default/catalog', ...flags]);
    assert.equal(rollout.code, 0, describeRun('plexctl rollout status', rollout));
  });

  test('plexctl proxy-status lists the five proxies', async () => {
    const status = await plexctl(['proxy-status', '-o', 'json', ...flags]);
    assert.equal(status.code, 0, describeRun('plexctl proxy-status', status));
    const proxies = JSON.parse(status.stdout) as Array<{ instance: string }>;
    assert.deepEqual(
      proxies.map((p) => p.instance).sort(),
      ['catalog-v1', 'catalog-v2', 'frontend-v1', 'ingress-gateway', 'pricing-v1'],
    );
    const table = await plexctl(['proxy-status', ...flags]);
    assert.equal(table.code, 0, describeRun('plexctl proxy-status', table));
    // TLS to an IP address: grpc-js passes it as the server name; Node's DEP0123 warning about
    // that would otherwise follow every plexctl command.
    assert.doesNotMatch(table.stderr, /DEP0123|DeprecationWarning/, describeRun('plexctl proxy-status', table));
    for (const name of ['catalog-v1', 'catalog-v2', 'frontend-v1', 'ingress-gateway', 'pricing-v1']) assert.match(table.stdout, new RegExp(`^${name}\\s`, 'm'));
  });

  test('Ctrl-C stops it cleanly: exit 0, "stopped cleanly", no process or port left', async () => {
    const proc = mesh.child;
    mesh.tree = [...new Set([...mesh.tree, ...descendants(proc.pid!)])];
    proc.kill('SIGINT');
    const timeout = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    const result = await mesh.exit;
    clearTimeout(timeout);
    assert.deepEqual(result, { code: 0, signal: null }, `stdout:\n${mesh.stdout}\nstderr:\n${mesh.stderr}`);
    assert.match(mesh.stdout, /stopped cleanly/);
    await waitFor('every child process of the dev mesh to be gone', () => mesh.tree.every((pid) => !alive(pid)), { timeoutMs: 10_000 });
    for (const [name, port] of Object.entries(ports)) assert.equal(await canConnect(port), false, `${name} port ${port} still accepts connections`);
  });
});
