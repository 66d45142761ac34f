import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceKey, metaKey, policyKey } from '../store/keys.js';
import {
  DEFAULT_TRUST_DOMAIN,
  formatServiceId,
  formatSpiffeId,
  INSTANCE_ID_RE,
  isDnsLabel,
  parseServiceId,
  parseSpiffeId,
  parseStoreKey,
  REGISTERED_INSTANCE_ID_RE,
} from './names.js';

describe('names', () => {
  it('DNS labels: 1–63 lower-case alphanumerics and -, alphanumeric at both ends', () => {
    for (const ok of ['a', 'default', 'a-b', '0', 'x'.repeat(63), 'a1-2b']) assert.equal(isDnsLabel(ok), true, ok);
    for (const bad of ['', 'A', 'Shop', 'x'.repeat(64), '-a', 'a-', 'a.b', '..', 'a_b', 'a/b', 'ѕhop' /* Cyrillic ѕ */, 'caf\u00e9', 'a\n', ' a']) {
      assert.equal(isDnsLabel(bad), false, JSON.stringify(bad));
    }
    assert.equal(isDnsLabel(42), false);
  });

  it('instance ids: the store-segment form is wider than what the registry accepts', () => {
    for (const id of ['i-1', 'host.example:8080', 'A@b']) assert.equal(INSTANCE_ID_RE.test(id), true, id);
    assert.equal(INSTANCE_ID_RE.test('x'.repeat(129)), false);
    assert.equal(INSTANCE_ID_RE.test('-a'), false);
    assert.equal(REGISTERED_INSTANCE_ID_RE.test('i-1.a_b'), true);
    for (const id of ['A@b', 'i:1', 'a-', '.a']) assert.equal(REGISTERED_INSTANCE_ID_RE.test(id), false, id);
  });

  it('service ids round-trip and reject anything but two labels', () => {
    const id = { namespace: 'shop', service: 'cart' };
    assert.equal(formatServiceId(id), 'shop/cart');
    assert.deepEqual(parseServiceId(formatServiceId(id)), id);
    for (const bad of ['shop', 'shop/', '/cart', 'shop/cart/x', 'Shop/cart', 'shop/*', '../cart', 'shop/cart ', 'ѕhop/cart', `${'x'.repeat(64)}/a`]) {
      assert.equal(parseServiceId(bad), undefined, bad);
    }
  });

  it('SPIFFE ids round-trip in exactly one shape', () => {
    const id = { namespace: 'shop', service: 'cart' };
    assert.equal(formatSpiffeId(id), 'spiffe://plexus.local/ns/shop/svc/cart');
    assert.deepEqual(parseSpiffeId(formatSpiffeId(id)), { trustDomain: DEFAULT_TRUST_DOMAIN, ...id });
    assert.deepEqual(parseSpiffeId(formatSpiffeId(id, 'prod.example.org')), { trustDomain: 'prod.example.org', ...id });
    for (const bad of [
      'spiffe://plexus.local/ns/shop/svc/cart/extra',
      'spiffe://plexus.local/ns/shop/svc',
      'spiffe://plexus.local/ns/shop/sa/cart',
      'spiffe://plexus.local/ns/shop/svc/cart/',
      'spiffe://plexus.local//ns/shop/svc/cart',
      'https://plexus.local/ns/shop/svc/cart',
      'SPIFFE://plexus.local/ns/shop/svc/cart',
      'spiffe:/plexus.local/ns/shop/svc/cart',
      'spiffe://plexus.local/ns/shop/svc/cart?x=1',
      'spiffe://plexus.local/ns/shop/svc/cart#f',
      'spiffe://plexus.local/ns/sh%6Fp/svc/cart',
      'spiffe://plexus%2Elocal/ns/shop/svc/cart',
      'spiffe://Plexus.Local/ns/shop/svc/cart',
      'spiffe://plexus.local:443/ns/shop/svc/cart',
      'spiffe://user@plexus.local/ns/shop/svc/cart',
      'spiffe://plexus..local/ns/shop/svc/cart',
      'spiffe:///ns/shop/svc/cart',
      'spiffe://plexus.local/ns/Shop/svc/cart',
      'spiffe://plexus.local/ns/ѕhop/svc/cart',
      'spiffe://plexus.local/ns/../svc/cart',
      ' spiffe://plexus.local/ns/shop/svc/cart',
    ]) {
      assert.equal(parseSpiffeId(bad), undefined, bad);
    }
  });

  it('parseStoreKey inverts the key builders and keeps the cluster', () => {
    assert.deepEqual(parseStoreKey(instanceKey('east', 'shop', 'cart', 'i-1')), { cluster: 'east', area: 'instances', namespace: 'shop', service: 'cart', id: 'i-1' });
    assert.deepEqual(parseStoreKey(policyKey('west', 'Route', 'shop', 'cart')), { cluster: 'west', area: 'policies', kind: 'Route', namespace: 'shop', name: 'cart' });
    assert.deepEqual(parseStoreKey(metaKey('east', 'history', 'Route', 'shop', 'cart', '1')), {
      cluster: 'east',
      area: 'meta',
      path: ['history', 'Route', 'shop', 'cart', '1'],
    });
    assert.deepEqual(parseStoreKey('/plexus/v1/east/imports/west/shop/cart'), { cluster: 'east', area: 'imports', peer: 'west', namespace: 'shop', service: 'cart' });
    for (const bad of [
      '/plexus/v1/east/instances/shop/cart',
      '/plexus/v1/east/instances/shop/cart/i-1/x',
      '/plexus/v1/east/instances/shop//i-1',
      '/plexus/v1/east/unknown/a/b/c',
      '/plexus/v1/east/meta',
      '/plexus/v2/east/instances/shop/cart/i-1',
      'plexus/v1/east/instances/shop/cart/i-1',
      '/plexus/v1//instances/shop/cart/i-1',
    ]) {
      assert.equal(parseStoreKey(bad), undefined, bad);
    }
  });
});
