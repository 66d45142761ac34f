// Issue 14 end to end on `npm run local -- --clusters 2` (deploy/local/multi-cluster.ts): east on
// etcd, west on ZooKeeper, each with its control plane, demo apps, ingress gateway, east-west
// gateway and federation service; west's NATS reaches east's through a link the test can cut.
// catalog is exported from both clusters. A steady request loop through WEST's ingress gateway
// (frontend → catalog) is answered by west's catalog; with west's catalog killed (-9) by east's,
// through east's east-west gateway with mTLS end to end, after at most 1 s of failures; with it
// restarted, by west's again. Cutting the NATS link leaves local traffic untouched and keeps the
// remote endpoints, marked stale; when it returns the importer resumes from its cursor (no full
// resync). Deleting the ServiceExport in east removes west's imports within 5 s.
// PLEXUS_SOAK=1: the link stays cut for 60 s (default: 4 s, past the 1 s stale threshold).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMultiCluster, type FederatedCluster, type MultiCluster } from '../../deploy/local/multi-cluster.js';
import { waitFor } from '../harness/index.js';
import { describeRun, plexctl } from '../e2e/support.js';
import { startCuttableLink, type CuttableLink } from './cuttable-link.js';
import { CatalogLoop, catalogProcesses, exportCatalogWithFailover, importedEndpoints, scrapeCounter, settings, storeState } from './multi-cluster-support.js';

const CUT_MS = process.env.PLEXUS_SOAK === '1' ? 60_000 : 4000;
// Children inherit the environment, and every Plexus program refuses unknown PLEXUS_* keys.
delete process.env.PLEXUS_SOAK;
const STALE_AFTER_MS = 1000;

