// Proxyless gRPC clients (@grpc/grpc-js-xds, the real xDS client) against the real config-push,
// in-process on the in-memory store and bus, calling the demo Inventory service (v1 and v2).
// Each client has its own node id through a per-channel bootstrap.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StatusClient } from '../config-push/support.js';
import {
  callOnce,
  inventoryBackend,
  inventoryRoute,
  split,
  startXdsPlane,
  until,
  versionMix,
  xdsClient,
  type InventoryBackend,
  type InventoryClient,
  type XdsPlane,
} from './support.js';

describe('xDS: proxyless gRPC clients', () => {
  let plane: XdsPlane;
  let v1: InventoryBackend;
  let v2: InventoryBackend;
  let status: StatusClient;
  const clients: InventoryClient[] = [];
  let seq = 0;

  function client(target?: string): InventoryClient {
    const c = xdsClient(plane.address, `xds-test-${++seq}`, target);
    clients.push(c);
    return c;
  }

  before(async () => {
    plane = await startXdsPlane();
    v1 = await inventoryBackend(plane, 'v1');
    v2 = await inventoryBackend(plane, 'v2');
    status = new StatusClient(plane.address);
  });

  after(async () => {
    for (const c of clients) c.close();
    status.close();
    await v1.app.close();
    await v2.app.close();
    await plane.close();
  });

  it('splits 80/20 over 200 calls within ±8 %', async () => {
    await plane.writer.applyPolicy(split(80, 20));
    const c = client();
    await until('route applied', async () => (await callOnce(c)).code === grpc.status.OK);
    // The first answer may predate the split (a client can connect before the Route is built).
    await until('split visible', async () => ((await versionMix(c, 20)).get('v2') ?? 0) > 0);
    const mix = await versionMix(c, 200);
    const share = (mix.get('v1') ?? 0) / 200;
    assert.ok(Math.abs(share - 0.8) <= 0.08, `v1 share ${share} (mix ${JSON.stringify([...mix])})`);
  });

  it('works as xds:///inventory.default:<port> too', async () => {
    const c = client('xds:///inventory.default:50051');
    await until('calls answered', async () => (await callOnce(c)).code === grpc.status.OK);
  });

  it('sees a Route change to 0/100 within 1 s, and counts its ACK in status and rollout', async () => {
    const c = client();
    await plane.writer.applyPolicy(split(100, 0));
    await until('all v1', async () => (await versionMix(c, 10)).get('v1') === 10);
    const revision = await plane.writer.applyPolicy(split(0, 100));
    const elapsed = await until('all v2', async () => (await versionMix(c, 5)).get('v2') === 5, 1000);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);

    const proxies = (await status.proxyStatus()).proxies.filter((p) => p.kind === 'xds');
    assert.ok(proxies.length >= 1);
    const me = proxies.find((p) => p.node?.instanceId === `xds-test-${seq}`)!;
    assert.equal(me.node?.zone, 'zone-a');
    assert.ok(me.types.some((t) => t.type === 'Service' && t.state === 'SYNCED'), JSON.stringify(me.types));
    const progress = await status.waitForRollout({ target: 'policy', policy: { kind: 'Route', namespace: 'default', name: 'inventory' }, revision, timeoutMs: 5000 });
    const last = progress.at(-1)!;
    assert.equal(last.outcome, 'COMPLETE');
    assert.ok(last.acked >= 1, JSON.stringify(last));
  });

  it('routes on a header match to v2, the rest to v1', async () => {
    await plane.writer.applyPolicy(
      inventoryRoute({
        rules: [
          { name: 'canary', match: { headers: [{ name: 'x-canary', exact: 'true' }] }, destinations: [{ subset: { version: 'v2' } }] },
          { destinations: [{ subset: { version: 'v1' } }] },
        ],
      }),
    );
    const c = client();
    await until('rule applied', async () => (await versionMix(c, 5, { 'x-canary': 'true' })).get('v2') === 5 && (await versionMix(c, 5)).get('v1') === 5);
    assert.equal((await versionMix(c, 20, { 'x-canary': 'true' })).get('v2'), 20);
    assert.equal((await versionMix(c, 20)).get('v1'), 20);
  });

  it('injects an abort fault (100 % → UNAVAILABLE) and stops when it is removed', async () => {
    const c = client();
    await plane.writer.applyPolicy(inventoryRoute({ rules: [{ destinations: [{ subset: {} }], fault: { abort: { httpStatus: 503, percent: 100 } } }] }));
    await until('fault active', async () => (await callOnce(c)).code === grpc.status.UNAVAILABLE);
    const mix = await versionMix(c, 20);
    assert.equal(mix.get('error:UNAVAILABLE'), 20, JSON.stringify([...mix]));
    await plane.writer.applyPolicy(inventoryRoute({ rules: [{ destinations: [{ subset: {} }] }] }));
    await until('fault gone', async () => (await versionMix(c, 5)).size > 0 && !(await versionMix(c, 10)).has('error:UNAVAILABLE'));
  });

  it('a NACKed RouteConfiguration keeps the last good config; the next valid one is applied', async () => {
    const c = client();
    await plane.writer.applyPolicy(split(100, 0));
    await until('all v1', async () => (await versionMix(c, 10)).get('v1') === 10);
    const xds = plane.replica.handle.xds;
    // Invalid for every xDS client: a route without a path specifier.
    xds.resources.setMutator((type, _name, msg) => {
      if (!type.endsWith('RouteConfiguration')) return msg;
      const vh = (msg.virtual_hosts as Array<{ routes: Array<Record<string, unknown>> }>)[0]!;
      vh.routes[0]!.match = {};
      return msg;
    });
    await plane.writer.applyPolicy(split(0, 100));
    await until('NACK recorded', async () => {
      const me = (await status.proxyStatus()).proxies.find((p) => p.node?.instanceId === `xds-test-${seq}`);
      return me?.types.some((t) => t.type === 'Service' && t.lastNack !== null) ?? false;
    });
    assert.equal((await versionMix(c, 20)).get('v1'), 20, 'kept the last accepted route');
    xds.resources.setMutator(undefined);
    await until('valid version applied', async () => (await versionMix(c, 5)).get('v2') === 5);
  });

  it('a deleted Route falls back to every endpoint', async () => {
    const c = client();
    await plane.writer.applyPolicy(split(0, 100));
    await until('all v2', async () => (await versionMix(c, 10)).get('v2') === 10);
    await plane.writer.deletePolicy('Route', 'default', 'inventory');
    await until('both versions', async () => {
      const mix = await versionMix(c, 20);
      return (mix.get('v1') ?? 0) > 0 && (mix.get('v2') ?? 0) > 0;
    });
  });

  it('moves traffic off a killed endpoint', async () => {
    const c = client();
    await until('both versions', async () => {
      const mix = await versionMix(c, 20);
      return (mix.get('v1') ?? 0) > 0 && (mix.get('v2') ?? 0) > 0;
    });
    await v1.app.close();
    await until('all calls on v2', async () => (await versionMix(c, 10)).get('v2') === 10, 10_000);
  });
});
