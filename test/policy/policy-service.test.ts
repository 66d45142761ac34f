// The policy API on real etcd and NATS: CRUD and compare-and-set (shared suite), events per
// write, authentication and roles with an audit line per write, dry runs, history and Watch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBus, type Envelope, type EventBus } from '../../lib/bus/index.js';
import { isPlexusError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import type { WatchEvent } from '../../lib/policy-client/index.js';
import { startEtcd, startNats, waitFor, type EtcdServer, type NatsServer } from '../harness/index.js';
import { normalised, policyCrudSuite, routeDoc } from './policy-crud-suite.js';
import { startPolicyTestEnv, type PolicyTestEnv } from './policy-test-env.js';

const MESH = { apiVersion: 'plexus.dev/v1', kind: 'Mesh', metadata: { name: 'default' }, spec: { defaultAccess: 'deny' } };

void describe('policy service on etcd + NATS', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let env: PolicyTestEnv;
  let observer: EventBus;
  const events: Envelope[] = [];

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    env = await startPolicyTestEnv({
      store: { backend: 'etcd', endpoints: [etcd.endpoint] },
      bus: { kind: 'nats', servers: [nats.url] },
      historyLimit: 5,
    });
    observer = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: 'test', service: 'observer', replica: 't1' }, silentLogger());
    await observer.subscribe('policy.>', { onEvent: (e) => events.push(e), onGap: () => undefined });
  });
  after(async () => {
    await observer?.close();
    await env?.close();
    await Promise.all([etcd?.stop(), nats?.stop()]);
  });

  policyCrudSuite(() => env);

  void it('publishes policy.applied / policy.deleted once per write, with the store revision', async () => {
    const c = env.client('editor');
    const created = await c.apply({ document: routeDoc('evented') });
    const unchanged = await c.apply({ document: routeDoc('evented') });
    const updated = await c.apply({ document: routeDoc('evented', 'default', 10) });
    await assert.rejects(c.apply({ document: { ...routeDoc('evented'), spec: {} } }));
    const deleted = await c.delete({ kind: 'Route', name: 'evented' });
    assert.equal(unchanged.outcome, 'UNCHANGED');

    const mine = (): Envelope[] => events.filter((e) => e.subject === 'Route/default/evented');
    await waitFor('three events for Route/default/evented', () => mine().length >= 3, { timeoutMs: 5000 });
    const got = mine();
    assert.deepEqual(got.map((e) => e.type), ['dev.plexus.policy.applied', 'dev.plexus.policy.applied', 'dev.plexus.policy.deleted']);
    assert.deepEqual(got.map((e) => e.revision), [created.policy!.revision, updated.policy!.revision, deleted.revision]);
    const data = got[0]!.data as { kind: string; created: boolean; affectedServices: string[]; principal: string; policy: unknown };
    assert.equal(data.kind, 'Route');
    assert.equal(data.created, true);
    assert.deepEqual(data.affectedServices, ['default/evented']);
    assert.equal(data.principal, 'editor-user');
    assert.deepEqual(data.policy, normalised(routeDoc('evented')));
    assert.equal((got[1]!.data as { created: boolean }).created, false);
    assert.equal(got[0]!.cluster, 'test');
    // nothing more arrives for the unchanged apply or the rejected document
    await c.apply({ document: routeDoc('evented-sentinel') });
    await waitFor('sentinel event', () => events.some((e) => e.subject === 'Route/default/evented-sentinel'), { timeoutMs: 5000 });
    assert.equal(mine().length, 3);
  });

  void it('authenticates by bearer token and enforces roles', async () => {
    const expectCode = async (p: Promise<unknown>, code: string): Promise<void> => {
      await assert.rejects(p, (err: unknown) => isPlexusError(err, code as never));
    };
    await expectCode(env.client('anonymous').get({ kind: 'Route', name: 'x' }), 'UNAUTHENTICATED');
    await expectCode(env.client({ token: 'not-a-valid-token-at-all' }).listAll({}), 'UNAUTHENTICATED');
    await expectCode(env.client({ token: 'not-a-valid-token-at-all' }).apply({ document: routeDoc('auth') }), 'UNAUTHENTICATED');

    const viewer = env.client('viewer');
    await expectCode(viewer.apply({ document: routeDoc('auth') }), 'PERMISSION_DENIED');
    await expectCode(viewer.get({ kind: 'Route', name: 'auth' }), 'NOT_FOUND'); // reading is allowed, nothing was written
    const dry = await viewer.apply({ document: routeDoc('auth'), dryRun: true });
    assert.equal(dry.outcome, 'CREATED');

    const editor = env.client('editor');
    await editor.apply({ document: routeDoc('auth') });
    await expectCode(viewer.delete({ kind: 'Route', name: 'auth' }), 'PERMISSION_DENIED');
    await expectCode(editor.apply({ document: MESH }), 'PERMISSION_DENIED');

    const admin = env.client('admin');
    assert.equal((await admin.apply({ document: MESH })).outcome, 'CREATED');
    await expectCode(editor.delete({ kind: 'Mesh', name: 'default' }), 'PERMISSION_DENIED');
    await admin.delete({ kind: 'Mesh', name: 'default' });

    const audit = env.logLines.filter((l) => l.audit === true);
    const line = (principal: unknown, method: string, result: string, name: string): boolean =>
      audit.some((l) => l.principal === principal && l.method === method && l.result === result && (l.name === name || l.name === undefined));
    assert.ok(line('viewer-user', 'Apply', 'PERMISSION_DENIED', 'auth'), 'denied apply audited');
    assert.ok(line(null, 'Apply', 'UNAUTHENTICATED', 'auth'), 'unauthenticated apply audited');
    assert.ok(line('editor-user', 'Apply', 'ok', 'auth'));
    assert.ok(line('editor-user', 'Apply', 'PERMISSION_DENIED', 'default'));
    assert.ok(line('admin-user', 'Apply', 'ok', 'default'));
    assert.ok(line('admin-user', 'Delete', 'ok', 'default'));
    assert.ok(line('viewer-user', 'Delete', 'PERMISSION_DENIED', 'auth'));
    for (const l of audit.filter((a) => a.result === 'ok')) assert.equal(typeof l.revision, 'number');
  });

  void it('dry run returns the normalised policy, warnings and affected services, and writes nothing', async () => {
    const c = env.client('editor');
    const doc = routeDoc('dry');
    (doc.spec as { rules: Array<Record<string, unknown>> }).rules[0]!.retries = { attempts: 2, retryOn: ['5xx'], perTryTimeout: '2s' };
    const res = await c.apply({ document: doc, dryRun: true });
    assert.equal(res.dryRun, true);
    assert.equal(res.outcome, 'CREATED');
    assert.equal(res.policy!.revision, 0);
    assert.deepEqual(JSON.parse(res.policy!.document), normalised(doc));
    assert.deepEqual(res.affectedServices, ['default/dry']);
    assert.ok(res.warnings.some((w) => w.includes('spec.rules[0].retries.perTryTimeout')), res.warnings.join('; '));
    assert.ok(res.warnings.some((w) => w.includes('5xx')));
    await assert.rejects(c.get({ kind: 'Route', name: 'dry' }), (err: unknown) => isPlexusError(err, 'NOT_FOUND'));
    const mesh = await env.client('viewer').apply({ document: MESH, dryRun: true });
    assert.deepEqual(mesh.affectedServices, ['*']);
    assert.equal(events.some((e) => e.subject === 'Route/default/dry'), false);
  });

  void it('keeps a bounded history of who changed a policy and when', async () => {
    const editor = env.client('editor');
    const admin = env.client('admin');
    const revisions: number[] = [];
    for (let i = 0; i < 6; i++) revisions.push((await (i % 2 ? admin : editor).apply({ document: routeDoc('hist', 'default', 90 - i) })).policy!.revision);
    const del = await admin.delete({ kind: 'Route', name: 'hist' });
    const { entries } = await env.client('viewer').history({ kind: 'Route', name: 'hist' });
    assert.equal(entries.length, 5, 'history limit is 5');
    assert.deepEqual(entries.map((e) => e.revision), [del.revision, ...revisions.slice(-4).reverse()]);
    assert.deepEqual(entries.map((e) => e.action), ['deleted', 'applied', 'applied', 'applied', 'applied']);
    assert.deepEqual(entries.map((e) => e.principal), ['admin-user', 'admin-user', 'editor-user', 'admin-user', 'editor-user']);
    assert.equal(entries[0]!.document, '');
    assert.deepEqual(JSON.parse(entries[1]!.document), normalised(routeDoc('hist', 'default', 85)));
    for (const e of entries) assert.ok(!Number.isNaN(Date.parse(e.time)));
  });

  void it('watch from 0 sends the state then every change; from a revision, only what followed', async () => {
    const c = env.client('editor');
    const base = await c.apply({ document: routeDoc('w-a', 'watched') });
    const received: WatchEvent[] = [];
    const stream = env.client('viewer').watch({ kind: 'Route', namespace: 'watched', fromRevision: 0 }, {
      onEvent: (e) => received.push(e),
      onError: (err) => assert.fail(err),
    });
    try {
      await waitFor('initial state', () => received.some((e) => e.type === 'SYNCED'), { timeoutMs: 5000 });
      assert.deepEqual(received.map((e) => e.type), ['RESET', 'PUT', 'SYNCED']);
      assert.equal(received[1]!.policy!.name, 'w-a');
      assert.equal(received[1]!.revision, base.policy!.revision);

      const b = await c.apply({ document: routeDoc('w-b', 'watched') });
      await c.apply({ document: routeDoc('elsewhere', 'other-ns') });
      const del = await c.delete({ kind: 'Route', namespace: 'watched', name: 'w-a' });
      await waitFor('put and delete', () => received.length >= 5, { timeoutMs: 5000 });
      assert.deepEqual(received.slice(3).map((e) => `${e.type}:${e.policy!.name}`), ['PUT:w-b', 'DELETE:w-a']);
      assert.equal(received[3]!.revision, b.policy!.revision);
      assert.ok(received[4]!.revision <= del.revision);
      assert.deepEqual(JSON.parse(received[3]!.policy!.document), normalised(routeDoc('w-b', 'watched')));
    } finally {
      stream.cancel();
    }

    const later: WatchEvent[] = [];
    const resumed = env.client('viewer').watch({ namespace: 'watched', fromRevision: base.policy!.revision + 1 }, {
      onEvent: (e) => later.push(e),
      onError: (err) => assert.fail(err),
    });
    try {
      await waitFor('replayed changes', () => later.length >= 2, { timeoutMs: 5000 });
      assert.deepEqual(later.slice(0, 2).map((e) => `${e.type}:${e.policy!.name}`), ['PUT:w-b', 'DELETE:w-a']);
    } finally {
      resumed.cancel();
    }
  });

  void it('rejects a regex built to backtrack, fast', async () => {
    const doc = routeDoc('redos') as { spec: { rules: Array<Record<string, unknown>> } };
    doc.spec.rules[0]!.match = { path: { regex: '/(a+)+$' }, headers: [{ name: 'x-id', regex: '([a-z]|[a-z0-9])*x' }] };
    const started = performance.now();
    const err = await env.client('editor').apply({ document: doc }).then(
      () => assert.fail('should be rejected'),
      (e: unknown) => e as { code: string; violations: Array<{ path: string; message: string }> },
    );
    const ms = performance.now() - started;
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.deepEqual(err.violations.map((v) => v.path).sort(), ['spec.rules[0].match.headers[0].regex', 'spec.rules[0].match.path.regex']);
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});
