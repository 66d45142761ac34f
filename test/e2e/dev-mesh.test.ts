// End to end: the dev mesh exactly as the README drives it — the start command (on free ports
// instead of the standard ones), curl the gateway, `plexctl apply --wait` a 0/100 canary, every
// following request answered by catalog v2, `plexctl proxy-status`, then Ctrl-C (SIGINT) stops
// it cleanly with nothing left running.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canConnect, freePort, waitFor } from '../harness/index.js';
import { alive, canaryWithWeights, describeRun, descendants, getThrough, plexctl, REPO } from './support.js';

/** The dev mesh is meant to be up in under 30 s; this bound only catches hangs on a loaded machine. */
const STARTUP_BOUND_MS = 60_000;

describe('dev mesh (npm start) end to end', () => {
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let startupMs = 0;
  let gatewayUrl = '';
  let ports: Record<string, number> = {};
  let flags: string[] = [];
  let canaryFile: string | undefined;
  let tree: number[] = [];

  before(async () => {
    ports = {
      registry: await freePort(),
      policy: await freePort(),
      configPush: await freePort(),
      registryAdmin: await freePort(),
      policyAdmin: await freePort(),
      configPushAdmin: await freePort(),
      console: await freePort(),
      identity: await freePort(),
      identityAdmin: await freePort(),
      gateway: await freePort(),
    };
    gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    flags = ['--server', `127.0.0.1:${ports.policy}`, '--registry', `127.0.0.1:${ports.registry}`, '--config-push', `127.0.0.1:${ports.configPush}`];
    const started = Date.now();
    child = spawn(
      process.execPath,
      [
        '--import', 'tsx', 'deploy/dev/main.ts',
        '--gateway-port', String(ports.gateway),
        '--ports.registry', String(ports.registry),
        '--ports.policy', String(ports.policy),
        '--ports.config-push', String(ports.configPush),
        '--ports.registry-admin', String(ports.registryAdmin),
        '--ports.policy-admin', String(ports.policyAdmin),
        '--ports.config-push-admin', String(ports.configPushAdmin),
        '--ports.console', String(ports.console),
        '--ports.identity', String(ports.identity),
        '--ports.identity-admin', String(ports.identityAdmin),
        '--ports.xds-plaintext', '0',
      ],
      // PLEXUS_* from the caller's environment would reconfigure the mesh; start it as a newcomer would.
      { cwd: REPO, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLEXUS_'))), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const proc = child;
    exit = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    await waitFor(
      'the dev mesh banner',
      () => {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`dev mesh exited early (${proc.exitCode ?? proc.signalCode})\n${stdout}\n${stderr}`);
        return stdout.includes('Plexus dev mesh is up in');
      },
      { timeoutMs: STARTUP_BOUND_MS, intervalMs: 50 },
    );
    startupMs = Date.now() - started;
    // The banner is written in one piece; wait for its last line before reading it.
    await waitFor('the end of the banner', () => stdout.includes('Ctrl-C stops everything'), { timeoutMs: 5000 });
    tree = descendants(proc.pid!);
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
    for (const pid of tree) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (canaryFile) await rm(dirname(canaryFile), { recursive: true, force: true });
  });

  test('is up well within the bound and prints what to try, with the plexctl flags for these ports', (t) => {
    t.diagnostic(`dev mesh up in ${(startupMs / 1000).toFixed(1)} s (spawn → banner; the goal is < 30 s)`);
    assert.ok(startupMs < STARTUP_BOUND_MS, `startup took ${startupMs} ms`);
    assert.match(stdout, new RegExp(`curl -s ${gatewayUrl}/`));
    // Non-standard ports: every plexctl hint carries the flags that reach this mesh.
    const hints = stdout.split('\n').filter((l) => l.includes('npx plexctl'));
    assert.ok(hints.length >= 4, stdout);
    for (const hint of hints) {
      assert.ok(hint.includes(`--server 127.0.0.1:${ports.policy}`), hint);
      assert.ok(hint.includes(`--registry 127.0.0.1:${ports.registry}`), hint);
      assert.ok(hint.includes(`--config-push 127.0.0.1:${ports.configPush}`), hint);
    }
    assert.match(stdout, new RegExp(`http://127\\.0\\.0\\.1:${ports.configPushAdmin}/metrics`));
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
    for (const name of ['catalog-v1', 'catalog-v2', 'frontend-v1', 'ingress-gateway', 'pricing-v1']) assert.match(table.stdout, new RegExp(`^${name}\\s`, 'm'));
  });

  test('Ctrl-C stops it cleanly: exit 0, "stopped cleanly", no process or port left', async () => {
    const proc = child!;
    tree = [...new Set([...tree, ...descendants(proc.pid!)])];
    proc.kill('SIGINT');
    const timeout = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    const result = await exit;
    clearTimeout(timeout);
    assert.deepEqual(result, { code: 0, signal: null }, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stdout, /stopped cleanly/);
    await waitFor('every child process of the dev mesh to be gone', () => tree.every((pid) => !alive(pid)), { timeoutMs: 10_000 });
    for (const [name, port] of Object.entries(ports)) assert.equal(await canConnect(port), false, `${name} port ${port} still accepts connections`);
  });
});
