import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestIdFrom, traceFrom } from '../telemetry/trace-context.js';
import { parseRequestTarget, serviceForAuthority } from './target.js';

describe('outbound targets', () => {
  it('splits forward-proxy targets and keeps origin-form ones', () => {
    assert.deepEqual(parseRequestTarget('http://cart.shop:8080/a?b=1', 'x'), { authority: 'cart.shop:8080', pathAndQuery: '/a?b=1' });
    assert.deepEqual(parseRequestTarget('HTTP://cart', undefined), { authority: 'cart', pathAndQuery: '/' });
    assert.deepEqual(parseRequestTarget('http://cart?q', undefined), { authority: 'cart', pathAndQuery: '/?q' });
    assert.deepEqual(parseRequestTarget('/a', 'cart'), { authority: 'cart', pathAndQuery: '/a' });
    assert.equal(parseRequestTarget('https://cart/', undefined), undefined);
    assert.equal(parseRequestTarget('cart:443', undefined), undefined);
  });

  it('maps authorities to mesh service names', () => {
    assert.equal(serviceForAuthority('cart', 'shop'), 'shop/cart');
    assert.equal(serviceForAuthority('Cart:80', 'shop'), 'shop/cart');
    assert.equal(serviceForAuthority('cart.payments', 'shop'), 'payments/cart');
    assert.equal(serviceForAuthority('cart.payments.svc.cluster.local.', 'shop'), 'payments/cart');
    assert.equal(serviceForAuthority('user@cart', 'shop'), 'shop/cart');
    assert.equal(serviceForAuthority('example.com.au', 'shop'), undefined);
    assert.equal(serviceForAuthority('a_b', 'shop'), undefined);
    assert.equal(serviceForAuthority('cart:http', 'shop'), undefined);
    assert.equal(serviceForAuthority('', 'shop'), undefined);
  });
});

describe('trace context and request ids', () => {
  it('joins a valid trace with a new span, starts one otherwise', () => {
    const joined = traceFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(joined.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(joined.parentId, 'b7ad6b7169203331');
    assert.match(joined.traceparent, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    assert.notEqual(joined.spanId, 'b7ad6b7169203331');
    for (const bad of [undefined, 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']) {
      const t = traceFrom(bad);
      assert.equal(t.parentId, undefined);
      assert.match(t.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
    assert.notEqual(traceFrom(undefined).traceId, traceFrom(undefined).traceId);
  });

  it('keeps a sane x-request-id and replaces a missing or hostile one', () => {
    assert.equal(requestIdFrom('abc-123'), 'abc-123');
    assert.match(requestIdFrom(undefined), /^[0-9a-f-]{36}$/);
    assert.match(requestIdFrom('x'.repeat(500)), /^[0-9a-f-]{36}$/);
    assert.match(requestIdFrom('a b'), /^[0-9a-f-]{36}$/);
  });
});
