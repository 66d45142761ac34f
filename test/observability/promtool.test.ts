// Every /metrics endpoint of the dev mesh (the three services' admin ports and every proxy's,
// the gateway's included), after traffic so the per-request series exist, passes
// `promtool check metrics` (Debian's prometheus package; scripts/ensure-test-deps.mjs installs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startDevMesh, type DevMesh } from '../../deploy/dev/dev-mesh.js';
import { freePort } from '../harness/index.js';

const PROMTOOL = '/usr/bin/promtool';

describe('promtool check metrics on every endpoint', { skip: existsSync(PROMTOOL) ? false : `${PROMTOOL} missing (apt-get install prometheus)` }, () => {
  let mesh: DevMesh;
  before(async () => {
    mesh = await startDevMesh({
      cluster: 'local',
      store: { backend: 'memory' },
      bus: { kind: 'memory' },
      host: '127.0.0.1',
      gatewayPort: await freePort(),
      ports: { registry: 0, policy: 0, configPush: 0, registryAdmin: 0, policyAdmin: 0, configPushAdmin: 0, console: 0 },
      consolePort: 0,
      logger: pino({ level: 'silent' }),
    });
    await mesh.gateway.ready();
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${mesh.gatewayUrl}/`)).status, 200);
    // A failing request too, so error series (response_code 404, flags) are rendered.
    await fetch(`${mesh.gatewayUrl}/no-such-route`);
  });
  after(() => mesh?.close());

  test('control-plane admin ports and proxy admin ports', async (t) => {
    const endpoints = [
      ...Object.entries(mesh.controlPlane.adminUrls).map(([name, url]) => ({ name, url: `${url}/metrics` })),
      ...mesh.members.map((m) => ({ name: m.name, url: `http://127.0.0.1:${m.sidecar.ports.admin}/metrics` })),
      { name: 'ingress-gateway', url: `http://127.0.0.1:${mesh.gateway.adminPort}/metrics` },
    ];
    assert.equal(endpoints.length, 8);
    for (const e of endpoints) {
      const text = await (await fetch(e.url)).text();
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${e.name} ${e.url}:\n${r.stdout}${r.stderr}`);
      assert.doesNotMatch(text, /^# TYPE \S+_total gauge$/m, e.name);
    }
    const proxyText = await (await fetch(endpoints[3]!.url)).text();
    assert.match(proxyText, /plexus_proxy_requests_total\{reporter="(source|destination)",source_workload="[^"]+",destination_service="[^"]+",response_code="\d+",response_flags="[^"]+"\}/);
    t.diagnostic(`${endpoints.length} endpoints pass promtool`);
  });
});
