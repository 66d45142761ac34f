// Per-endpoint deltas on the discovery protocol, against real etcd and NATS with config-push
// in-process: a proxy that names the "endpoints-delta" capability gets one endpoint's change as
// a delta of a few dozen bytes (≤ 1 % of its own full push for a service with many endpoints)
// and ends with exactly the server's Endpoints through adds, removals, health and weight
// changes; an older proxy (no capability) keeps getting whole bodies; a resumed stream gets the
// change from the version it holds; and a proxy that says it does not hold a delta's base
// (NACK FAILED_PRECONDITION) gets the whole body instead of a quarantine.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiscoveryClient } from '../../lib/discovery-client/index.js';
import { silentLogger } from '../../lib/log.js';
import { canonicalJson } from '../../lib/mesh/canonical-json.js';
import type { InstanceRecord } from '../../lib/model/instance.js';
import { MeshConfig } from '../../proxy/config/mesh-config.js';
import { ProxyMetrics } from '../../proxy/telemetry/metrics.js';
import { waitFor } from '../harness/index.js';
import { instanceRecord } from './fixtures.js';
import { CLUSTER, startMeshBackends, startReplica, TestFleet, type MeshBackends, type Replica } from './support.js';

const BIG = 'default/big';
const ENDPOINTS = 200;

