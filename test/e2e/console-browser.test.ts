// The web console in a real browser (Debian's chromium driven by playwright-core) against the
// dev mesh exactly as `npm start` runs it (on free ports): the topology shows frontend → catalog
// → pricing with non-zero rates once traffic flows; `plexctl apply` of the canary shows up as a
// rollout on the open page without a reload; a proxy killed with SIGKILL (an extra pricing
// sidecar run as its own process, since the dev mesh's proxies share its process) turns STALE
// or disappears; the Identity panel shows the mesh root and the soonest workload expiry.
// Screenshots go to test-results/console/ (gitignored).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { IdentityClient } from '../../lib/identity/identity-client.js';
import { spawnNodeProcess, waitFor, type ManagedProcess } from '../harness/index.js';
import { describeRun, plexctl, REPO, startDevMesh, type DevMesh, type DevMeshPorts } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO, 'test-results', 'console');
const STARTUP_BOUND_MS = 60_000;

describe('web console in a browser, against the dev mesh', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (apt-get install chromium)` }, () => {
  let mesh: DevMesh;
  let ports: DevMeshPorts;
  let flags: string[] = [];
  let consoleUrl = '';
  let gatewayUrl = '';
  let profile = '';
  let browser: BrowserContext | undefined;
  let page: Page;
  let extra: ManagedProcess | undefined;
  let traffic: NodeJS.Timeout | undefined;

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    mesh = await startDevMesh(STARTUP_BOUND_MS);
    ({ ports, flags, gatewayUrl } = mesh);
    consoleUrl = /console\s+(http:\/\/\S+)/.exec(mesh.stdout)?.[1] ?? '';
    assert.equal(consoleUrl, `http://127.0.0.1:${ports.console}`, mesh.stdout);

    profile = await mkdtemp(join(tmpdir(), 'plexus-console-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 800 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (err) => (mesh.stderr += `\npage error: ${err.message}`));
  });

  after(async () => {
    if (traffic) clearInterval(traffic);
    await browser?.close().catch(() => undefined);
    await extra?.kill().catch(() => undefined);
    await mesh?.stop('SIGINT');
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** The edges table as { "from → to": rps }. */
  const edgeRates = (): Promise<Record<string, number>> =>
    page.$$eval('#edges tbody tr', (rows) =>
      Object.fromEntries(
        rows
          .map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? ''))
          .filter((c) => c.length === 5)
          .map((c) => [`${c[0]} → ${c[1]}`, Number(c[2])]),
      ),
    );

  test('topology shows frontend → catalog → pricing with non-zero rates after traffic', async (t) => {
    await page.goto(consoleUrl);
    await page.waitForSelector('#status:has-text("Live")', { timeout: 15_000 });
    await page.evaluate('window.loadedOnce = true');
    // Steady traffic through the gateway while the console scrapes the proxies.
    let sent = 0;
    traffic = setInterval(() => {
      sent++;
      fetch(`${gatewayUrl}/`).then((r) => r.arrayBuffer(), () => undefined).catch(() => undefined);
    }, 100);
    await waitFor(
      'non-zero rates on gateway → frontend → catalog → pricing',
      async () => {
        const r = await edgeRates();
        return (r['default/ingress-gateway → default/frontend'] ?? 0) > 0 && (r['default/frontend → default/catalog'] ?? 0) > 0 && (r['default/catalog → default/pricing'] ?? 0) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    t.diagnostic(`rates after ${sent} requests: ${JSON.stringify(await edgeRates())}`);
    const nodes = await page.$$eval('#graph .node text:first-of-type', (ts) => ts.map((x) => x.textContent));
    for (const n of ['ingress-gateway', 'frontend', 'catalog', 'pricing']) assert.ok(nodes.includes(n), nodes.join(', '));
    assert.match((await page.textContent('#graph-title')) ?? '', /frontend to catalog.*catalog to pricing|catalog to pricing.*frontend to catalog/);
    await shot('topology');
  });

  test('plexctl apply of the canary shows as a rollout on the page without reload', async () => {
    const applied = await plexctl(['apply', '-f', join(REPO, 'examples', 'canary.yaml'), ...flags]);
    assert.equal(applied.code, 0, describeRun('plexctl apply', applied));
    await page.waitForSelector('#rollout-list li[data-policy="Route/default/catalog"][data-outcome="COMPLETE"]', { timeout: 30_000 });
    assert.equal(await page.evaluate('window.loadedOnce'), true, 'the page was not reloaded');
    const text = (await page.textContent('#rollout-list li[data-policy="Route/default/catalog"]')) ?? '';
    assert.match(text, /\d+\/\d+ proxies acknowledged/);
    await page.waitForSelector('#policy-table tbody tr:has-text("default/catalog")', { timeout: 10_000 });
    await page.click('#policy-table tbody tr:has-text("default/catalog") button');
    await page.waitForSelector('#history-list pre.diff .add', { timeout: 10_000 });
    await shot('rollout');
  });

  test('a proxy killed with SIGKILL turns STALE or disappears', async () => {
    const pricingApp = /pricing-v1\s+app :(\d+)/.exec(mesh.stdout)?.[1];
    assert.ok(pricingApp, mesh.stdout);
    // Control-plane APIs are TLS under the dev root and a proxy needs a workload certificate:
    // a join token from the identity service (operators are anonymous admins in dev mode).
    const printed = /under the dev root (\S+)/.exec(mesh.stdout)?.[1];
    assert.ok(printed, mesh.stdout);
    const caFile = resolve(REPO, printed);
    const identityAddr = `127.0.0.1:${ports.identity}`;
    const tokens = new IdentityClient(identityAddr, { roots: [await readFile(caFile, 'utf8')] });
    const joinToken = (await tokens.createJoinToken({ namespace: 'default', service: 'pricing', ttlSeconds: 600 }).finally(() => tokens.close())).token;
    extra = await spawnNodeProcess({
      name: 'proxy-pricing-extra',
      entry: 'proxy/main.ts',
      env: {
        PLEXUS_SERVICE: 'pricing',
        PLEXUS_NAMESPACE: 'default',
        PLEXUS_INSTANCE: 'pricing-extra',
        PLEXUS_ZONE: 'zone-a',
        PLEXUS_LOG_LEVEL: 'warn',
        PLEXUS_APP__PORT: pricingApp,
        PLEXUS_INBOUND__HOST: '127.0.0.1',
        PLEXUS_LABELS: JSON.stringify({ version: 'v1', app: 'pricing' }),
        PLEXUS_CONTROL_PLANE__REGISTRY: `127.0.0.1:${ports.registry}`,
        PLEXUS_CONTROL_PLANE__CONFIG_PUSH: `127.0.0.1:${ports.configPush}`,
        PLEXUS_CONTROL_PLANE__TTL_SECONDS: '6',
        PLEXUS_IDENTITY__ADDRESSES: identityAddr,
        PLEXUS_IDENTITY__CA_FILE: caFile,
        PLEXUS_IDENTITY__JOIN_TOKEN: joinToken,
        PLEXUS_ACCESS_LOG: 'false',
      },
      listeners: { admin: 'PLEXUS_ADMIN__PORT', outbound: 'PLEXUS_OUTBOUND__PORT', inbound: 'PLEXUS_INBOUND__PORT' },
      ready: async ({ admin }) => (await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined))?.status === 200,
    });
    await page.waitForSelector('#proxy-table tr[data-instance="pricing-extra"][data-state="SYNCED"]', { timeout: 20_000 });
    await shot('proxy-before-kill');
    await extra.kill('SIGKILL');
    // A function, not a string: the console's CSP (rightly) forbids string evaluation in the page.
    type Doc = { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } };
    await page.waitForFunction(
      () => {
        const row = (globalThis as unknown as Doc).document.querySelector('#proxy-table tr[data-instance="pricing-extra"]');
        return row === null || row.getAttribute('data-state') === 'STALE';
      },
      undefined,
      { timeout: 30_000 },
    );
    await shot('proxy-killed');
    // The other proxies are untouched.
    assert.equal(await page.getAttribute('#proxy-table tr[data-instance="pricing-v1"]', 'data-state'), 'SYNCED');
  });

  test('the Identity panel shows the mesh root and the soonest workload expiry', async () => {
    await page.waitForSelector('#identity[data-state="ok"] #ca-table tbody tr[data-kind="root"]', { timeout: 20_000 });
    await page.waitForSelector('#identity #ca-table tbody tr[data-kind="intermediate"]', { timeout: 5_000 });
    const root = await page.$$eval('#ca-table tbody tr[data-kind="root"] > *', (cells) => cells.map((c) => c.textContent ?? ''));
    assert.equal(root.length, 5, root.join(' | '));
    assert.match(root[3]!, /^\d+ d( \d+ h)?/, `time left of the root: ${root[3]}`);
    assert.match(root[4]!, /^[0-9a-f]{2}(:[0-9a-f]{2}){7}…$/, root[4]);
    assert.equal(await page.textContent('#identity-domain'), 'plexus.local');
    const soonest = (await page.textContent('#identity-soonest')) ?? '';
    assert.match(soonest, /^spiffe:\/\/plexus\.local\/ns\/default\/svc\/[a-z-]+ — .+\(\d+ (d|h|min)/, soonest);
    assert.ok(Number(await page.textContent('#identity-live')) >= 5, 'the dev mesh workloads hold live certificates');
    assert.equal(await page.isHidden('#identity-error'), true);
    await page.locator('#identity').screenshot({ path: join(SHOTS, 'identity.png') });
  });

  test('works at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(consoleUrl);
    await page.waitForSelector('#proxy-table tr[data-instance="frontend-v1"]', { timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: false });
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px (only tables and the graph may, inside their boxes)`);
    for (const landmark of ['header', 'nav', 'main', 'footer']) assert.equal(await page.locator(landmark).count(), 1, landmark);
  });
});
