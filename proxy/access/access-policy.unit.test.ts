import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileAccessPolicy, compileSourcePattern } from './access-policy.js';

const req = (source: string | undefined, path = '/', method = 'GET') => ({ source, path, method, headers: {} });

describe('access policy', () => {
  it('matches source patterns by whole segments', () => {
    assert.ok(compileSourcePattern('prod/web')('prod/web'));
    assert.ok(!compileSourcePattern('prod/web')('prod/webx'));
    assert.ok(compileSourcePattern('prod/*')('prod/api'));
    assert.ok(!compileSourcePattern('prod/*')('dev/api'));
    assert.ok(compileSourcePattern('*/web')('dev/web'));
    assert.ok(!compileSourcePattern('prod/*')(undefined), 'a segment pattern needs an identity');
    assert.ok(compileSourcePattern('*')(undefined), '* matches anyone, identified or not');
    assert.ok(compileSourcePattern('unauthenticated')(undefined), 'unauthenticated names the plaintext caller');
    assert.ok(!compileSourcePattern('unauthenticated')('default/unauthenticated'), 'and no verified identity');
  });

  it('lets deny win over allow, then allow, then the default', () => {
    const evaluate = compileAccessPolicy({
      defaultAction: 'deny',
      rules: [
        { action: 'allow', from: ['default/a'], paths: [], methods: [] },
        { action: 'deny', from: ['default/a'], paths: [{ type: 'prefix', value: '/admin' }], methods: [] },
        { action: 'allow', from: [], paths: [{ type: 'exact', value: '/health' }], methods: ['GET'], ignoreCase: false },
      ],
    });
    assert.deepEqual(evaluate(req('default/a', '/x')), { allowed: true, reason: 'allow rule 0' });
    assert.deepEqual(evaluate(req('default/a', '/admin/users')), { allowed: false, reason: 'deny rule 1' });
    assert.deepEqual(evaluate(req('default/b', '/x')), { allowed: false, reason: 'default deny' });
    assert.deepEqual(evaluate(req(undefined, '/health')), { allowed: true, reason: 'allow rule 2' });
    assert.deepEqual(evaluate(req(undefined, '/health', 'POST')), { allowed: false, reason: 'default deny' });
    assert.equal(evaluate(req(undefined, '/Health')).allowed, false, 'paths are case-sensitive with ignoreCase: false');
  });

  it('allows by default when the mesh says so', () => {
    const evaluate = compileAccessPolicy({ defaultAction: 'allow', rules: [{ action: 'deny', from: ['*/evil'], paths: [], methods: [] }] });
    assert.equal(evaluate(req('x/evil')).allowed, false);
    assert.equal(evaluate(req('x/good')).allowed, true);
    assert.equal(evaluate(req(undefined)).allowed, true);
  });

  it('ignores path case in deny rules unless a rule says otherwise, and method case always', () => {
    const evaluate = compileAccessPolicy({
      defaultAction: 'allow',
      rules: [
        { action: 'deny', from: [], paths: [{ type: 'exact', value: '/admin' }, { type: 'prefix', value: '/admin/' }], methods: [] },
        { action: 'deny', from: [], paths: [{ type: 'exact', value: '/Strict' }], methods: [], ignoreCase: false },
        { action: 'deny', from: [], paths: [], methods: ['DELETE'] },
      ],
    });
    assert.equal(evaluate(req(undefined, '/ADMIN')).allowed, false);
    assert.equal(evaluate(req(undefined, '/Admin/x')).allowed, false);
    assert.equal(evaluate(req(undefined, '/strict')).allowed, true);
    assert.equal(evaluate(req(undefined, '/Strict')).allowed, false);
    assert.equal(evaluate(req(undefined, '/x', 'delete')).allowed, false);
    const allowList = compileAccessPolicy({ defaultAction: 'deny', rules: [{ action: 'allow', from: [], paths: [{ type: 'prefix', value: '/public/' }], methods: [] }] });
    assert.equal(allowList(req(undefined, '/PUBLIC/x')).allowed, false, 'an allow rule is not widened to other spellings');
    assert.equal(allowList(req(undefined, '/public/x')).allowed, true);
  });

  it('lets an exact path also match with a trailing slash', () => {
    const evaluate = compileAccessPolicy({
      defaultAction: 'deny',
      rules: [
        { action: 'deny', from: [], paths: [{ type: 'exact', value: '/products/admin' }], methods: [] },
        { action: 'allow', from: [], paths: [{ type: 'prefix', value: '/products/' }], methods: [] },
        { action: 'deny', from: [], paths: [{ type: 'exact', value: '/slash/' }], methods: [] },
      ],
    });
    assert.equal(evaluate(req(undefined, '/products/admin/')).allowed, false);
    assert.equal(evaluate(req(undefined, '/products/admin')).allowed, false);
    assert.equal(evaluate(req(undefined, '/products/admins')).allowed, true);
    assert.equal(evaluate(req(undefined, '/products/admin/x')).allowed, true);
    assert.equal(evaluate(req(undefined, '/slash')).allowed, false);
  });
});
