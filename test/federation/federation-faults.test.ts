// Federation faults on real servers (east on etcd, west on ZooKeeper, NATS leaf link): a
// silent link is repaired, a cursor too old or from a reset stream forces a full resync, a
// link down past the staleness window drops imports, a removed peer's imports are deleted,
// and a standby replica takes over a link and resumes from the stored cursor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../harness/index.js';
import { horizonSubject, streamName } from '../../services/federation/federation-wire.js';
import { endpoints, exportService, metric, register, startTwoClusters, unexportService, FAST, leafConnected, type TwoClusters } from './support.js';
import { importsPrefix } from '../../services/federation/import-keys.js';

describe('federation faults', { timeout: 240_000 }, () => {
  let c: TwoClusters;
  const westSees = (service: string) => endpoints(c.west, service).filter((e) => e.cluster === 'east');
  const full = (reason: string) => metric('plexus_federation_full_resyncs_total', { peer: 'east', reason });

  before(async () => {
    c = await startTwoClusters({ ...FAST, stalenessWindowMs: 2500, tombstoneRetentionMs: 300 });
    await c.startFederation(c.east, 'west');
    await c.startFederation(c.west, 'east');
    await register(c.east, 'catalog', 'catalog-e1', 9001);
    await exportService(c.east, 'catalog');
    await waitFor('west to import catalog', () => westSees('catalog').length === 1);
  });
  after(async () => {
    await c?.close();
  });

  it('repairs a link that looks connected but delivers nothing (consumer gone at the exporter), without a restart', async () => {
    const before = await metric('plexus_federation_link_repairs_total', { peer: 'east', reason: 'stalled' });
    const jsm = await c.east.nc.jetstreamManager();
    for await (const ci of jsm.consumers.list(streamName('east', 'west'))) await jsm.consumers.delete(streamName('east', 'west'), ci.name);
    await register(c.east, 'catalog', 'catalog-e2', 9002);
    await waitFor('west to see the change through a repaired consumer', () => westSees('catalog').length === 2, { timeoutMs: 15_000 });
    assert.ok((await metric('plexus_federation_link_repairs_total', { peer: 'east', reason: 'stalled' })) > before, 'repaired by the heartbeat cursor comparison');
  });

  it('resyncs fully when its cursor is below the exporter horizon (purged tombstones), and drops what was removed meanwhile', async () => {
    await register(c.east, 'cart', 'cart-e1', 9003);
    await exportService(c.east, 'cart');
    await waitFor('west to import cart', () => westSees('cart').length === 1);
    const before = await full('cursor-too-old');
    await c.stopFederation(c.west);
    await unexportService(c.east, 'cart');
    // The exporter purges the tombstone after tombstoneRetentionMs and raises its horizon.
    const jsm = await c.east.nc.jetstreamManager();
    await waitFor('the cart tombstone to be purged behind a horizon', async () => {
      const hz = await jsm.streams.getMessage(streamName('east', 'west'), { last_by_subj: horizonSubject('east', 'west') }).catch(() => undefined);
      return hz !== undefined && (await jsm.streams.info(streamName('east', 'west'))).state.num_subjects === 2;
    });
    await c.startFederation(c.west, 'east');
    await waitFor('cart to be gone in west', () => westSees('cart').length === 0, { timeoutMs: 10_000 });
    assert.equal(await full('cursor-too-old'), before + 1);
    assert.equal(westSees('catalog').length, 2, 'catalog kept through the resync');
  });

  it('resyncs fully when the peer stream was deleted and re-created (its cursor belongs to another stream)', async () => {
    const before = await full('stream-reset');
    await c.stopFederation(c.west);
    const jsm = await c.east.nc.jetstreamManager();
    await jsm.streams.delete(streamName('east', 'west'));
    // The next publish finds the stream gone; the exporter re-creates it and publishes everything.
    await register(c.east, 'catalog', 'catalog-e3', 9004);
    await waitFor('the stream to be re-created with catalog', async () => {
      try {
        return (await jsm.streams.info(streamName('east', 'west'))).state.messages >= 1;
      } catch {
        return false;
      }
    });
    await c.startFederation(c.west, 'east');
    await waitFor('west to see all three catalogs', () => westSees('catalog').length === 3, { timeoutMs: 10_000 });
    assert.equal(await full('stream-reset'), before + 1);
  });

  it('a standby replica takes over the link and resumes from the stored cursor', async () => {
    const resumes = await metric('plexus_federation_resumes_total', { peer: 'east' });
    const resyncs = await metric('plexus_federation_full_resyncs_total', { peer: 'east' });
    const active = c.west.federation!;
    await c.startFederation(c.west, 'east', 'federation-west-standby');
    const standby = c.west.federation!;
    assert.equal(standby.handle.imports()[0]!.active, false);
    await active.close();
    await waitFor('the standby to hold the link', () => standby.handle.imports()[0]!.active);
    await register(c.east, 'catalog', 'catalog-e4', 9005);
    await waitFor('west to see the change through the standby', () => westSees('catalog').length === 4, { timeoutMs: 10_000 });
    assert.ok((await metric('plexus_federation_resumes_total', { peer: 'east' })) > resumes);
    assert.equal(await metric('plexus_federation_full_resyncs_total', { peer: 'east' }), resyncs);
  });

  it('drops stale imports after the staleness window; when the link returns, resyncs and imports again', async () => {
    c.link.cut();
    await waitFor('imports marked stale', () => westSees('catalog').length > 0 && westSees('catalog').every((e) => e.stale === true), { timeoutMs: 10_000 });
    await waitFor('imports dropped after the window', () => westSees('catalog').length === 0, { timeoutMs: 10_000 });
    // Local state in west is untouched throughout.
    c.link.restore();
    await leafConnected(c.east, c.west);
    await waitFor('imports back, fresh', () => westSees('catalog').length === 4 && westSees('catalog').every((e) => e.stale === undefined), { timeoutMs: 15_000 });
    assert.ok((await full('after-drop')) >= 1);
  });

  it('deletes the imports of a peer removed from the configuration at start', async () => {
    await c.stopFederation(c.west);
    assert.ok((await c.west.store.list(importsPrefix('west', 'east'))).items.length > 0);
    const t0 = Date.now();
    await c.startFederation(c.west, 'north');
    await waitFor('east imports gone', async () => (await c.west.store.list(importsPrefix('west', 'east'))).items.length === 0 && westSees('catalog').length === 0, { timeoutMs: 5000 });
    assert.ok(Date.now() - t0 < 5000);
  });
});
