// The discovery protocol rules of one stream, without gRPC: what goes out, when, and what ACKs
// and NACKs change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CachedResource } from '../../lib/mesh/resource-cache.js';
import type { ResourceType } from '../../lib/mesh/resources.js';
import { ABSENT, BASE_MISMATCH_CODE, DeltaSession, type ResourceSource } from '../../services/config-push/delta-session.js';

class FakeCache implements ResourceSource {
  readonly map = new Map<string, CachedResource>();
  set(name: string, version: string, type: ResourceType = 'Endpoints'): void {
    this.map.set(`${type} ${name}`, { type, name, version, body: Buffer.from('{}'), changedAt: performance.now(), sinceGen: 0 });
  }
  remove(name: string, type: ResourceType = 'Endpoints'): void {
    this.map.delete(`${type} ${name}`);
  }
  get(type: ResourceType, name: string): CachedResource | undefined {
    return this.map.get(`${type} ${name}`);
  }
  *names(type: ResourceType): IterableIterator<string> {
    for (const r of this.map.values()) if (r.type === type) yield r.name;
  }
}

const summary = (r: ReturnType<DeltaSession['nextResponse']>): string =>
  r ? `${r.resources.map((x) => `${x.name}@${x.version}`).join(',')}|-${r.removed.join(',')}` : 'none';