describe('two clusters end to end: failover to the peer, partition, unexport', { timeout: 600_000 }, () => {
  let mc: MultiCluster;
  let link: CuttableLink | undefined;
  let dir: string;
  let east: FederatedCluster;
  let west: FederatedCluster;
  let loop: CatalogLoop | undefined;
  const frontendAdmin = (): number => west.mesh.proxies.find((p) => p.name === 'frontend-v1')!.adminPort;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-e2e14-'));
    mc = await startMultiCluster({
      logLevel: 'warn',
      dataDir: dir,
      leafVia: async (eastLeafPort) => (link = await startCuttableLink(eastLeafPort)),
      federationEnv: {
        PLEXUS_FEDERATION__HEARTBEAT_MS: '200',
        PLEXUS_FEDERATION__STALE_AFTER_MS: String(STALE_AFTER_MS),
        PLEXUS_FEDERATION__STALL_AFTER_MS: '1500',
        PLEXUS_FEDERATION__STALENESS_WINDOW_MS: String(CUT_MS + 60_000),
      },
    });
    [east, west] = mc.clusters as [FederatedCluster, FederatedCluster];
    await exportCatalogWithFailover(mc, dir);
    loop = new CatalogLoop(`${west.mesh.gatewayUrl}/`);
  });
  after(async () => {
    await loop?.stop();
    await mc?.close();
    await link?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('catalog exported from both clusters: west\'s gateway is answered by west\'s catalog', async () => {
    const from = Date.now();
    await waitFor('20 answers from west', () => loop!.since(from).length >= 20, { timeoutMs: 30_000, intervalMs: 20 });
    assert.deepEqual(loop!.since(from).map((a) => a.cluster ?? a.error).filter((c) => c !== 'west'), []);
  });

  it('west\'s catalog killed -9: east\'s catalog answers through east\'s east-west gateway, after at most 1 s of failures', async () => {
    const killedAt = Date.now();
    await Promise.all(catalogProcesses(west).map((p) => p.kill('SIGKILL')));
    await waitFor('20 answers in a row from east', () => loop!.settledOn('east', killedAt, 20), { timeoutMs: 30_000, intervalMs: 20 }).catch(async (err: Error) => {
      const dump = await (await fetch(`http://127.0.0.1:${east.eastWest.adminPort}/config_dump`)).text().catch(() => '');
      throw new Error(`${err.message}; last answers: ${JSON.stringify(loop!.since(killedAt).slice(-3))}; east's east-west gateway: ${dump.slice(0, 3000)}\n${east.eastWest.process.tail(20)}\nfrontend: ${west.mesh.proxies.find((p) => p.name === 'frontend-v1')!.process.tail(10)}`);
    });
    const firstEast = loop!.since(killedAt).find((a) => a.cluster === 'east')!;
    const { failures, windowMs } = loop!.failuresSince(killedAt);
    console.log(`failover: first answer from east ${firstEast.doneAt - killedAt} ms after the kill; ${failures.length} failed requests over ${windowMs} ms`);
    assert.ok(windowMs <= 1000, `failure window ${windowMs} ms: ${failures.map((f) => f.error).slice(0, 5).join('; ')}`);
    // After the window: none.
    const settled = Date.now();
    await waitFor('20 more answers', () => loop!.since(settled).length >= 20, { timeoutMs: 30_000, intervalMs: 20 });
    assert.deepEqual(loop!.since(settled).map((a) => a.cluster ?? a.error).filter((c) => c !== 'east'), []);
  });

  it('west\'s catalog restarted: traffic returns to west', async () => {
    const restartedAt = Date.now();
    // Apps first, then their sidecars (catalogProcesses lists the sidecars first).
    for (const p of catalogProcesses(west).reverse()) await p.start();
    await waitFor('20 answers in a row from west', () => loop!.settledOn('west', restartedAt, 20), { timeoutMs: 60_000, intervalMs: 20 });
  });

  it(`NATS link cut for ${CUT_MS / 1000} s: local traffic unaffected, imports kept and marked stale; back: resumed from the cursor, no full resync`, async () => {
    const admin = west.federation.adminPort;
    const fullBefore = await scrapeCounter(admin, 'plexus_federation_full_resyncs_total', { peer: 'east' });
    const resumesBefore = await scrapeCounter(admin, 'plexus_federation_resumes_total', { peer: 'east' });
    const cutAt = Date.now();
    link!.cut();
    await waitFor('east imports marked stale in west\'s frontend proxy', async () => {
      const eps = await importedEndpoints(frontendAdmin(), 'east', 'catalog');
      return eps.length === 2 && eps.every((e) => e.stale === true);
    }, { timeoutMs: STALE_AFTER_MS + 10_000 });
    const imports = await plexctl(['get', 'imports', '--insecure', '-o', 'json'], { ...settings(west), PLEXCTL_CA_FILE: '' });
    assert.equal(imports.code, 0, describeRun('get imports', imports));
    const peer = (JSON.parse(imports.stdout) as { peers: Array<{ peer: string; stale: boolean; services: Array<{ service: string; instances: number; stale: boolean }> }> }).peers[0]!;
    assert.equal(peer.stale, true);
    assert.deepEqual(peer.services.map((s) => [s.service, s.instances, s.stale]), [['default/catalog', 2, true]]);
    await waitFor(`the cut to last ${CUT_MS} ms`, () => Date.now() - cutAt >= CUT_MS, { timeoutMs: CUT_MS + 5000, intervalMs: 100 });
    assert.equal((await importedEndpoints(frontendAdmin(), 'east', 'catalog')).length, 2, 'remote endpoints kept through the cut');
    link!.restore();
    await waitFor('east imports fresh again', async () => {
      const eps = await importedEndpoints(frontendAdmin(), 'east', 'catalog');
      return eps.length === 2 && eps.every((e) => e.stale !== true);
    }, { timeoutMs: 30_000 });
    const during = loop!.since(cutAt);
    assert.ok(during.length > 0);
    assert.deepEqual(during.map((a) => a.cluster ?? a.error).filter((c) => c !== 'west'), [], 'local traffic: zero failures, all from west');
    assert.equal(await scrapeCounter(admin, 'plexus_federation_full_resyncs_total', { peer: 'east' }), fullBefore, 'no full resync');
    // The consumer is re-created from the cursor once heartbeats are back (shortly after the imports turn fresh).
    await waitFor('the importer to resume from its cursor', async () => (await scrapeCounter(admin, 'plexus_federation_resumes_total', { peer: 'east' })) > resumesBefore, { timeoutMs: 15_000 });
    assert.equal(await scrapeCounter(admin, 'plexus_federation_full_resyncs_total', { peer: 'east' }), fullBefore, 'no full resync');
  });

  it('ServiceExport deleted in east: west\'s imports of it are gone within 5 s', async () => {
    const deleted = await plexctl(['delete', 'serviceexport', 'catalog'], settings(east));
    assert.equal(deleted.code, 0, deleted.code === 0 ? '' : `${describeRun('delete ServiceExport', deleted)}\n${await storeState(east)}`);
    const t0 = Date.now();
    await waitFor('east catalog gone from west\'s frontend proxy', async () => (await importedEndpoints(frontendAdmin(), 'east', 'catalog')).length === 0, { timeoutMs: 5000 });
    console.log(`unexport: west's imports gone ${Date.now() - t0} ms after the delete returned`);
    assert.deepEqual(loop!.since(t0).map((a) => a.cluster ?? a.error).filter((c) => c !== 'west'), []);
  });
});
