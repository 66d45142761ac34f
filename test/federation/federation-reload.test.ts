// Config reload of the federation service on real servers (east on etcd, west on ZooKeeper,
// linked nats-servers): west's service runs from a config file that the test rewrites. A peer
// removed from the file has its imports and cursor deleted, and a west proxy's Endpoints drop
// it, within 5 s, without a restart; an invalid file is refused with its field paths and the
// running peers are kept; a changed priority rewrites the imports; an unreloadable field is
// reported as needing a restart.
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config/load.js';
import { federationConfigSchema } from '../../services/federation/config.js';
import { startConfigReload, type ConfigReloader } from '../../services/federation/config-reload.js';
import { startFederation } from '../../services/federation/federation-service.js';
import { cursorKey, importsPrefix } from '../../services/federation/import-keys.js';
import { startInProcess, waitFor } from '../harness/index.js';
import { FAST, endpoints, exportService, proxyOn, register, startTwoClusters, type TwoClusters } from './support.js';

describe('federation: peers reload from the config file', { timeout: 180_000 }, () => {
  let c: TwoClusters;
  let dir: string;
  let file: string;
  let reloader: ConfigReloader;
  let westProxy: Awaited<ReturnType<typeof proxyOn>>;

  const westConfig = (federation: Record<string, unknown>): Record<string, unknown> => ({
    cluster: 'west',
    zone: 'z1',
    instance: 'federation-west',
    insecure: true,
    store: c.west.storeConfig,
    bus: { kind: 'nats', servers: [c.west.nats.url] },
    grpc: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    federation: { ...FAST, ...federation },
  });
  /** Replace the file as editors and ConfigMap volumes do (write aside, rename over). */
  const writeConfig = async (doc: unknown): Promise<void> => {
    const aside = `${file}.new`;
    await writeFile(aside, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
    await rename(aside, file);
  };
  const load = () => loadConfig(federationConfigSchema, { file, env: {} });
  const eastImports = async () => (await c.west.store.list<{ priority: number }>(importsPrefix('west', 'east'))).items;
  const proxySeesEast = () => (westProxy.client.body('Endpoints', 'default/catalog')?.endpoints ?? []).some((e) => e.cluster === 'east');

  before(async () => {
    c = await startTwoClusters();
    dir = await mkdtemp(join(tmpdir(), 'plexus-fed-reload-'));
    file = join(dir, 'federation.yaml');
    await writeConfig(westConfig({ peers: [{ name: 'east', priority: 1 }] }));
    await c.startFederation(c.east, 'west');
    const config = load();
    c.west.federation = await startInProcess('federation', { cluster: 'west', zone: 'z1', name: 'federation-west', store: c.west.storeConfig, bus: { kind: 'nats', servers: [c.west.nats.url] } }, async (runtime) => {
      const handle = await startFederation(runtime, { ...config, natsServers: [c.west.nats.url] });
      runtime.lifecycle.add('federation', () => handle.close());
      reloader = startConfigReload({ running: config, load, setPeers: (p) => handle.setPeers(p), logger: runtime.logger, file, intervalMs: 100 });
      runtime.lifecycle.add('reload', async () => reloader.close());
      return handle;
    });
    westProxy = await proxyOn(c.west, ['catalog']);
    await register(c.east, 'catalog', 'catalog-e1', 9001);
    await exportService(c.east, 'catalog');
    await waitFor('west to import east catalog', async () => (await eastImports()).length === 1 && proxySeesEast());
  });
  after(async () => {
    reloader?.close();
    await westProxy?.close();
    await c?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses an invalid file with its field paths and keeps the running peers', async () => {
    const before = reloader.stats().refused;
    await writeConfig(westConfig({ peers: [{ name: 'East_1', priority: 0 }, { name: 'west' }] }));
    await waitFor('the watcher to refuse the file', () => reloader.stats().refused > before);
    const last = reloader.stats().last;
    assert.equal(last?.result, 'refused');
    const paths = last?.result === 'refused' ? last.violations.map((v) => v.path).sort() : [];
    assert.ok(paths.includes('federation.peers[0].name') && paths.includes('federation.peers[0].priority'), paths.join(', '));
    // Nothing half-applied: still importing from east, imports and proxy Endpoints intact.
    assert.deepEqual(c.west.federation!.handle.peers().map((p) => p.name), ['east']);
    assert.equal((await eastImports()).length, 1);
    assert.ok(proxySeesEast());
    await register(c.east, 'catalog', 'catalog-e2', 9002);
    await waitFor('the kept link to still import changes', () => endpoints(c.west, 'catalog').filter((e) => e.cluster === 'east').length === 2);
    // Not YAML at all: refused too.
    await writeConfig('federation: [unclosed');
    await waitFor('the watcher to refuse broken YAML', () => reloader.stats().refused > before + 1);
    assert.equal((await eastImports()).length, 1);
  });

  it('a peer removed from the file: imports, cursor and proxy Endpoints gone within 5 s, no restart', async () => {
    assert.ok(await c.west.store.get(cursorKey('west', 'east')), 'a cursor before the removal');
    const t0 = Date.now();
    await writeConfig(westConfig({ peers: [] }));
    await waitFor('imports, cursor and Endpoints of east to be gone', async () => (await eastImports()).length === 0 && !(await c.west.store.get(cursorKey('west', 'east'))) && !proxySeesEast(), { timeoutMs: 5000, intervalMs: 50 });
    const took = Date.now() - t0;
    console.log(`peer removed → imports and proxy Endpoints gone in ${took} ms`);
    assert.ok(took <= 5000);
    assert.deepEqual(c.west.federation!.handle.imports(), []);
    // Stays gone: no importer left to write them back.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await eastImports()).length, 0);
  });

  it('a peer added back starts importing; a changed priority rewrites its imports', async () => {
    await writeConfig(westConfig({ peers: [{ name: 'east', priority: 2 }] }));
    await waitFor('east imports back, priority 2', async () => {
      const items = await eastImports();
      return items.length === 1 && items[0]!.value.priority === 2;
    });
    await waitFor('a west proxy to see east again', proxySeesEast);
    await writeConfig(westConfig({ peers: [{ name: 'east', priority: 3 }] }));
    await waitFor('imports rewritten with priority 3', async () => {
      const items = await eastImports();
      return items.length === 1 && items[0]!.value.priority === 3;
    });
    await waitFor('Endpoints with priority 3', () => endpoints(c.west, 'catalog').filter((e) => e.cluster === 'east').every((e) => e.priority === 3) && endpoints(c.west, 'catalog').length === 2);
  });

  it('a change to an unreloadable field is reported as needing a restart and not applied', async () => {
    await writeConfig(westConfig({ peers: [{ name: 'east', priority: 3 }], heartbeatMs: 200 }));
    const outcome = await reloader.reload();
    assert.equal(outcome.result, 'unchanged');
    assert.deepEqual(outcome.result === 'unchanged' ? outcome.needsRestart : [], ['federation.heartbeatMs']);
    assert.deepEqual(c.west.federation!.handle.peers(), [{ name: 'east', priority: 3 }]);
  });
});
