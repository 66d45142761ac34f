// When a call moves to the next replica (lib/grpc/replica-failover.ts): reads on any UNAVAILABLE,
// writes only when the failure proves the request never left, conditional writes on any
// UNAVAILABLE with a conflict afterwards flagged as possibly applied; every address named when
// all are down.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { callReplicas, type CallSafety } from '../../lib/grpc/replica-failover.js';
import { fromGrpcError } from '../../lib/grpc/client-errors.js';
import { isPlexusError } from '../../lib/errors.js';

function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new grpc.Metadata() });
}
const REFUSED = serviceError(grpc.status.UNAVAILABLE, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1');
const DROPPED = serviceError(grpc.status.UNAVAILABLE, 'Connection dropped');
const STORE_DOWN = serviceError(grpc.status.UNAVAILABLE, 'store unreachable');
const CONFLICT = serviceError(grpc.status.ABORTED, 'revision 7 expected, found 8');

/** Runs a call whose attempt on replica i fails with outcomes[i] (or answers `ok` when undefined). */
async function attempt(safety: CallSafety, outcomes: Array<grpc.ServiceError | undefined>): Promise<{ result: unknown; tried: number[] }> {
  const tried: number[] = [];
  const addresses = outcomes.map((_, i) => `10.0.0.${i + 1}:7102`);
  try {
    const { value } = await callReplicas({
      service: 'policy service',
      addresses,
      safety,
      first: 0,
      attempt: (i) => {
        tried.push(i);
        const err = outcomes[i];
        return err ? Promise.reject(err) : Promise.resolve(`ok from ${i}`);
      },
      mapError: (err) => fromGrpcError(err, 'Apply'),
    });
    return { result: value, tried };
  } catch (err) {
    return { result: err, tried };
  }
}

void describe('replica failover', () => {
  void it('a read moves on after any UNAVAILABLE, including the server saying its store is down', async () => {
    assert.deepEqual(await attempt('read', [REFUSED, undefined]), { result: 'ok from 1', tried: [0, 1] });
    assert.deepEqual(await attempt('read', [STORE_DOWN, DROPPED, undefined]), { result: 'ok from 2', tried: [0, 1, 2] });
  });

  void it('a write moves on only when it provably never left', async () => {
    assert.deepEqual(await attempt('write', [REFUSED, undefined]), { result: 'ok from 1', tried: [0, 1] });
    for (const ambiguous of [DROPPED, STORE_DOWN]) {
      const r = await attempt('write', [ambiguous, undefined]);
      assert.deepEqual(r.tried, [0], `not resent after '${ambiguous.details}'`);
      assert.ok(isPlexusError(r.result, 'UNAVAILABLE'));
    }
  });

  void it('an answer other than UNAVAILABLE is final, whatever the safety', async () => {
    for (const safety of ['read', 'write', 'conditional-write'] as const) {
      const r = await attempt(safety, [CONFLICT, undefined]);
      assert.deepEqual(r.tried, [0]);
      assert.ok(isPlexusError(r.result, 'CONFLICT'));
    }
  });

  void it('a conditional write is resent after an ambiguous failure, and a conflict then says the first may have applied', async () => {
    assert.deepEqual(await attempt('conditional-write', [DROPPED, undefined]), { result: 'ok from 1', tried: [0, 1] });
    const r = await attempt('conditional-write', [DROPPED, CONFLICT]);
    assert.ok(isPlexusError(r.result, 'CONFLICT'));
    assert.match((r.result as Error).message, /earlier attempt at 10\.0\.0\.1:7102 .* may have been applied/);
    // After a provably undelivered first attempt, a conflict is just a conflict.
    const plain = await attempt('conditional-write', [REFUSED, CONFLICT]);
    assert.doesNotMatch((plain.result as Error).message, /may have been applied/);
  });

  void it('all down: UNAVAILABLE naming every address with its cause', async () => {
    const r = await attempt('read', [REFUSED, STORE_DOWN]);
    assert.ok(isPlexusError(r.result, 'UNAVAILABLE'));
    const message = (r.result as Error).message;
    assert.match(message, /policy service is unavailable at every address/);
    assert.match(message, /10\.0\.0\.1:7102 \(connect ECONNREFUSED 127\.0\.0\.1:1\)/);
    assert.match(message, /10\.0\.0\.2:7102 \(store unreachable\)/);
  });

  void it('starts with the replica that answered last', async () => {
    const tried: number[] = [];
    await callReplicas({ service: 's', addresses: ['a:1', 'b:2', 'c:3'], safety: 'read', first: 2, attempt: (i) => (tried.push(i), i === 2 ? Promise.reject(REFUSED) : Promise.resolve(i)), mapError: (e) => e as Error });
    assert.deepEqual(tried, [2, 0]);
  });
});
