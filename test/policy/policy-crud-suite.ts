// The store-independent behaviour of the policy API (apply/get/list/delete, compare-and-set),
// registered as node:test cases; run against each real backend by the *.test.ts files.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isPlexusError } from '../../lib/errors.js';
import { parsePolicy } from '../../lib/policy/index.js';
import type { PolicyTestEnv } from './policy-test-env.js';

export function routeDoc(name: string, namespace = 'default', v1 = 90, labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'plexus.dev/v1',
    kind: 'Route',
    metadata: { name, namespace, labels },
    spec: {
      rules: [{ destinations: [{ subset: { version: 'v1' }, weight: v1 }, { subset: { version: 'v2' }, weight: 100 - v1 }], timeout: '1.5s' }],
    },
  };
}

export function normalised(doc: unknown): unknown {
  const r = parsePolicy(doc);
  assert.ok(r.ok);
  return JSON.parse(JSON.stringify(r.policy));
}

async function rejects(p: Promise<unknown>, code: string): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(p, (err: unknown) => {
    caught = err;
    return isPlexusError(err, code as never);
  });
  return caught;
}

export function policyCrudSuite(env: () => PolicyTestEnv): void {
  void it('apply creates, get returns the normalised document, re-apply is unchanged, a change updates', async () => {
    const c = env().client('editor');
    const created = await c.apply({ document: routeDoc('crud-a') });
    assert.equal(created.outcome, 'CREATED');
    assert.ok(created.policy!.revision > 0);
    assert.deepEqual(created.affectedServices, ['default/crud-a']);

    const got = await c.get({ kind: 'Route', name: 'crud-a' });
    assert.deepEqual(JSON.parse(got.document), normalised(routeDoc('crud-a')));
    assert.equal(got.revision, created.policy!.revision);
    assert.equal(got.appliedBy, 'editor-user');

    const again = await c.apply({ document: routeDoc('crud-a') });
    assert.equal(again.outcome, 'UNCHANGED');
    assert.equal(again.policy!.revision, created.policy!.revision);

    const updated = await c.apply({ document: routeDoc('crud-a', 'default', 50) });
    assert.equal(updated.outcome, 'UPDATED');
    assert.ok(updated.policy!.revision > created.policy!.revision);
    assert.equal(updated.policy!.createRevision, created.policy!.createRevision);
    assert.deepEqual(JSON.parse(updated.previousDocument), normalised(routeDoc('crud-a')));
    assert.deepEqual(JSON.parse((await c.get({ kind: 'Route', name: 'crud-a' })).document), normalised(routeDoc('crud-a', 'default', 50)));
  });

  void it('list filters by kind, namespace and labels, and paginates', async () => {
    const c = env().client('editor');
    for (let i = 0; i < 5; i++) await c.apply({ document: routeDoc(`page-${i}`, 'listing', 90, { tier: i % 2 ? 'odd' : 'even' }) });
    await c.apply({ document: { apiVersion: 'plexus.dev/v1', kind: 'Resilience', metadata: { name: 'page-0', namespace: 'listing' }, spec: {} } });

    const all = await c.listAll({ namespace: 'listing' });
    assert.deepEqual(all.policies.map((p) => `${p.kind}/${p.name}`).sort(), ['Resilience/page-0', 'Route/page-0', 'Route/page-1', 'Route/page-2', 'Route/page-3', 'Route/page-4']);

    const routes = await c.listAll({ kind: 'Route', namespace: 'listing' });
    assert.equal(routes.policies.length, 5);
    const odd = await c.listAll({ kind: 'Route', namespace: 'listing', labelSelector: 'tier=odd' });
    assert.deepEqual(odd.policies.map((p) => p.name), ['page-1', 'page-3']);

    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await c.list({ kind: 'Route', namespace: 'listing', pageSize: 2, pageToken: token });
      assert.ok(page.policies.length <= 2);
      seen.push(...page.policies.map((p) => p.name));
      token = page.nextPageToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);

    const bad = (await rejects(c.list({ labelSelector: 'a in ()', pageToken: 'nonsense', pageSize: 5000 }), 'INVALID_ARGUMENT')) as { violations: Array<{ path: string }> };
    assert.deepEqual(bad.violations.map((v) => v.path).sort(), ['label_selector', 'page_size', 'page_token']);
  });

  void it('delete removes a policy; deleting or getting it again is NOT_FOUND', async () => {
    const c = env().client('editor');
    const created = await c.apply({ document: routeDoc('to-delete') });
    const del = await c.delete({ kind: 'Route', name: 'to-delete' });
    assert.ok(del.revision > created.policy!.revision);
    assert.deepEqual(del.affectedServices, ['default/to-delete']);
    await rejects(c.get({ kind: 'Route', name: 'to-delete' }), 'NOT_FOUND');
    await rejects(c.delete({ kind: 'Route', name: 'to-delete' }), 'NOT_FOUND');
    // and it can be created again
    assert.equal((await c.apply({ document: routeDoc('to-delete') })).outcome, 'CREATED');
  });

  void it('compare-and-set: a stale expected revision is ABORTED and changes nothing', async () => {
    const c = env().client('editor');
    const v1 = await c.apply({ document: routeDoc('cas'), expectedRevision: 0 });
    assert.equal(v1.outcome, 'CREATED');
    const rev1 = v1.policy!.revision;
    const v2 = await c.apply({ document: routeDoc('cas', 'default', 80), expectedRevision: rev1 });
    assert.equal(v2.outcome, 'UPDATED');

    await rejects(c.apply({ document: routeDoc('cas', 'default', 70), expectedRevision: rev1 }), 'CONFLICT');
    await rejects(c.apply({ document: routeDoc('cas', 'default', 70), expectedRevision: 0 }), 'CONFLICT');
    await rejects(c.delete({ kind: 'Route', name: 'cas', expectedRevision: rev1 }), 'CONFLICT');
    const after = await c.get({ kind: 'Route', name: 'cas' });
    assert.equal(after.revision, v2.policy!.revision);
    assert.deepEqual(JSON.parse(after.document), normalised(routeDoc('cas', 'default', 80)));

    const del = await c.delete({ kind: 'Route', name: 'cas', expectedRevision: v2.policy!.revision });
    assert.ok(del.revision >= v2.policy!.revision);
    await rejects(c.apply({ document: routeDoc('cas'), expectedRevision: v2.policy!.revision }), 'CONFLICT');
  });

  void it('an invalid document is INVALID_ARGUMENT with every field path, and nothing is written', async () => {
    const c = env().client('editor');
    const before = await c.listAll({});
    const doc = routeDoc('bad-one') as { spec: { rules: Array<Record<string, unknown>> }; metadata: Record<string, unknown> };
    doc.metadata.name = 'Bad_Name';
    doc.spec.rules[0]!.timeout = '5 minutes';
    doc.spec.rules[0]!.extra = true;
    const err = (await rejects(c.apply({ document: doc }), 'INVALID_ARGUMENT')) as { violations: Array<{ path: string }> };
    assert.deepEqual(err.violations.map((v) => v.path).sort(), ['metadata.name', 'spec.rules[0].extra', 'spec.rules[0].timeout']);
    const notJson = (await rejects(c.apply({ document: '{"kind": ' }), 'INVALID_ARGUMENT')) as { violations: Array<{ path: string }> };
    assert.deepEqual(notJson.violations.map((v) => v.path), ['document']);
    const after = await c.listAll({});
    assert.equal(after.policies.length, before.policies.length);
  });
}
