import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalMethod } from './request-checks.js';

describe('canonicalMethod', () => {
  it('upper-cases standard methods and keeps extension tokens', () => {
    assert.equal(canonicalMethod('delete'), 'DELETE');
    assert.equal(canonicalMethod('Get'), 'GET');
    assert.equal(canonicalMethod('PROPFIND'), 'PROPFIND');
    assert.equal(canonicalMethod('x-custom'), 'x-custom');
  });

  it('refuses what is not a token', () => {
    for (const m of ['', 'GE T', 'GET\r\n', 'DEL(ETE)', 'GÉT', undefined]) assert.equal(canonicalMethod(m), undefined, JSON.stringify(m));
  });
});
