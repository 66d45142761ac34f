import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, UnavailableError, ValidationError } from '../errors.js';
import { VIOLATION_LIMITS } from './edge/index.js';
import { toGrpcError, violationsFromStatus } from './status.js';

describe('toGrpcError', () => {
  it('maps validation errors to INVALID_ARGUMENT with every violation, readable and machine-decodable', () => {
    const err = toGrpcError(
      new ValidationError([
        { path: 'spec.rules[0].weight', message: 'must be ≤ 100' },
        { path: 'metadata.name', message: 'must not be empty' },
      ]),
    );
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /spec\.rules\[0\]\.weight: must be ≤ 100; metadata\.name: must not be empty/);
    assert.deepEqual(violationsFromStatus(err), [
      { path: 'spec.rules[0].weight', message: 'must be ≤ 100' },
      { path: 'metadata.name', message: 'must not be empty' },
    ]);
  });

  it('maps conflicts to ABORTED, unavailability to UNAVAILABLE, and hides unknown errors', () => {
    assert.equal(toGrpcError(new ConflictError('/k', 3, 4)).code, grpc.status.ABORTED);
    assert.equal(toGrpcError(new UnavailableError('etcd down')).code, grpc.status.UNAVAILABLE);
    const internal = toGrpcError(new TypeError('secret detail'));
    assert.equal(internal.code, grpc.status.INTERNAL);
    assert.equal(internal.details, 'internal error');
  });

  it('bounds a status with thousands of violations: the first 100, cut to size, and the count of the rest', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ path: `labels["k${i}${'x'.repeat(500)}"]`, message: `bad ≤ ${'y'.repeat(1000)}` }));
    const err = toGrpcError(new ValidationError(many));
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.ok(err.details.length <= VIOLATION_LIMITS.maxStatusMessageChars, `message of ${err.details.length} characters`);
    assert.match(err.details, /^labels\["k0x+…: bad ≤ y+…; .*… and \d+ more$/);
    const details = err.metadata.get('grpc-status-details-bin')[0] as Buffer;
    assert.ok(details.length < 24 * 1024, `details of ${details.length} bytes`);
    const violations = violationsFromStatus(err);
    const last = violations.pop()!;
    assert.ok(violations.length > 0 && violations.length <= 100);
    assert.deepEqual(last, { path: '', message: `… and ${5000 - violations.length} more` });
    for (const v of violations) {
      assert.ok(v.path.length <= VIOLATION_LIMITS.maxPathChars && v.message.length <= VIOLATION_LIMITS.maxMessageChars);
    }
    assert.ok(violations[0]!.path.startsWith('labels["k0x'));
  });

  it('lists exactly 100 short violations and counts the rest', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ path: `spec.rules[${i}].weight`, message: 'must be ≤ 100' }));
    const violations = violationsFromStatus(toGrpcError(new ValidationError(many)));
    assert.equal(violations.length, 101);
    assert.deepEqual(violations[99], { path: 'spec.rules[99].weight', message: 'must be ≤ 100' });
    assert.deepEqual(violations[100], { path: '', message: '… and 4900 more' });
  });

  it('keeps a short message and every violation of a small error as they are', () => {
    const err = toGrpcError(new ValidationError([{ path: 'a', message: 'x'.repeat(250) }]));
    assert.equal(err.details, `a: ${'x'.repeat(250)}`);
    assert.deepEqual(violationsFromStatus(err), [{ path: 'a', message: 'x'.repeat(250) }]);
  });

  it('returns no violations for a status without details', () => {
    assert.deepEqual(violationsFromStatus({ metadata: new grpc.Metadata() }), []);
  });
});
