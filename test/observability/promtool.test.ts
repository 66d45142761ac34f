// Every /metrics endpoint of the dev mesh (the three services' admin ports and every proxy's,
// the gateway's included), after traffic so the per-request series exist, passes
// `promtool check metrics` (Debian's prometheus package; scripts/ensure-test-deps.mjs installs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startDevMesh, type DevMesh } from '../../deploy/dev/dev-mesh.js';
import { REPO } from '../harness/index.js';

const PROMTOOL = '/usr/bin/promtool';

describe('promtool check metrics on every endpoint', { skip: existsSync(PROMTOOL) ? false : `${PROMTOOL} missing (apt-get install prometheus)` }, () => {
  let mesh: DevMesh;
  const texts: string[] = [];
  before(async () => {
    mesh = await startDevMesh({
      gatewayPort: 0,
      cluster: 'local',
      store: { backend: 'memory' },
      bus: { kind: 'memory' },
      host: '127.0.0.1',
      ports: { registry: 0, policy: 0, configPush: 0, registryAdmin: 0, policyAdmin: 0, configPushAdmin: 0, identity: 0, identityAdmin: 0, console: 0 },
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
    assert.equal(endpoints.length, 9, 'four control-plane services (registry, policy, config-push, identity) and five proxies');
    for (const e of endpoints) {
      const text = await (await fetch(e.url)).text();
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${e.name} ${e.url}:\n${r.stdout}${r.stderr}`);
      assert.doesNotMatch(text, /^# TYPE \S+_total gauge$/m, e.name);
      texts.push(text);
    }
    const proxyText = await (await fetch(endpoints[Object.keys(mesh.controlPlane.adminUrls).length]!.url)).text();
    assert.match(proxyText, /plexus_proxy_requests_total\{reporter="(source|destination)",source_workload="[^"]+",destination_service="[^"]+",response_code="\d+",response_flags="[^"]+"\}/);
    t.diagnostic(`${endpoints.length} endpoints pass promtool`);
  });

  test('deploy/observability: the scrape config is valid and the dashboard only queries metrics that exist', () => {
    const check = spawnSync(PROMTOOL, ['check', 'config', join(REPO, 'deploy', 'observability', 'prometheus.yml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const dashboard = JSON.parse(readFileSync(join(REPO, 'deploy', 'observability', 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    const exposed = new Set(texts.flatMap((x) => [...x.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!)));
    const used = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((tg) => [...tg.expr.matchAll(/\bplexus_[a-z0-9_]+(?=\{)/g)].map((m) => ({ panel: p.title, name: m[0] }))));
    assert.ok(used.length >= 10);
    for (const u of used) {
      const family = u.name.replace(/_(bucket|count|sum)$/, '');
      assert.ok(exposed.has(family) || exposed.has(u.name), `panel "${u.panel}" queries ${u.name}, which no endpoint exposes`);
    }
  });
});
