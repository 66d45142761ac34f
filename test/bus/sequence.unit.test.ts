// SequenceTracker and PendingQueue: the two pieces of receipt-side bookkeeping, in isolation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GapReason } from '../../lib/bus/bus.js';
import { PendingQueue } from '../../lib/bus/pending-queue.js';
import { SequenceTracker } from '../../lib/bus/sequence.js';
import { waitFor } from '../harness/index.js';

const ev = (sequence: number, epoch = 'e1', source = '/plexus/c1/registry/r1', type = 'dev.plexus.instance.registered') => ({
  source,
  type,
  epoch,
  sequence,
});

void describe('SequenceTracker', () => {
  void it('keeps streams apart by source and type', () => {
    const t = new SequenceTracker();
    assert.deepEqual(t.observe(ev(1)), { deliver: true });
    assert.deepEqual(t.observe(ev(1, 'e1', '/plexus/c1/registry/r2')), { deliver: true });
    assert.deepEqual(t.observe(ev(1, 'e1', '/plexus/c1/registry/r1', 'dev.plexus.instance.expired')), { deliver: true });
    assert.deepEqual(t.observe(ev(2)), { deliver: true });
    assert.equal(t.observe(ev(2)).deliver, false);
    const jump = t.observe(ev(5, 'e1', '/plexus/c1/registry/r2'));
    assert.equal(jump.deliver && jump.gap !== undefined, true);
  });

  void it('forgets the least recently seen stream beyond its bound', () => {
    const t = new SequenceTracker(2);
    t.observe(ev(1, 'e1', 'a'));
    t.observe(ev(1, 'e1', 'b'));
    t.observe(ev(2, 'e1', 'a')); // a is now the most recent
    t.observe(ev(1, 'e1', 'c')); // evicts b
    assert.equal(t.observe(ev(2, 'e1', 'a')).deliver, false, 'a still remembered');
    assert.deepEqual(t.observe(ev(9, 'e1', 'b')), { deliver: true }, 'b forgotten: first sight again, no gap');
  });
});

void describe('PendingQueue', () => {
  void it('delivers in order on later turns, drops beyond its limit and reports one slow-consumer gap after the backlog', async () => {
    const seen: string[] = [];
    const gaps: Array<{ reason: GapReason; detail: string }> = [];
    const q = new PendingQueue(
      { messages: 3, bytes: 1_000_000 },
      { message: (s) => void seen.push(s), gap: (reason, detail) => void gaps.push({ reason, detail }) },
    );
    for (let i = 1; i <= 6; i++) q.push(`m${i}`, new Uint8Array(10));
    assert.deepEqual(seen, [], 'nothing delivered synchronously');
    assert.equal(q.pendingMessages, 3);
    q.pushGap('reconnect', 'r');
    await waitFor('drain', () => gaps.length === 2);
    assert.deepEqual(seen, ['m1', 'm2', 'm3']);
    assert.deepEqual(gaps.map((g) => g.reason), ['slow-consumer', 'reconnect']);
    assert.match(gaps[0]?.detail ?? '', /dropped 3 message/);
    q.push('m7', new Uint8Array(10));
    await waitFor('m7', () => seen.length === 4);
    assert.equal(gaps.length, 2);
    q.close();
  });

  void it('bounds bytes as well as messages, and stops on close', async () => {
    const seen: string[] = [];
    const gaps: string[] = [];
    const q = new PendingQueue({ messages: 100, bytes: 25 }, { message: (s) => void seen.push(s), gap: (r) => void gaps.push(r) });
    q.push('a', new Uint8Array(10));
    q.push('b', new Uint8Array(10));
    q.push('c', new Uint8Array(10)); // would make 30 bytes
    await waitFor('drain', () => gaps.length === 1);
    assert.deepEqual(seen, ['a', 'b']);
    q.push('d', new Uint8Array(1));
    q.close();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['a', 'b']);
  });
});
