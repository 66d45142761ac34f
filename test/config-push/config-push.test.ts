// Config-push protocol scenarios against real etcd and NATS, with protocol-speaking test proxies
// (lib/discovery-client), config-push in-process. Instances and policies are written the way the
// registry and policy services write them: store first, then the event.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBus } from '../../lib/bus/index.js';
import type { EventBus } from '../../lib/bus/bus.js';
import type { DiscoveryClient, ReceivedResponse } from '../../lib/discovery-client/index.js';
import { loadPackageDefinition } from '../../lib/grpc/proto.js';
import { violationsFromStatus } from '../../lib/grpc/status.js';
import { silentLogger } from '../../lib/log.js';
import type { DeltaRequest } from '../../lib/proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { InstanceRecord } from '../../lib/model/instance.js';
import { createStore } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import { startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { instanceRecord, MeshWriter, routePolicy } from './fixtures.js';
import { CLUSTER, startReplica, StatusClient, testProxy, type Replica } from './support.js';

const SERVICES = ['s1', 's2', 's3', 's4'];

describe('config-push (etcd + NATS)', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let store: Store;
  let bus: EventBus;
  let writer: MeshWriter;
  let replica: Replica;
  let status: StatusClient;
  const proxies: DiscoveryClient[] = [];
  const records = new Map<string, InstanceRecord>();

  function proxy(...args: Parameters<typeof testProxy>): DiscoveryClient {
    const p = testProxy(...args);
    proxies.push(p);
    return p;
  }

  function recordResponses(p: DiscoveryClient): ReceivedResponse[] {
    const log: ReceivedResponse[] = [];
    p.on('response', (r) => log.push(r));
    return log;
  }

  async function changeInstance(service: string, id: string, patch: Partial<InstanceRecord>): Promise<number> {
    const key = `${service}/${id}`;
    const next = { ...records.get(key)!, ...patch, updatedAt: new Date().toISOString() };
    records.set(key, next);
    return writer.putInstance(next);
  }

  /** Waits until the proxy holds the cache's current version of every named resource. */
  async function synced(p: DiscoveryClient, type: 'Service' | 'Endpoints' | 'Inbound', names: string[]): Promise<void> {
    await waitFor(`${type} ${names.join(',')} synced`, () =>
      names.every((n) => {
        const cur = replica.handle.cache.get(type, n);
        return cur !== undefined && p.version(type, n) === cur.version;
      }),
    );
  }

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
    bus = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: CLUSTER, service: 'writer', replica: 'w1' }, silentLogger());
    writer = new MeshWriter(CLUSTER, store, bus);
    for (const svc of SERVICES) {
      for (const id of ['a', 'b']) {
        const r = instanceRecord('default', svc, `${svc}-${id}`, { address: `10.0.0.${records.size + 1}`, labels: { version: id === 'a' ? 'v1' : 'v2' } });
        records.set(`${svc}/${svc}-${id}`, r);
        await writer.putInstance(r);
      }
    }
    replica = await startReplica({
      name: 'cp-a',
      store: { backend: 'etcd', endpoints: [etcd.endpoint] },
      bus: { kind: 'nats', servers: [nats.url] },
      configPush: { debounceMs: 5, maxDelayMs: 50 },
    });
    status = new StatusClient(replica.address);
  });

  after(async () => {
    for (const p of proxies) p.close();
    status?.close();
    await replica?.close();
    await bus?.close();
    await store?.close();
    await Promise.all([etcd?.stop(), nats?.stop()]);
  });

  it('initial subscribe receives exactly the subscribed resources; * receives all', async () => {
    const p = proxy(replica.address, { Endpoints: ['default/s1', 'default/s2'], Service: ['default/s1'] });
    const log = recordResponses(p);
    await synced(p, 'Endpoints', ['default/s1', 'default/s2']);
    await synced(p, 'Service', ['default/s1']);
    assert.deepEqual([...p.held('Endpoints').keys()].sort(), ['default/s1', 'default/s2']);
    assert.deepEqual([...p.held('Service').keys()], ['default/s1']);
    assert.equal(p.held('Inbound').size, 0);
    // One response per subscribed type, each with exactly the subscribed names.
    assert.deepEqual(log.map((r) => `${r.type}:${r.resources.map((x) => x.name).sort().join(',')}`).sort(), [
      'Endpoints:default/s1,default/s2',
      'Service:default/s1',
    ]);
    const eps = p.body('Endpoints', 'default/s1')!;
    assert.deepEqual(eps.endpoints.map((e) => e.id), ['s1-a', 's1-b']);
    assert.deepEqual(eps.endpoints[1]!.labels, { version: 'v2' });

    const all = proxy(replica.address, { Endpoints: ['*'] });
    await waitFor('wildcard proxy holds every service', () => all.held('Endpoints').size === SERVICES.length);
    assert.deepEqual([...all.held('Endpoints').keys()].sort(), SERVICES.map((s) => `default/${s}`));

    // An explicit name that does not exist is answered as removed, so an on-demand lookup ends.
    const unknown = proxy(replica.address, { Service: ['default/nope'] });
    const ulog = recordResponses(unknown);
    await waitFor('answer for an unknown service', () => ulog.length > 0);
    assert.deepEqual(ulog[0]!.removed, ['default/nope']);
    assert.equal(ulog[0]!.resources.length, 0);
  });

  it('one endpoint change reaches only its subscribers, as one Endpoints resource', async () => {
    const p1 = proxy(replica.address, { Endpoints: ['default/s1'] });
    const p2 = proxy(replica.address, { Endpoints: ['default/s2'] });
    const all = proxy(replica.address, { Endpoints: ['*'] });
    await synced(p1, 'Endpoints', ['default/s1']);
    await synced(p2, 'Endpoints', ['default/s2']);
    await synced(all, 'Endpoints', SERVICES.map((s) => `default/${s}`));
    const [log1, log2, logAll] = [recordResponses(p1), recordResponses(p2), recordResponses(all)];

    await changeInstance('s1', 's1-a', { health: 'DRAINING' });
    await waitFor('p1 sees s1-a drained', () => p1.body('Endpoints', 'default/s1')?.endpoints.length === 1);
    await waitFor('wildcard proxy sees it', () => all.body('Endpoints', 'default/s1')?.endpoints.length === 1);
    assert.equal(log1.length, 1);
    assert.equal(log1[0]!.type, 'Endpoints');
    assert.deepEqual(log1[0]!.resources.map((r) => r.name), ['default/s1']);
    assert.deepEqual(logAll.map((r) => r.resources.map((x) => x.name)), [['default/s1']]);
    assert.deepEqual(p1.body('Endpoints', 'default/s1')!.endpoints.map((e) => e.id), ['s1-b']);

    // p2 does not subscribe to s1. Proof that it received nothing: a later change to s2 is the
    // first thing it receives (the stream is ordered).
    await changeInstance('s2', 's2-a', { weight: 7 });
    await waitFor('p2 sees the s2 change', () => p2.body('Endpoints', 'default/s2')?.endpoints[0]?.weight === 7);
    assert.deepEqual(log2.map((r) => r.resources.map((x) => x.name)), [['default/s2']]);
    await changeInstance('s1', 's1-a', { health: 'SERVING' });
    await waitFor('s1-a serving again', () => p1.body('Endpoints', 'default/s1')?.endpoints.length === 2);
  });

  it('a policy change reaches the affected proxies and rollout status reports all acked', async () => {
    const affected = [1, 2, 3].map(() => proxy(replica.address, { Service: ['default/s3'], Endpoints: ['default/s3'] }));
    const other = proxy(replica.address, { Service: ['default/s4'] });
    for (const p of affected) await synced(p, 'Service', ['default/s3']);
    await synced(other, 'Service', ['default/s4']);
    const otherLog = recordResponses(other);

    const revision = await writer.applyPolicy(routePolicy('default', 's3', '300ms'));
    const progress = await status.waitForRollout({ policy: { kind: 'Route', namespace: 'default', name: 's3' }, revision, timeoutMs: 10_000 });
    const final = progress.at(-1)!;
    assert.equal(final.done, true);
    assert.equal(final.outcome, 'COMPLETE', JSON.stringify(final));
    assert.equal(final.affected, 3);
    assert.equal(final.acked, 3);
    assert.equal(final.pendingCount, 0);
    assert.deepEqual(final.resources, ['Service default/s3']);
    for (const p of affected) {
      const svc = p.body('Service', 'default/s3')!;
      assert.equal(svc.routes[0]?.timeoutMs, 300);
      assert.deepEqual(svc.sources, [{ kind: 'Route', namespace: 'default', name: 's3' }]);
    }
    assert.equal(otherLog.length, 0);

    // An instance change is tracked the same way, over the subscribers of its Endpoints.
    const irev = await changeInstance('s3', 's3-b', { health: 'NOT_SERVING' });
    const iprog = await status.waitForRollout({ instance: { namespace: 'default', service: 's3', instanceId: 's3-b' }, revision: irev, timeoutMs: 10_000 });
    assert.equal(iprog.at(-1)!.outcome, 'COMPLETE', JSON.stringify(iprog.at(-1)));
    // Every stream subscribed to Endpoints default/s3 (these three, and wildcard ones from earlier tests).
    const subscribers = replica.handle.server.connected().filter((x) => x.session.state('Endpoints').subscribed('default/s3')).length;
    assert.ok(subscribers >= 3);
    assert.equal(iprog.at(-1)!.affected, subscribers);
    assert.equal(iprog.at(-1)!.acked, subscribers);
    assert.deepEqual(iprog.at(-1)!.resources, ['Endpoints default/s3']);
    for (const p of affected) assert.deepEqual(p.body('Endpoints', 'default/s3')!.endpoints.map((e) => e.id), ['s3-a']);

    // Without an explicit revision: the policy's current one; already rolled out → at once.
    const again = await status.waitForRollout({ policy: { kind: 'Route', namespace: 'default', name: 's3' }, timeoutMs: 10_000 });
    assert.equal(again.at(-1)!.outcome, 'COMPLETE');
    assert.equal(again.at(-1)!.revision, revision);
  });

  it('NACK: recorded with its error, shown by ProxyStatus and rollout status, not resent', async () => {
    const rejecting = proxy(
      replica.address,
      { Service: ['default/s2'], Endpoints: ['default/s2'] },
      {
        id: 'nacking-proxy',
        verify: (r) => (r.type === 'Service' && r.resources.some((x) => x.body.toString().includes('"timeoutMs":777')) ? 'timeout 777 not supported' : undefined),
      },
    );
    await synced(rejecting, 'Service', ['default/s2']);
    const good = rejecting.version('Service', 'default/s2');
    const log = recordResponses(rejecting);

    const revision = await writer.applyPolicy(routePolicy('default', 's2', '777ms'));
    const progress = await status.waitForRollout({ policy: { kind: 'Route', namespace: 'default', name: 's2' }, revision, timeoutMs: 10_000 });
    const final = progress.at(-1)!;
    assert.equal(final.outcome, 'NACKED', JSON.stringify(final));
    assert.equal(final.nacks.length, 1);
    assert.equal(final.nacks[0]!.instanceId, 'nacking-proxy');
    assert.match(final.nacks[0]!.error!.message, /timeout 777 not supported/);
    assert.equal(rejecting.version('Service', 'default/s2'), good, 'keeps its last good config');

    const st = await status.proxyStatus();
    const me = st.proxies.find((x) => x.node?.instanceId === 'nacking-proxy')!;
    const svc = me.types.find((t) => t.type === 'Service')!;
    assert.equal(svc.state, 'NACKED');
    assert.equal(svc.lastNack?.error?.message, 'timeout 777 not supported');
    assert.equal(svc.lastNack?.rejected[0]?.name, 'default/s2');

    // Recomputing (a re-list and a rebuild that change nothing) and an unrelated change on the
    // same stream do not resend the rejected version.
    replica.handle.sync.relist('anti-entropy');
    await replica.handle.sync.settled();
    replica.handle.cache.rebuildAll();
    await changeInstance('s2', 's2-b', { weight: 55 });
    await waitFor('endpoints change arrives', () => rejecting.body('Endpoints', 'default/s2')?.endpoints.some((e) => e.weight === 55) === true);
    const serviceResponses = log.filter((r) => r.type === 'Service');
    assert.equal(serviceResponses.length, 1, 'the rejected version was sent once');

    // The next different version is sent (and accepted).
    await writer.applyPolicy(routePolicy('default', 's2', '778ms'));
    await waitFor('next version accepted', () => rejecting.body('Service', 'default/s2')?.routes[0]?.timeoutMs === 778);
    const cfg = await status.proxyConfig('nacking-proxy');
    const res = cfg.resources.find((r) => r.type === 'Service' && r.name === 'default/s2')!;
    assert.equal(res.state, 'SYNCED');
    assert.equal(JSON.parse(res.bodyJson).routes[0].timeoutMs, 778);
  });

  it('reconnect with initial_versions: equal → nothing resent; stale → only the diff', async () => {
    const subs = { Endpoints: ['default/s1', 'default/s4'], Service: ['default/s1', 'default/s4'] };
    const first = proxy(replica.address, subs, { id: 'resumer' });
    await synced(first, 'Endpoints', subs.Endpoints);
    await synced(first, 'Service', subs.Service);
    const held = { Endpoints: new Map(first.held('Endpoints')), Service: new Map(first.held('Service')) };
    first.close();

    // Up to date: nothing is sent. Proof: the first response is a later, unrelated change.
    const same = proxy(replica.address, subs, { id: 'resumer', resume: held });
    const log = recordResponses(same);
    await waitFor('resumed stream registered', async () => (await status.proxyStatus()).proxies.some((x) => x.node?.instanceId === 'resumer' && x.types.length === 2));
    await changeInstance('s4', 's4-a', { weight: 44 });
    await waitFor('change arrives', () => same.body('Endpoints', 'default/s4')?.endpoints.some((e) => e.weight === 44) === true);
    assert.deepEqual(log.map((r) => `${r.type}:${r.resources.map((x) => x.name).join(',')}`), ['Endpoints:default/s4']);
    const latest = { Endpoints: new Map(same.held('Endpoints')), Service: new Map(same.held('Service')) };
    same.close();

    // Stale: while away, s1's endpoints changed. Only that comes back.
    await changeInstance('s1', 's1-b', { weight: 11 });
    await waitFor('view has the change', () => replica.handle.view.instancesOf('default/s1').get('s1-b')?.weight === 11);
    await replica.handle.cache.whenComputed(replica.handle.view.gen);
    const stale = proxy(replica.address, subs, { id: 'resumer', resume: latest });
    const slog = recordResponses(stale);
    await synced(stale, 'Endpoints', subs.Endpoints);
    await changeInstance('s4', 's4-a', { weight: 45 });
    await waitFor('sentinel arrives', () => stale.body('Endpoints', 'default/s4')?.endpoints.some((e) => e.weight === 45) === true);
    assert.deepEqual(slog.map((r) => `${r.type}:${r.resources.map((x) => x.name).join(',')}`), ['Endpoints:default/s1', 'Endpoints:default/s4']);
  });

  it('subscriptions change on demand and removals reach holders', async () => {
    const p = proxy(replica.address, { Endpoints: ['default/s1'] });
    await synced(p, 'Endpoints', ['default/s1']);
    p.subscribe('Endpoints', ['default/s3']);
    await synced(p, 'Endpoints', ['default/s3']);
    p.unsubscribe('Endpoints', ['default/s1']);
    const gone = instanceRecord('default', 'ephemeral', 'e1');
    await writer.putInstance(gone);
    p.subscribe('Endpoints', ['default/ephemeral']);
    await waitFor('ephemeral endpoints', () => p.body('Endpoints', 'default/ephemeral')?.endpoints.length === 1);
    await writer.deleteInstance(gone);
    await waitFor('removal delivered', () => !p.held('Endpoints').has('default/ephemeral'));
    assert.deepEqual([...p.held('Endpoints').keys()].sort(), ['default/s3']);
  });

  it('refuses malformed requests with INVALID_ARGUMENT and field paths, and keeps serving', async () => {
    const bad = proxy(replica.address, { Endpoints: ['not a name'] });
    const err = await new Promise<Error>((resolve) => bad.once('disconnected', (e) => resolve(e!)));
    bad.close();
    assert.match(err.message, /INVALID_ARGUMENT|subscribe\[0\]/);
    assert.match(err.message, /subscribe\[0\]/);
    // A table of bad requests on raw streams: each ends its stream with INVALID_ARGUMENT naming the field.
    const method = (loadPackageDefinition('plexus/discovery/v1/discovery.proto')['plexus.discovery.v1.Discovery'] as grpc.ServiceDefinition).DeltaResources!;
    const raw = new grpc.Client(replica.address, grpc.credentials.createInsecure());
    const node = { instanceId: 'raw-1', namespace: 'default', service: 'raw', cluster: CLUSTER, zone: 'z', labels: {}, proxyVersion: '' };
    const cases: Array<{ req: DeltaRequest; path: string }> = [
      { req: { type: 'Endpoints', subscribe: ['default/s1'] }, path: 'node' },
      { req: { node: { ...node, instanceId: '' } }, path: 'node.instance_id' },
      { req: { node: { ...node, namespace: 'Not_A_Label' } }, path: 'node.namespace' },
      { req: { node: { ...node, cluster: 'elsewhere' } }, path: 'node.cluster' },
      { req: { node: { ...node, capabilities: ['Endpoints Delta!'] } }, path: 'node.capabilities[0]' },
      { req: { node: { ...node, capabilities: Array.from({ length: 17 }, (_, i) => `cap-${i}`) } }, path: 'node.capabilities' },
      { req: { node, type: 'Clusters', subscribe: ['default/s1'] }, path: 'type' },
      { req: { node, subscribe: ['default/s1'] }, path: 'type' },
      { req: { node, type: 'Endpoints', initialVersions: { 'default/s1': 'x'.repeat(65) } }, path: 'initial_versions["default/s1"]' },
      { req: { node, type: 'Endpoints', errorDetail: { code: 3, message: 'no nonce' } }, path: 'error_detail' },
    ];
    try {
      for (const c of cases) {
        const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
          const call = raw.makeBidiStreamRequest(
            method.path,
            method.requestSerialize as (r: DeltaRequest) => Buffer,
            method.responseDeserialize as (b: Buffer) => unknown,
          );
          call.on('data', () => reject(new Error(`a response to a bad request (${c.path})`)));
          call.on('error', (e: grpc.ServiceError) => resolve(e));
          call.write(c.req);
        });
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `${c.path}: ${err.message}`);
        assert.ok(violationsFromStatus(err).some((v) => v.path === c.path), `${c.path}: ${JSON.stringify(violationsFromStatus(err))}`);
      }
    } finally {
      raw.close();
    }
    const fine = proxy(replica.address, { Endpoints: ['default/s2'] });
    await synced(fine, 'Endpoints', ['default/s2']);
  });
});