describe('Endpoints deltas (etcd + NATS)', () => {
  let backends: MeshBackends;
  let replica: Replica;
  const fleet = new TestFleet();
  const records = new Map<string, InstanceRecord>();

  /** Runs a store write and waits until the server's Endpoints of BIG reflect it (a new version). */
  async function changed(what: string, write: () => Promise<unknown>): Promise<void> {
    const before = replica.handle.cache.get('Endpoints', BIG)?.version;
    await write();
    await waitFor(`${what}: the server has a new version`, () => replica.handle.cache.get('Endpoints', BIG)?.version !== before);
  }

  function put(id: string, patch: Partial<InstanceRecord> = {}): Promise<void> {
    return changed(`put ${id}`, () => write(id, patch));
  }

  async function write(id: string, patch: Partial<InstanceRecord>): Promise<void> {
    const prev = records.get(id) ?? instanceRecord('default', 'big', id, { address: `10.2.${records.size >> 8}.${records.size & 255}`, labels: { version: 'v1', track: 'stable' } });
    const next = { ...prev, ...patch, updatedAt: new Date().toISOString() };
    records.set(id, next);
    await backends.writer.putInstance(next);
  }

  /** The proxy holds the server's current Endpoints of BIG, byte for byte. */
  async function inSync(p: DiscoveryClient, what: string): Promise<void> {
    await waitFor(`${what}: proxy holds the current Endpoints`, () => {
      const cur = replica.handle.cache.get('Endpoints', BIG);
      return cur !== undefined && p.version('Endpoints', BIG) === cur.version;
    });
    const cur = replica.handle.cache.get('Endpoints', BIG)!;
    assert.deepEqual(p.held('Endpoints').get(BIG)!.body, cur.body, `${what}: same body as the server`);
  }

  before(async () => {
    backends = await startMeshBackends();
    const { etcd, nats } = backends;
    for (let i = 0; i < ENDPOINTS; i++) await write(`big-${String(i).padStart(3, '0')}`, {});
    replica = await startReplica({
      name: 'cp-delta',
      store: { backend: 'etcd', endpoints: [etcd.endpoint] },
      bus: { kind: 'nats', servers: [nats.url] },
      configPush: { debounceMs: 5, maxDelayMs: 50 },
    });
    await waitFor('all endpoints in the cache', () => replica.handle.view.instancesOf(BIG).size === ENDPOINTS);
  });

  after(async () => {
    fleet.closeAll();
    await replica?.close();
    await backends?.close();
  });

  it('one endpoint change costs a capable proxy ≤ 1 % of its full push; an older proxy still gets the whole body', async () => {
    const { client: modern, log: mlog } = fleet.start(replica.address, { Endpoints: [BIG] }, { endpointDeltas: true });
    const { client: legacy, log: llog } = fleet.start(replica.address, { Endpoints: [BIG] });
    await inSync(modern, 'initial');
    await inSync(legacy, 'initial');
    const fullPush = mlog.reduce((n, r) => n + r.bytes, 0);
    assert.ok(mlog[0]!.resources[0]!.body.length > 0 && !mlog[0]!.resources[0]!.delta, 'the first push is whole');
    mlog.length = 0;
    llog.length = 0;

    await put('big-100', { weight: 7 });
    await inSync(modern, 'weight change');
    await inSync(legacy, 'weight change');
    assert.equal(mlog.length, 1);
    const r = mlog[0]!.resources[0]!;
    assert.ok(r.delta && r.delta.length > 0 && r.body.length === 0, 'sent as a delta');
    assert.ok(mlog[0]!.bytes <= fullPush / 100, `change ${mlog[0]!.bytes} B vs own full push ${fullPush} B`);
    assert.equal(llog.length, 1);
    assert.ok(!llog[0]!.resources[0]!.delta && llog[0]!.resources[0]!.body.length > 50 * mlog[0]!.bytes, 'the older proxy gets the whole body');
  });

  it('adds, removals, health changes and labels: the delta-applied set is the server\'s after each', async () => {
    const { client: p, log } = fleet.start(replica.address, { Endpoints: [BIG] }, { endpointDeltas: true });
    await inSync(p, 'initial');
    log.length = 0;
    const steps: Array<[string, () => Promise<void>]> = [
      ['add', () => put('big-new', { weight: 3 })],
      ['drain (removed from Endpoints)', () => put('big-010', { health: 'DRAINING' })],
      ['serving again', () => put('big-010', { health: 'SERVING' })],
      ['labels', () => put('big-011', { labels: { version: 'v2' } })],
      ['deregister', () => changed('deregister big-012', async () => {
        await backends.writer.deleteInstance(records.get('big-012')!);
        records.delete('big-012');
      })],
    ];
    for (const [what, step] of steps) {
      await step();
      await inSync(p, what);
    }
    const body = p.body('Endpoints', BIG)!;
    assert.ok(body.endpoints.some((e) => e.id === 'big-new' && e.weight === 3));
    assert.ok(!body.endpoints.some((e) => e.id === 'big-012'));
    assert.deepEqual(body.endpoints.find((e) => e.id === 'big-011')!.labels, { version: 'v2' });
    assert.ok(log.length >= steps.length);
    assert.ok(log.every((r) => r.resources.every((x) => x.delta !== undefined)), 'every change came as a delta');
  });

  it('the proxy\'s MeshConfig names the capability, applies the deltas, and its hosts follow', async () => {
    const mesh = new MeshConfig({ identity: 'default/web', locality: { zone: 'z', cluster: CLUSTER }, metrics: new ProxyMetrics(), logger: silentLogger(), onDemandTimeoutMs: 5000 });
    const client = new DiscoveryClient({
      addresses: [replica.address],
      node: { instanceId: 'mesh-config-proxy', namespace: 'default', service: 'web', cluster: CLUSTER, zone: 'z', labels: {}, proxyVersion: 'test' },
      source: mesh,
      backoffMinMs: 50,
      backoffMaxMs: 500,
    });
    const log: Array<{ delta: boolean }> = [];
    client.on('response', (r) => {
      if (r.type === 'Endpoints') for (const x of r.resources) if (x.name === BIG) log.push({ delta: x.delta !== undefined });
    });
    mesh.setSubscriptionSink(client);
    client.start();
    try {
      const current = (): boolean => mesh.held('Endpoints')[BIG] === replica.handle.cache.get('Endpoints', BIG)?.version;
      // Sidecars subscribe to what they call (no '*' since caller identity moved to certificates).
      const routing = await mesh.resolve(BIG);
      await waitFor('proxy holds BIG', current);
      await put('big-040', { weight: 40 });
      await put('big-041', { health: 'DRAINING' });
      await put('big-mesh', { weight: 2 });
      await waitFor('proxy holds the current Endpoints', () => current() && routing!.cluster.hosts.some((h) => h.id === 'big-mesh'));
      const cur = replica.handle.cache.get('Endpoints', BIG)!;
      const dumped = (mesh.dump().services as Record<string, { endpoints: { body: unknown } }>)[BIG]!.endpoints.body;
      assert.equal(canonicalJson(dumped), cur.body.toString('utf8'));
      assert.deepEqual(routing!.cluster.hosts.map((h) => h.id), (JSON.parse(cur.body.toString('utf8')) as { endpoints: Array<{ id: string }> }).endpoints.map((e) => e.id));
      assert.equal(routing!.cluster.hosts.find((h) => h.id === 'big-040')!.weight, 40);
      assert.ok(log.slice(1).length > 0 && log.slice(1).every((x) => x.delta), 'changes after the first push came as deltas');
    } finally {
      client.close();
      mesh.close();
    }
  });

  it('reconnect: a resumed stream gets the change from the version it holds, as a delta', async () => {
    const { client: first } = fleet.start(replica.address, { Endpoints: [BIG] }, { endpointDeltas: true, id: 'delta-resumer' });
    await inSync(first, 'initial');
    const held = { Endpoints: new Map(first.held('Endpoints')) };
    first.close();
    await put('big-020', { weight: 20 });
    await waitFor('cache has the change', () => replica.handle.cache.get('Endpoints', BIG)!.version !== held.Endpoints.get(BIG)!.version);
    const { client: resumed, log } = fleet.start(replica.address, { Endpoints: [BIG] }, { endpointDeltas: true, id: 'delta-resumer', resume: held });
    await inSync(resumed, 'resumed');
    assert.equal(log.length, 1);
    assert.equal(log[0]!.resources[0]!.baseVersion, held.Endpoints.get(BIG)!.version.slice(0, 8));
  });

  it('a NACK FAILED_PRECONDITION of a delta is answered with the whole body, not a quarantine', async () => {
    const { client: p, log } = fleet.start(replica.address, { Endpoints: [BIG] }, { endpointDeltas: true, manualAck: true });
    await waitFor('initial push', () => log.length === 1);
    p.ack(log[0]!.nonce);
    await put('big-030', { weight: 30 });
    await waitFor('the change', () => log.length === 2);
    assert.ok(log[1]!.resources[0]!.delta, 'a delta');
    p.nack(log[1]!.nonce, 'I do not hold that base', grpc.status.FAILED_PRECONDITION);
    await waitFor('the same version again, whole', () => log.length === 3);
    assert.equal(log[2]!.resources[0]!.version, log[1]!.resources[0]!.version);
    assert.ok(!log[2]!.resources[0]!.delta && log[2]!.resources[0]!.body.length > 0);
    p.ack(log[2]!.nonce);
    await inSync(p, 'after the resend');
    assert.equal(p.rejected('Endpoints').size, 0, 'the client records no rejection');
    // The next change is a delta again.
    await put('big-031', { weight: 31 });
    await waitFor('next change', () => log.length === 4);
    assert.ok(log[3]!.resources[0]!.delta);
    p.ack(log[3]!.nonce);
    await inSync(p, 'next change');
  });
});
