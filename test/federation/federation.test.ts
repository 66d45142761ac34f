// Federation on real servers: east (etcd) and west (ZooKeeper), each with its own nats-server,
// linked by a leaf-node connection the test can cut. West imports what east exports.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../harness/index.js';
import { runPlexctl } from '../../cli/plexctl/main.js';
import { EXIT } from '../../cli/plexctl/exit-codes.js';
import { encode, exportSubject } from '../../services/federation/federation-wire.js';
import { proxyOn, deregister, endpoints, exportService, metric, register, startTwoClusters, unexportService, leafConnected, type TwoClusters } from './support.js';

describe('federation: east exports, west imports', { timeout: 180_000 }, () => {
  let c: TwoClusters;
  let westProxy: Awaited<ReturnType<typeof proxyOn>>;

  before(async () => {
    c = await startTwoClusters();
    await c.startFederation(c.east, 'west');
    await c.startFederation(c.west, 'east');
    westProxy = await proxyOn(c.west, ['catalog']);
  });
  after(async () => {
    await westProxy?.close();
    await c?.close();
  });
  /** What a west proxy's Endpoints for catalog hold from east (config-push's delta stream). */
  const proxySees = () => (westProxy.client.body('Endpoints', 'default/catalog')?.endpoints ?? []).filter((e) => e.cluster === 'east');

  const westSees = (service: string) => endpoints(c.west, service).filter((e) => e.cluster === 'east');

  it('shares nothing without a ServiceExport, then imports the exported service with cluster, zone and priority', async () => {
    await register(c.east, 'catalog', 'catalog-e1', 9001, 'east-a');
    await register(c.east, 'orders', 'orders-e1', 9002);
    await exportService(c.east, 'catalog');
    await waitFor('west to see east catalog', () => westSees('catalog').length === 1);
    const [ep] = westSees('catalog');
    assert.deepEqual({ id: ep!.id, cluster: ep!.cluster, zone: ep!.zone, port: ep!.port, priority: ep!.priority, stale: ep!.stale }, {
      id: 'east/catalog-e1', cluster: 'east', zone: 'east-a', port: 9001, priority: 1, stale: undefined,
    });
    await waitFor('a west proxy to receive east catalog over its discovery stream', () => proxySees().length === 1);
    assert.deepEqual({ ...proxySees()[0], labels: undefined }, { id: 'east/catalog-e1', address: '127.0.0.1', port: 9001, protocol: 'http1', zone: 'east-a', cluster: 'east', weight: 100, labels: undefined, priority: 1 });
    // orders has instances but no ServiceExport: never shared.
    assert.deepEqual(westSees('orders'), []);
    assert.equal(c.west.view.isKnown('default/orders'), false);
  });

  it('follows instance changes of an exported service', async () => {
    await register(c.east, 'catalog', 'catalog-e2', 9003, 'east-b');
    await waitFor('west to see both east catalogs', () => westSees('catalog').length === 2);
    await deregister(c.east, 'catalog', 'catalog-e2');
    await waitFor('west to see one east catalog', () => westSees('catalog').length === 1);
  });

  it('plexctl get imports shows what west imports from east, with cursors and heartbeat age; an unknown peer is INVALID_ARGUMENT', async () => {
    const run = async (...args: string[]) => {
      let out = '';
      let err = '';
      const code = await runPlexctl(['get', 'imports', ...args, '--federation', c.west.federation!.address, '--insecure'], {
        stdout: { write: (t) => void (out += t) },
        stderr: { write: (t) => void (err += t) },
        env: {},
      });
      return { code, out, err };
    };
    // Steady state: a heartbeat sent after the last change carries the cursor west has reached.
    await waitFor('a heartbeat with the current cursor to reach west', async () => {
      const r = await run('-o', 'json');
      const p = r.code === EXIT.OK ? (JSON.parse(r.out) as { peers: Array<{ heartbeatAgeMs: number; cursor: number; exporterCursor: number }> }).peers[0] : undefined;
      return p !== undefined && p.heartbeatAgeMs >= 0 && p.cursor > 0 && p.cursor === p.exporterCursor;
    });
    const { out } = await run('-o', 'json');
    const res = JSON.parse(out) as { cluster: string; peers: Array<{ peer: string; cursor: number; exporterCursor: number; stale: boolean; activeReplica: string; services: Array<{ service: string; instances: number }> }> };
    assert.equal(res.cluster, 'west');
    const east = res.peers[0]!;
    assert.equal(east.peer, 'east');
    assert.equal(east.stale, false);
    assert.ok(east.cursor > 0 && east.cursor <= east.exporterCursor + 1, `cursor ${east.cursor} vs exporter ${east.exporterCursor}`);
    assert.equal(east.activeReplica, 'federation-west');
    assert.deepEqual(east.services.map((s) => [s.service, s.instances]), [['default/catalog', 1]]);
    const tableRun = await run();
    assert.match(tableRun.out, /^PEER +CURSOR +EXPORTER CURSOR +HEARTBEAT +STALE +SERVICE +INSTANCES/);
    assert.match(tableRun.out, /east .* no +default\/catalog +1/);
    const bad = await run('north');
    assert.equal(bad.code, EXIT.INVALID);
    assert.match(bad.err, /peer: "north" is not a configured peer/);
  });

  it('a ServiceExport limited to other peers shares nothing with west', async () => {
    await register(c.east, 'billing', 'billing-e1', 9004);
    await exportService(c.east, 'billing', ['north']);
    await exportService(c.east, 'cart', ['west']);
    await register(c.east, 'cart', 'cart-e1', 9005);
    await waitFor('west to see cart', () => westSees('cart').length === 1);
    assert.deepEqual(westSees('billing'), []);
  });

  it('removes the imports within 5 s of the ServiceExport being deleted', async () => {
    await unexportService(c.east, 'cart');
    const t0 = Date.now();
    await waitFor('cart to be gone in west', () => westSees('cart').length === 0 && !c.west.view.isKnown('default/cart'), { timeoutMs: 5000 });
    assert.ok(Date.now() - t0 <= 5000);
    assert.equal(westSees('catalog').length, 1, 'other imports unaffected');
  });

  it('link cut: imports kept and marked stale; link back: resumes from the cursor without a full resync and catches up', async () => {
    const fullBefore = await metric('plexus_federation_full_resyncs_total', { peer: 'east' });
    const resumesBefore = await metric('plexus_federation_resumes_total', { peer: 'east' });
    c.link.cut();
    await waitFor('east catalog to be marked stale in west', () => westSees('catalog').length === 1 && westSees('catalog')[0]!.stale === true, { timeoutMs: 10_000 });
    await waitFor('the west proxy to hold it as stale', () => proxySees().length === 1 && proxySees()[0]!.stale === true);
    // A change made while the clusters are apart.
    await register(c.east, 'catalog', 'catalog-e3', 9006);
    c.link.restore();
    await leafConnected(c.east, c.west);
    await waitFor('west to catch up, fresh', () => westSees('catalog').length === 2 && westSees('catalog').every((e) => e.stale === undefined), { timeoutMs: 15_000 });
    await waitFor('the west proxy to hold both, fresh', () => proxySees().length === 2 && proxySees().every((e) => e.stale === undefined));
    assert.equal(await metric('plexus_federation_full_resyncs_total', { peer: 'east' }), fullBefore, 'no full resync');
    assert.ok((await metric('plexus_federation_resumes_total', { peer: 'east' })) > resumesBefore, 'resumed from the cursor');
  });

  it('a restarted federation service resumes from its stored cursor', async () => {
    const fullBefore = await metric('plexus_federation_full_resyncs_total', { peer: 'east' });
    const resumesBefore = await metric('plexus_federation_resumes_total', { peer: 'east' });
    await c.stopFederation(c.west);
    await register(c.east, 'catalog', 'catalog-e4', 9007);
    await c.startFederation(c.west, 'east', 'federation-west-2');
    await waitFor('west to see the change made while it was down', () => westSees('catalog').length === 3, { timeoutMs: 15_000 });
    assert.equal(await metric('plexus_federation_full_resyncs_total', { peer: 'east' }), fullBefore, 'no full resync');
    assert.ok((await metric('plexus_federation_resumes_total', { peer: 'east' })) > resumesBefore);
  });

  it('refuses and counts malformed, oversized and mismatched peer messages; the rest of the imports is unaffected', async () => {
    const refused = async (reason: string) => metric('plexus_federation_refused_total', { peer: 'east', reason });
    const [m0, o0, x0] = [await refused('malformed'), await refused('oversized'), await refused('mismatch')];
    const js = c.east.nc.jetstream();
    const subject = exportSubject('east', 'west', 'default', 'evil');
    await js.publish(subject, new TextEncoder().encode('{not json'));
    await js.publish(subject, encode({ v: 1, cluster: 'east', peer: 'west', namespace: 'default', service: 'evil', removed: false, instances: [{ id: 'x', address: 'a', port: 99999 }] }));
    await js.publish(subject, new Uint8Array(300 * 1024).fill(32));
    // Claims to be about another service than its subject says.
    await js.publish(subject, encode({ v: 1, cluster: 'east', peer: 'west', namespace: 'default', service: 'catalog', removed: true, instances: [] }));
    await waitFor('four refusals', async () => (await refused('malformed')) - m0 === 2 && (await refused('oversized')) - o0 === 1 && (await refused('mismatch')) - x0 === 1);
    assert.equal(c.west.view.isKnown('default/evil'), false);
    assert.equal(westSees('catalog').length, 3, 'catalog untouched');
    // The link still delivers after the refusals.
    await register(c.east, 'catalog', 'catalog-e5', 9008);
    await waitFor('west to see the next change', () => westSees('catalog').length === 4);
  });
});
