import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, UnavailableError, ValidationError } from '../errors.js';
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

  it('returns no violations for a status without details', () => {
    assert.deepEqual(violationsFromStatus({ metadata: new grpc.Metadata() }), []);
  });
});
