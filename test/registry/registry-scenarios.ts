// The registry's behaviour suite, run by registry.unit.test.ts on the memory store and by
// registry.test.ts on real etcd and ZooKeeper with NATS: one set of expectations for every
// backend. Each test uses its own service names, so tests sharing servers never interfere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { isPlexusError, ValidationError } from '../../lib/errors.js';
import { instanceRecordSchema } from '../../lib/model/instance.js';
import {
  Registration,
  RegistryApi,
  RegistryPool,
  type RegistrationEvent,
  type WatchMessage,
} from '../../lib/registry-client/index.js';
import { instanceKey } from '../../lib/store/keys.js';
import type { Store } from '../../lib/store/store.js';
import { waitFor } from '../harness/index.js';
import type { EventLog, Replica } from './support.js';

export interface ScenarioEnv {
  a: Replica;
  b: Replica;
  events: EventLog;
  /** A client of the same store, for looking behind the registry's back. */
  store: Store;
  cluster: string;
  /** Short lease TTL the tests register with. */
  ttlSeconds: number;
  /** Extra time an expiry may take beyond the TTL on this backend. */
  expiryMarginMs: number;
}

const T = { timeout: 60_000 };

function uniq(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

async function expectError(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(isPlexusError(err, code as never), `expected ${code}, got ${err instanceof Error ? `${(err as { code?: string }).code}: ${err.message}` : String(err)}`);
    return err as Error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** Collects Watch messages until cancelled. */
function collectWatch(api: RegistryApi, req: Parameters<RegistryApi['watch']>[0]): { messages: WatchMessage[]; errors: Error[]; cancel(): void } {
  const messages: WatchMessage[] = [];
  const errors: Error[] = [];
  const w = api.watch(req, { onMessage: (m) => messages.push(m), onError: (e) => errors.push(e) });
  return { messages, errors, cancel: () => w.cancel() };
}

export function registryScenarios(getEnv: () => ScenarioEnv): void {
  let apiA: RegistryApi;
  let apiB: RegistryApi;
  const env = (): ScenarioEnv => {
    const e = getEnv();
    apiA ??= new RegistryApi(e.a.address);
    apiB ??= new RegistryApi(e.b.address);
    return e;
  };

  it('registers, gets, lists and watches; graceful deregister publishes one `deregistered`, never `expired`', T, async () => {
    const { events, ttlSeconds } = env();
    const service = uniq('shop');
    const watch = collectWatch(apiB, { service, namespace: 'default' });
    await waitFor('watch snapshot', () => watch.messages.length > 0);
    assert.equal(watch.messages[0]?.snapshot, true);
    assert.equal(watch.messages[0]?.changes.length, 0);

    const res = await apiA.register({
      service,
      instanceId: `${service}-1`,
      address: '10.1.2.3',
      port: 8080,
      protocol: 'PROTOCOL_HTTP2',
      labels: { app: service, 'example.com/tier': 'front' },
      metadata: { version: '1.2.3' },
      ttlSeconds,
    });
    assert.equal(res.instanceId, `${service}-1`);
    assert.ok(res.incarnation > 0);
    assert.equal(res.ttlSeconds, ttlSeconds);
    assert.equal(res.replaced, false);
    assert.equal(res.heartbeatIntervalMs, Math.floor((ttlSeconds * 1000) / 3));

    const got = await apiB.get({ service, instanceId: `${service}-1` });
    assert.equal(got.record.address, '10.1.2.3');
    assert.equal(got.record.protocol, 'http2');
    assert.equal(got.record.health, 'SERVING');
    assert.equal(got.record.zone, 'zone-a');
    assert.equal(got.record.weight, 100);
    assert.equal(got.record.incarnation, res.incarnation);
    assert.deepEqual(got.record.labels, { app: service, 'example.com/tier': 'front' });

    const listed = await apiB.list({ namespace: 'default', service });
    assert.deepEqual(listed.instances.map((i) => i.record.id), [`${service}-1`]);
    assert.ok(listed.revision >= got.revision);

    const subject = `default/${service}/${service}-1`;
    await waitFor('registered event', () => events.of('instance.registered', subject).length === 1);
    await waitFor('watch PUT', () => watch.messages.some((m) => m.changes.some((c) => c.type === 'put' && c.instance.record.id === `${service}-1`)));

    await apiB.deregister({ service, instanceId: `${service}-1`, incarnation: res.incarnation });
    await waitFor('deregistered event', () => events.of('instance.deregistered', subject).length === 1);
    await Promise.all([env().a.handle.claims.idle(), env().b.handle.claims.idle()]);
    assert.equal(events.of('instance.deregistered', subject).length, 1);
    assert.equal(events.of('instance.expired', subject).length, 0);
    const dereg = events.of('instance.deregistered', subject)[0]!;
    assert.equal((dereg.data as { reason: string }).reason, 'deregistered');
    assert.ok(dereg.revision > res.revision);

    await waitFor('watch DELETE', () =>
      watch.messages.some((m) => m.changes.some((c) => c.type === 'delete' && c.reason === 'deregistered')),
    );
    await expectError(apiA.get({ service, instanceId: `${service}-1` }), 'NOT_FOUND');
    assert.deepEqual(watch.errors, []);
    watch.cancel();
  });

  it('an instance that stops heart-beating expires within TTL + margin, announced once by two replicas', T, async () => {
    const { events, ttlSeconds, expiryMarginMs, a, b } = env();
    const service = uniq('lapse');
    const res = await apiA.register({ service, address: 'lapse.internal', port: 80, ttlSeconds });
    const subject = `default/${service}/${res.instanceId}`;
    const registeredAt = Date.now();
    await waitFor('expired event', () => events.of('instance.expired', subject).length > 0, {
      timeoutMs: ttlSeconds * 1000 + expiryMarginMs + 5000,
    });
    const took = Date.now() - registeredAt;
    assert.ok(took <= ttlSeconds * 1000 + expiryMarginMs, `expired after ${took} ms (TTL ${ttlSeconds} s + margin ${expiryMarginMs} ms)`);
    assert.ok(took >= ttlSeconds * 1000 - 250, `expired too early: ${took} ms`);
    // Both replicas saw the deletion; wait until both have finished with it, then count.
    await waitFor('both replicas saw the deletion', () => !a.handle.view.get(instanceKey(env().cluster, 'default', service, res.instanceId)) && !b.handle.view.get(instanceKey(env().cluster, 'default', service, res.instanceId)));
    await Promise.all([a.handle.claims.idle(), b.handle.claims.idle()]);
    assert.equal(events.of('instance.expired', subject).length, 1);
    assert.equal(events.of('instance.deregistered', subject).length, 0);
    const data = events.of('instance.expired', subject)[0]!.data as { instance: { incarnation: number }; reason: string };
    assert.equal(data.reason, 'expired');
    assert.equal(data.instance.incarnation, res.incarnation);
  });

  it('heartbeats (unary and stream) keep an instance past several TTLs', T, async () => {
    const { events, ttlSeconds, a, b } = env();
    const service = uniq('beat');
    const pool = new RegistryPool([a.address, b.address]);
    const regs = await Promise.all([
      Registration.start(pool, { service, address: '10.0.0.1', port: 1, ttlSeconds }, { transport: 'stream' }),
      Registration.start(pool, { service, address: '10.0.0.2', port: 2, ttlSeconds }, { transport: 'unary' }),
    ]);
    try {
      const until = Date.now() + ttlSeconds * 2000 + 500;
      await waitFor('two TTLs to pass', () => Date.now() > until, { timeoutMs: ttlSeconds * 3000 });
      const listed = await apiA.list({ namespace: 'default', service });
      assert.equal(listed.instances.length, 2);
      for (const r of regs) assert.equal(r.state, 'active');
      assert.equal(events.removalsOf().filter((e) => e.subject.startsWith(`default/${service}/`)).length, 0);
      // A unary heartbeat answers with the TTL.
      assert.equal((await apiB.heartbeat(regs[0]!.ref)).ttlSeconds, ttlSeconds);
    } finally {
      await Promise.all(regs.map((r) => r.deregister()));
      pool.close();
    }
  });

  it('re-registering an id is an idempotent update with a higher incarnation; stale incarnations change nothing', T, async () => {
    const { events, ttlSeconds } = env();
    const service = uniq('inc');
    const id = `${service}-7`;
    const first = await apiA.register({ service, instanceId: id, address: '10.0.0.7', port: 7000, weight: 10, ttlSeconds });
    const second = await apiB.register({ service, instanceId: id, address: '10.0.0.7', port: 7000, weight: 20, ttlSeconds });
    assert.ok(second.incarnation > first.incarnation, `${second.incarnation} > ${first.incarnation}`);
    assert.equal(second.replaced, true);
    const subject = `default/${service}/${id}`;
    await waitFor('registered + updated', () => events.of('instance.registered', subject).length === 1 && events.of('instance.updated', subject).length === 1);
    const stale = { service, instanceId: id, incarnation: first.incarnation };
    const before = await apiA.get({ service, instanceId: id });
    assert.equal(before.record.weight, 20);

    await expectError(apiA.register({ service, instanceId: id, address: '10.9.9.9', port: 1, ttlSeconds, expectedIncarnation: first.incarnation }), 'FAILED_PRECONDITION');
    await expectError(apiA.heartbeat(stale), 'FAILED_PRECONDITION');
    await expectError(apiB.setHealth(stale, 'NOT_SERVING'), 'FAILED_PRECONDITION');
    await expectError(apiA.deregister(stale), 'FAILED_PRECONDITION');
    const after = await apiB.get({ service, instanceId: id });
    assert.deepEqual(after, before, 'stale requests changed nothing');

    // The current incarnation works; the registry kept the old lease from lingering.
    await apiA.heartbeat({ ...stale, incarnation: second.incarnation });
    await apiA.deregister({ ...stale, incarnation: second.incarnation });
    await waitFor('deregistered', () => events.of('instance.deregistered', subject).length === 1);
    assert.equal(events.of('instance.expired', subject).length, 0);
  });

  it('SetHealth publishes `updated`; List filters by health and label selector and paginates', T, async () => {
    const { events, ttlSeconds } = env();
    const service = uniq('list');
    const pool = new RegistryPool([env().a.address]);
    const regs = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        Registration.start(pool, {
          service,
          id: `${service}-${i}`,
          address: `10.2.0.${i + 1}`,
          port: 9000 + i,
          labels: { track: i % 2 === 0 ? 'stable' : 'canary', ...(i === 4 ? { legacy: 'true' } : {}) },
          ttlSeconds,
        }),
      ),
    );
    try {
      const watch = collectWatch(apiB, { namespace: 'default', service });
      await waitFor('snapshot', () => watch.messages.length > 0);
      assert.equal(watch.messages[0]!.changes.length, 5);
      await regs[1]!.setHealth('DRAINING');
      const subject = `default/${service}/${service}-1`;
      await waitFor('updated event', () => events.of('instance.updated', subject).length === 1);
      const upd = events.of('instance.updated', subject)[0]!.data as { instance: { health: string } };
      assert.equal(upd.instance.health, 'DRAINING');
      await waitFor('watch sees DRAINING', () =>
        watch.messages.some((m) => m.changes.some((c) => c.instance.record.id === `${service}-1` && c.instance.record.health === 'DRAINING')),
      );
      watch.cancel();

      const ids = async (req: Parameters<RegistryApi['list']>[0]): Promise<string[]> =>
        (await apiA.listAll(req)).instances.map((i) => i.record.id);
      assert.deepEqual(await ids({ namespace: 'default', service, health: ['HEALTH_DRAINING'] }), [`${service}-1`]);
      assert.deepEqual(await ids({ namespace: 'default', service, labelSelector: 'track=stable' }), [`${service}-0`, `${service}-2`, `${service}-4`]);
      assert.deepEqual(await ids({ namespace: 'default', service, labelSelector: 'track!=stable' }), [`${service}-1`, `${service}-3`]);
      assert.deepEqual(await ids({ namespace: 'default', service, labelSelector: 'track=stable,!legacy' }), [`${service}-0`, `${service}-2`]);
      assert.deepEqual(await ids({ namespace: 'default', service, labelSelector: 'legacy' }), [`${service}-4`]);
      assert.deepEqual(await ids({ service }), regs.map((r) => r.id), 'service filter without namespace');

      const page1 = await apiA.list({ namespace: 'default', service, pageSize: 2 });
      assert.equal(page1.instances.length, 2);
      assert.notEqual(page1.nextPageToken, '');
      const page2 = await apiA.list({ namespace: 'default', service, pageSize: 2, pageToken: page1.nextPageToken });
      const page3 = await apiA.list({ namespace: 'default', service, pageSize: 2, pageToken: page2.nextPageToken });
      assert.equal(page3.nextPageToken, '');
      assert.deepEqual(
        [...page1.instances, ...page2.instances, ...page3.instances].map((i) => i.record.id),
        regs.map((r) => r.id),
      );
    } finally {
      await Promise.all(regs.map((r) => r.deregister()));
      pool.close();
    }
  });

  it('a client whose lease was lost re-registers with a new incarnation; the old one cannot overwrite it', T, async () => {
    const { events, ttlSeconds, store, a, b } = env();
    const service = uniq('lost');
    const pool = new RegistryPool([a.address, b.address]);
    const seen: RegistrationEvent[] = [];
    const reg = await Registration.start(pool, { service, address: '10.3.0.1', port: 3000, ttlSeconds }, { onEvent: (e) => seen.push(e) });
    try {
      const old = reg.incarnation;
      const oldRecord = await apiA.get({ service, instanceId: reg.id });
      // Take the lease away behind the registry's back, as an expiry would.
      await store.revokeLease(oldRecord.record.leaseId);
      await waitFor('re-registered', () => seen.some((e) => e.type === 'reregistered'), { timeoutMs: ttlSeconds * 2000 + 5000 });
      assert.ok(reg.incarnation > old);
      assert.equal(reg.state, 'active');
      const subject = `default/${service}/${reg.id}`;
      await waitFor('expired + registered again', () => events.of('instance.expired', subject).length === 1 && events.of('instance.registered', subject).length === 2);
      const staleRef = { service, instanceId: reg.id, incarnation: old };
      await expectError(apiB.heartbeat(staleRef), 'FAILED_PRECONDITION');
      await expectError(apiB.setHealth(staleRef, 'NOT_SERVING'), 'FAILED_PRECONDITION');
      await expectError(apiA.register({ service, instanceId: reg.id, address: '6.6.6.6', port: 6, ttlSeconds, expectedIncarnation: old }), 'FAILED_PRECONDITION');
      const now = await apiA.get({ service, instanceId: reg.id });
      assert.equal(now.record.incarnation, reg.incarnation);
      assert.equal(now.record.address, '10.3.0.1');
      assert.equal(now.record.health, 'SERVING');
    } finally {
      await reg.deregister();
      pool.close();
    }
  });

  it('a registration superseded by a newer incarnation of its id stops instead of fighting', T, async () => {
    const { ttlSeconds, a } = env();
    const service = uniq('dup');
    const pool = new RegistryPool([a.address]);
    const seen: RegistrationEvent[] = [];
    const reg = await Registration.start(pool, { service, id: `${service}-x`, address: '10.4.0.1', port: 1, ttlSeconds }, { onEvent: (e) => seen.push(e) });
    try {
      const newer = await apiA.register({ service, instanceId: `${service}-x`, address: '10.4.0.2', port: 2, ttlSeconds });
      await waitFor('superseded', () => reg.state === 'superseded', { timeoutMs: ttlSeconds * 1000 + 5000 });
      assert.ok(seen.some((e) => e.type === 'superseded'));
      const now = await apiA.get({ service, instanceId: `${service}-x` });
      assert.equal(now.record.incarnation, newer.incarnation);
      assert.equal(now.record.address, '10.4.0.2');
      await apiA.deregister({ service, instanceId: `${service}-x` });
    } finally {
      pool.close();
    }
  });

  it('rejects bad input with INVALID_ARGUMENT and the exact field paths, changing nothing', T, async () => {
    const { ttlSeconds } = env();
    const service = uniq('bad');
    const ok = { service, address: '10.5.0.1', port: 80, ttlSeconds };
    const long = (n: number, c = 'a'): string => c.repeat(n);
    const cases: Array<{ name: string; call: () => Promise<unknown>; paths: string[] }> = [
      { name: 'empty service', call: () => apiA.register({ ...ok, service: '' }), paths: ['service'] },
      { name: 'over-long service', call: () => apiA.register({ ...ok, service: long(64) }), paths: ['service'] },
      { name: 'upper-case service', call: () => apiA.register({ ...ok, service: 'Web' }), paths: ['service'] },
      { name: 'bad namespace', call: () => apiA.register({ ...ok, namespace: 'team_a' }), paths: ['namespace'] },
      { name: 'over-long namespace', call: () => apiA.register({ ...ok, namespace: long(64) }), paths: ['namespace'] },
      { name: 'bad instance id', call: () => apiA.register({ ...ok, instanceId: '-x' }), paths: ['instanceId'] },
      { name: 'over-long instance id', call: () => apiA.register({ ...ok, instanceId: long(129) }), paths: ['instanceId'] },
      { name: 'empty address', call: () => apiA.register({ ...ok, address: '' }), paths: ['address'] },
      { name: 'bad IPv4', call: () => apiA.register({ ...ok, address: '999.1.1.1' }), paths: ['address'] },
      { name: 'bad host name', call: () => apiA.register({ ...ok, address: 'no spaces.example' }), paths: ['address'] },
      { name: 'over-long host name', call: () => apiA.register({ ...ok, address: `${long(60)}.${long(60)}.${long(60)}.${long(60)}.${long(60)}.com` }), paths: ['address'] },
      { name: 'port 0', call: () => apiA.register({ ...ok, port: 0 }), paths: ['port'] },
      { name: 'port 65536', call: () => apiA.register({ ...ok, port: 65536 }), paths: ['port'] },
      { name: 'unknown protocol', call: () => apiA.register({ ...ok, protocol: 42 as never }), paths: ['protocol'] },
      { name: 'bad label key', call: () => apiA.register({ ...ok, labels: { 'bad key!': 'x' } }), paths: ['labels.bad key!'] },
      { name: 'over-long label value', call: () => apiA.register({ ...ok, labels: { app: long(64) } }), paths: ['labels.app'] },
      { name: 'too many labels', call: () => apiA.register({ ...ok, labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }), paths: ['labels'] },
      { name: 'huge metadata', call: () => apiA.register({ ...ok, metadata: { blob: long(20_000, 'x') } }), paths: ['metadata'] },
      { name: 'weight 1001', call: () => apiA.register({ ...ok, weight: 1001 }), paths: ['weight'] },
      { name: 'TTL out of range', call: () => apiA.register({ ...ok, ttlSeconds: 100_000 }), paths: ['ttlSeconds'] },
      {
        name: 'several problems at once',
        call: () => apiA.register({ service: 'X', address: '', port: 0, zone: 'Zone 1', ttlSeconds }),
        paths: ['service', 'address', 'port', 'zone'],
      },
      { name: 'heartbeat without instance', call: () => apiA.heartbeat(undefined as never), paths: ['instance'] },
      { name: 'heartbeat without incarnation', call: () => apiA.heartbeat({ service, instanceId: 'x' }), paths: ['instance.incarnation'] },
      { name: 'heartbeat with bad names', call: () => apiA.heartbeat({ service: 'A', instanceId: '', incarnation: 1 }), paths: ['instance.service', 'instance.instanceId'] },
      { name: 'SetHealth unspecified', call: () => apiA.setHealth({ service, instanceId: 'x' }, 'UNSPECIFIED' as never), paths: ['health'] },
      { name: 'List bad selector', call: () => apiA.list({ labelSelector: 'a=b,=c' }), paths: ['labelSelector'] },
      { name: 'List page too big', call: () => apiA.list({ pageSize: 5000 }), paths: ['pageSize'] },
      { name: 'List forged page token', call: () => apiA.list({ pageToken: 'bm90LWEtdG9rZW4' }), paths: ['pageToken'] },
      { name: 'Get bad id', call: () => apiA.get({ service, instanceId: 'UPPER' }), paths: ['instanceId'] },
    ];
    for (const c of cases) {
      let caught: unknown;
      try {
        await c.call();
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof ValidationError, `${c.name}: expected INVALID_ARGUMENT, got ${caught instanceof Error ? caught.message : 'success'}`);
      assert.deepEqual(
        caught.violations.map((v) => v.path).sort(),
        [...c.paths].sort(),
        `${c.name}: paths ${JSON.stringify(caught.violations)}`,
      );
    }
    // Nothing of it was stored.
    assert.equal((await apiA.list({ service })).instances.length, 0);
  });

  it('wrong wire types and undecodable bytes get INVALID_ARGUMENT, never INTERNAL or a crash', T, async () => {
    const raw = new grpc.Client(env().a.address, grpc.credentials.createInsecure());
    const send = (bytes: Buffer): Promise<grpc.ServiceError | undefined> =>
      new Promise((resolve) => {
        raw.makeUnaryRequest(
          '/plexus.registry.v1.Registry/Register',
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          { deadline: Date.now() + 5000 },
          (err) => resolve(err ?? undefined),
        );
      });
    try {
      // field 5 (port, uint32) sent as a length-delimited string "abc", then a truncated field.
      const wrongType = await send(Buffer.from([0x2a, 0x03, 0x61, 0x62, 0x63, 0x12, 0x10, 0x61]));
      assert.equal(wrongType?.code, grpc.status.INVALID_ARGUMENT, wrongType?.details);
      const garbage = await send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
      assert.equal(garbage?.code, grpc.status.INVALID_ARGUMENT, garbage?.details);
      // The replica is still serving.
      assert.ok((await apiA.list({})).revision > 0);
    } finally {
      raw.close();
    }
  });

  it('caps instances per service and request size with RESOURCE_EXHAUSTED', T, async () => {
    const { ttlSeconds } = env();
    const service = uniq('cap');
    const big = { service, address: '10.6.0.1', port: 1, ttlSeconds, metadata: { blob: 'x'.repeat(300 * 1024) } };
    await expectError(apiA.register(big), 'RESOURCE_EXHAUSTED');
    // maxInstancesPerService is 5 in these suites.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await apiA.register({ service, address: '10.6.0.1', port: 1 + i, ttlSeconds })).instanceId);
    await waitFor('view counts five', () => env().a.handle.view.countOf('default', service) === 5);
    await expectError(apiA.register({ service, address: '10.6.0.9', port: 9, ttlSeconds }), 'RESOURCE_EXHAUSTED');
    // Re-registering an existing id is not a new instance.
    await apiA.register({ service, instanceId: ids[0], address: '10.6.0.1', port: 1, ttlSeconds });
    for (const id of ids) await apiA.deregister({ service, instanceId: id });
  });

  it('stores only valid records (shape check on what the store holds)', T, async () => {
    const { store, cluster } = env();
    const service = uniq('shape');
    const res = await apiA.register({ service, address: 'fd00::1', port: 443, protocol: 'PROTOCOL_GRPC', ttlSeconds: env().ttlSeconds });
    const kv = await store.get(instanceKey(cluster, 'default', service, res.instanceId));
    assert.ok(kv);
    const parsed = instanceRecordSchema.parse(kv.value);
    assert.equal(parsed.address, 'fd00::1');
    assert.equal(parsed.protocol, 'grpc');
    assert.equal(parsed.cluster, cluster);
    assert.equal(kv.lease, parsed.leaseId);
    await apiA.deregister({ service, instanceId: res.instanceId });
  });

  after(() => {
    apiA?.close();
    apiB?.close();
  });
}