describe('delta session', () => {
  it('keeps no per-proxy rejection, queue or in-flight collections at steady state: made for a change or NACK, gone once settled', () => {
    const cache = new FakeCache();
    cache.set('ns/a', 'v1');
    const idle = new DeltaSession(cache, { noncePrefix: 'idle', maxInflight: 8 }).state('Endpoints');
    const s = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 8 });
    const st = s.state('Endpoints');
    const shared = (): boolean => st.nacked === idle.nacked && st.dirty === idle.dirty && st.inflight === idle.inflight;
    assert.ok(shared(), 'a fresh session shares the empty collections');
    s.subscribe('Endpoints', ['ns/a'], [], undefined);
    assert.equal(st.dirty.size, 1);
    const first = s.nextResponse('Endpoints')!;
    assert.equal(st.inflight.size, 1);
    s.acknowledge('Endpoints', first.nonce, undefined);
    assert.ok(shared(), 'after the ACK nothing per-proxy is left but what it holds');
    cache.set('ns/a', 'v2');
    s.markChanged('Endpoints', 'ns/a');
    const nacked = s.nextResponse('Endpoints')!;
    s.acknowledge('Endpoints', nacked.nonce, { code: 3, message: 'bad' });
    assert.deepEqual([...st.nacked], [['ns/a', 'v2']], 'the rejection is recorded');
    assert.equal(summary(s.nextResponse('Endpoints')), 'none', 'and the rejected version not resent');
    cache.set('ns/a', 'v3');
    s.markChanged('Endpoints', 'ns/a');
    s.acknowledge('Endpoints', s.nextResponse('Endpoints')!.nonce, undefined);
    assert.ok(shared(), 'a newer version acked clears the rejection and its collection');
    assert.deepEqual([...st.acked], [['ns/a', 'v3']]);
  });

  it('offers as delta base only what the proxy acked; a base-mismatch NACK resends whole once, then quarantines', () => {
    const cache = new FakeCache();
    cache.set('ns/a', 'v1');
    const s = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 8 });
    s.offerBases = true;
    s.subscribe('Endpoints', ['ns/a'], [], undefined);
    const first = s.nextResponse('Endpoints')!;
    assert.equal(first.bases.size, 0, 'nothing held yet: whole');
    cache.set('ns/a', 'v2');
    s.markChanged('Endpoints', 'ns/a');
    const unacked = s.nextResponse('Endpoints')!;
    assert.equal(unacked.bases.size, 0, 'v1 not acknowledged yet: no base');
    s.acknowledge('Endpoints', unacked.nonce, undefined); // settles both
    cache.set('ns/a', 'v3');
    s.markChanged('Endpoints', 'ns/a');
    const delta = s.nextResponse('Endpoints')!;
    assert.deepEqual([...delta.bases], [['ns/a', 'v2']]);
    // "I do not hold that base": not a rejection of v3, which goes again, whole.
    const mismatch = s.acknowledge('Endpoints', delta.nonce, { code: BASE_MISMATCH_CODE, message: 'base' });
    assert.deepEqual(mismatch.nack?.rejected, []);
    const whole = s.nextResponse('Endpoints')!;
    assert.equal(summary(whole), 'ns/a@v3|-');
    assert.equal(whole.bases.size, 0, 'resent without a base');
    // The same NACK of a whole body is an ordinary rejection: quarantined, not resent in a loop.
    s.acknowledge('Endpoints', whole.nonce, { code: BASE_MISMATCH_CODE, message: 'base again' });
    assert.equal(s.state('Endpoints').nacked.get('ns/a'), 'v3');
    s.markChanged('Endpoints', 'ns/a');
    assert.equal(s.nextResponse('Endpoints'), undefined);
    // Without the capability no base is ever offered.
    const plain = new DeltaSession(cache, { noncePrefix: 'p', maxInflight: 8 });
    plain.subscribe('Endpoints', ['ns/a'], [], { 'ns/a': 'v2' });
    assert.equal(plain.nextResponse('Endpoints')!.bases.size, 0);
  });

  it('answers a fresh subscription once, even empty; explicit unknown names as removed', () => {
    const cache = new FakeCache();
    cache.set('ns/a', 'v1');
    const s = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 8 });
    s.subscribe('Endpoints', ['ns/a', 'ns/missing'], [], undefined);
    assert.equal(summary(s.nextResponse('Endpoints')), 'ns/a@v1|-ns/missing');
    assert.equal(s.nextResponse('Endpoints'), undefined);
    const w = new DeltaSession(new FakeCache(), { noncePrefix: 't', maxInflight: 8 });
    w.subscribe('Service', ['*'], [], undefined);
    const empty = w.nextResponse('Service');
    assert.ok(empty);
    assert.equal(empty.resources.length + empty.removed.length, 0);
  });

  it('sends only what differs; a NACKed version is not resent, the next different one is', () => {
    const cache = new FakeCache();
    cache.set('ns/a', 'v1');
    cache.set('ns/b', 'v1');
    const s = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 8 });
    s.subscribe('Endpoints', ['ns/a', 'ns/b'], [], undefined);
    const first = s.nextResponse('Endpoints')!;
    s.acknowledge('Endpoints', first.nonce, undefined);
    cache.set('ns/a', 'v2');
    s.markChanged('Endpoints', 'ns/a');
    s.markChanged('Endpoints', 'ns/b'); // recomputed, unchanged
    const second = s.nextResponse('Endpoints')!;
    assert.equal(summary(second), 'ns/a@v2|-');
    const nack = s.acknowledge('Endpoints', second.nonce, { code: 3, message: 'bad' });
    assert.equal(nack.nack?.message, 'bad');
    assert.equal(s.state('Endpoints').acked.get('ns/a'), 'v1', 'still holds its last good version');
    s.markChanged('Endpoints', 'ns/a');
    assert.equal(s.nextResponse('Endpoints'), undefined, 'rejected version not resent');
    cache.set('ns/a', 'v3');
    s.markChanged('Endpoints', 'ns/a');
    const third = s.nextResponse('Endpoints')!;
    assert.equal(summary(third), 'ns/a@v3|-');
    s.acknowledge('Endpoints', third.nonce, undefined);
    assert.equal(s.state('Endpoints').nacked.size, 0);
  });

  it('resumes from initial_versions: equal sends nothing, stale sends the diff and removals', () => {
    const cache = new FakeCache();
    cache.set('ns/a', 'v1');
    cache.set('ns/b', 'v2');
    const s = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 8 });
    s.subscribe('Endpoints', ['ns/a', 'ns/b', 'ns/c'], [], { 'ns/a': 'v1', 'ns/b': 'v1', 'ns/c': 'v9' });
    assert.equal(summary(s.nextResponse('Endpoints')), 'ns/b@v2|-ns/c');
    const same = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 8 });
    same.subscribe('Endpoints', ['ns/a', 'ns/b'], [], { 'ns/a': 'v1', 'ns/b': 'v2' });
    assert.equal(same.nextResponse('Endpoints'), undefined);
  });

  it('bounds in-flight responses and keeps only the newest version per name queued', () => {
    const cache = new FakeCache();
    cache.set('ns/a', 'v0');
    const s = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 2 });
    s.subscribe('Endpoints', ['ns/a'], [], undefined);
    assert.ok(s.nextResponse('Endpoints'));
    cache.set('ns/a', 'v1');
    s.markChanged('Endpoints', 'ns/a');
    assert.ok(s.nextResponse('Endpoints'));
    for (let v = 2; v < 100; v++) {
      cache.set('ns/a', `v${v}`);
      s.markChanged('Endpoints', 'ns/a');
      assert.equal(s.nextResponse('Endpoints'), undefined);
    }
    const st = s.state('Endpoints');
    assert.equal(st.inflight.size, 2);
    assert.equal(st.dirty.size, 1);
    // Acknowledging the newest in-flight response settles the older one too, then v99 goes out.
    s.acknowledge('Endpoints', st.pendingNonce, undefined);
    assert.equal(st.inflight.size, 0);
    assert.equal(summary(s.nextResponse('Endpoints')), 'ns/a@v99|-');
  });

  it('wildcard: removals reach holders; unsubscribing forgets; a rejected removal is not resent', () => {
    const cache = new FakeCache();
    cache.set('ns/a', 'v1');
    cache.set('ns/b', 'v1');
    const s = new DeltaSession(cache, { noncePrefix: 't', maxInflight: 8 });
    s.subscribe('Endpoints', ['*'], [], undefined);
    s.acknowledge('Endpoints', s.nextResponse('Endpoints')!.nonce, undefined);
    cache.remove('ns/b');
    s.markChanged('Endpoints', 'ns/b');
    const removal = s.nextResponse('Endpoints')!;
    assert.equal(summary(removal), '|-ns/b');
    s.acknowledge('Endpoints', removal.nonce, { code: 3, message: 'no' });
    assert.equal(s.state('Endpoints').nacked.get('ns/b'), ABSENT);
    s.markChanged('Endpoints', 'ns/b');
    assert.equal(s.nextResponse('Endpoints'), undefined);
    s.subscribe('Endpoints', [], ['*'], undefined);
    assert.equal(s.state('Endpoints').sent.size, 0);
    assert.equal(s.markChanged('Endpoints', 'ns/a'), false);
  });
});
