// The ListWatch behaviours (lib/watch/list-watch.ts), run by list-watch.unit.test.ts on the
// memory store and by list-watch-etcd.test.ts on a real etcd. Each test works under its own
// random prefix, so tests never see each other's keys.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { UnavailableError } from '../../lib/errors.js';
import type { ListResult, Store, WatchEvent } from '../../lib/store/store.js';
import { ListWatch, type ListWatchHandler } from '../../lib/watch/list-watch.js';
import { waitFor } from '../harness/index.js';

export interface ListWatchHarness {
  make(): Promise<Store>;
  /** Make the store forget history up to now, so a watch from before must resync. */
  loseHistory(store: Store): Promise<void>;
}

type Seen = { type: 'snapshot'; revision: number; keys: string[]; reason: string } | { type: 'change'; ev: WatchEvent<unknown> };

/** A handler that records everything, in order. */
function recorder(): ListWatchHandler<unknown, 'manual'> & { seen: Seen[]; errors: unknown[]; changes(): WatchEvent<unknown>[] } {
  const seen: Seen[] = [];
  const errors: unknown[] = [];
  return {
    seen,
    errors,
    changes: () => seen.flatMap((s) => (s.type === 'change' ? [s.ev] : [])),
    onSnapshot: (listing: ListResult<unknown>, reason) => {
      seen.push({ type: 'snapshot', revision: listing.revision, keys: listing.items.map((kv) => kv.key), reason });
    },
    onChanges: (events) => {
      for (const ev of events) seen.push({ type: 'change', ev });
    },
    onError: (err) => errors.push(err),
  };
}

/** Delegates to a store, counting open watches and letting a test hold list() open. */
function instrumented(store: Store): { store: Store; openWatches(): number; holdLists(): () => void } {
  let open = 0;
  let gate: Promise<void> | undefined;
  const wrapped: Store = Object.create(store) as Store;
  wrapped.list = async <T>(prefix: string): Promise<ListResult<T>> => {
    const result = await store.list<T>(prefix);
    await gate;
    return result;
  };
  wrapped.watch = async (prefix, from, handler) => {
    const w = await store.watch(prefix, from, handler);
    open++;
    let closed = false;
    return {
      close: async () => {
        if (!closed) open--;
        closed = true;
        await w.close();
      },
    };
  };
  return {
    store: wrapped,
    openWatches: () => open,
    holdLists: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

export function listWatchSuite(name: string, harness: ListWatchHarness): void {
  void describe(`ListWatch on ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function setup(): Promise<{ store: Store; prefix: string }> {
      const store = await harness.make();
      cleanups.push(() => store.close());
      return { store, prefix: `/plexus/v1/lw-${randomBytes(4).toString('hex')}/` };
    }
    function open(store: Store, prefix: string, extra: { maxBuffered?: number; watch?: boolean } = {}) {
      const handler = recorder();
      const lw = new ListWatch<unknown, 'manual'>({ store, prefix, handler, ...extra });
      cleanups.push(() => lw.close());
      return { lw, handler };
    }

    void it('lists a snapshot, then delivers every later change once, in order', async () => {
      const { store, prefix } = await setup();
      await store.put(`${prefix}a`, 1);
      await store.put(`${prefix}b`, 2);
      const { lw, handler } = open(store, prefix);
      await lw.start();
      assert.equal(handler.seen.length, 1);
      assert.deepEqual(handler.seen[0], { type: 'snapshot', revision: lw.revision, keys: [`${prefix}a`, `${prefix}b`], reason: 'start' });
      assert.ok(lw.watching);
      const r1 = await store.put(`${prefix}a`, 3);
      await store.delete(`${prefix}b`);
      const r3 = await store.put(`${prefix}c`, 4);
      await waitFor('three changes', () => handler.changes().length === 3);
      assert.deepEqual(
        handler.changes().map((ev) => `${ev.type}:${ev.key.slice(prefix.length)}`),
        ['put:a', 'delete:b', 'put:c'],
      );
      assert.equal(handler.changes()[0]!.revision, r1);
      assert.equal(lw.revision, r3);
    });

    void it('resumes from a revision without a listing', async () => {
      const { store, prefix } = await setup();
      await store.put(`${prefix}old`, 0);
      const from = (await store.put(`${prefix}a`, 1)) + 0;
      await store.put(`${prefix}b`, 2);
      const { lw, handler } = open(store, prefix);
      await lw.start(from);
      await waitFor('two changes', () => handler.changes().length === 2);
      assert.ok(handler.seen.every((s) => s.type === 'change'));
      assert.deepEqual(handler.changes().map((ev) => ev.key.slice(prefix.length)), ['a', 'b']);
    });

    void it('history lost: a new snapshot, then the watch goes on from it', async () => {
      const { store, prefix } = await setup();
      const from = await store.put(`${prefix}a`, 1);
      await store.put(`${prefix}a`, 2);
      await store.put(`${prefix}b`, 3);
      await harness.loseHistory(store);
      const { lw, handler } = open(store, prefix);
      await lw.start(from);
      await waitFor('resync snapshot', () => handler.seen.some((s) => s.type === 'snapshot'));
      const snap = handler.seen.find((s) => s.type === 'snapshot');
      assert.equal(snap?.type === 'snapshot' && snap.reason, 'watch-resync');
      assert.deepEqual(snap?.type === 'snapshot' && snap.keys, [`${prefix}a`, `${prefix}b`]);
      await waitFor('watching again', () => lw.watching);
      await store.put(`${prefix}c`, 4);
      await waitFor('change after the resync', () => handler.changes().some((ev) => ev.key === `${prefix}c`));
    });

    void it('an explicit resync keeps the watch and holds what it delivers during the listing', async () => {
      const { store: raw, prefix } = await setup();
      const s = instrumented(raw);
      const { lw, handler } = open(s.store, prefix);
      await lw.start();
      const release = s.holdLists();
      const running = lw.resync('manual');
      void lw.resync('manual'); // coalesced into one more run after this one
      void lw.resync('manual');
      const during = await raw.put(`${prefix}x`, 1);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(handler.changes().length, 0, 'held while the listing runs');
      release();
      await running;
      await lw.settled();
      const snaps = handler.seen.filter((s) => s.type === 'snapshot');
      assert.equal(snaps.length, 3, 'start + the resync + one coalesced');
      assert.equal(s.openWatches(), 1, 'the same watch throughout');
      // Whatever the change's position, the consumer sees it once, above the snapshot before it.
      const changes = handler.changes();
      const snapBefore = handler.seen.slice(0, handler.seen.findIndex((x) => x.type === 'change')).filter((x) => x.type === 'snapshot').pop();
      if (changes.length > 0) {
        assert.equal(changes.length, 1);
        assert.ok(snapBefore?.type === 'snapshot' && snapBefore.revision < during);
      } else {
        assert.ok(snaps.some((x) => x.type === 'snapshot' && x.revision >= during && x.keys.includes(`${prefix}x`)));
      }
    });

    void it('a paused consumer holds at most maxBuffered changes, then catches up exactly once', async () => {
      const { store: raw, prefix } = await setup();
      const s = instrumented(raw);
      const { lw, handler } = open(s.store, prefix, { maxBuffered: 5 });
      await lw.start();
      lw.pause();
      for (let i = 0; i < 20; i++) await raw.put(`${prefix}k${i}`, i);
      await waitFor('the watch is closed on overflow', () => !lw.watching);
      assert.equal(handler.changes().length, 0);
      assert.equal(s.openWatches(), 0);
      lw.resume();
      await waitFor('all twenty', () => handler.changes().length === 20);
      assert.deepEqual(handler.changes().map((ev) => ev.key.slice(prefix.length)), Array.from({ length: 20 }, (_, i) => `k${i}`));
      await waitFor('watching again', () => lw.watching);
      assert.equal(handler.seen.filter((x) => x.type === 'snapshot').length, 1, 'no resync needed');
    });

    void it('a consumer paused past the store history gets a snapshot on resume', async () => {
      const { store, prefix } = await setup();
      const { lw, handler } = open(store, prefix, { maxBuffered: 2 });
      await lw.start();
      lw.pause();
      for (let i = 0; i < 6; i++) await store.put(`${prefix}k${i}`, i);
      await waitFor('the watch is closed on overflow', () => !lw.watching);
      await harness.loseHistory(store);
      lw.resume();
      await waitFor('resync snapshot', () => handler.seen.filter((x) => x.type === 'snapshot').length === 2);
      const snap = handler.seen.filter((x) => x.type === 'snapshot')[1]!;
      assert.equal(snap.type === 'snapshot' && snap.keys.length, 6);
      await waitFor('watching again', () => lw.watching);
    });

    void it('close during a listing: no snapshot, no watch left open', async () => {
      const { store: raw, prefix } = await setup();
      const s = instrumented(raw);
      const { lw, handler } = open(s.store, prefix);
      const release = s.holdLists();
      const started = lw.start();
      await new Promise((r) => setTimeout(r, 20));
      const closing = lw.close();
      release();
      await started;
      await closing;
      assert.equal(handler.seen.length, 0);
      assert.equal(s.openWatches(), 0);
      await raw.put(`${prefix}late`, 1);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(handler.seen.length, 0);
    });

    void it('a failed listing rejects and reports; the next resync recovers', async () => {
      const { store: raw, prefix } = await setup();
      const wrapped: Store = Object.create(raw) as Store;
      let failing = true;
      wrapped.list = async <T>(p: string): Promise<ListResult<T>> => {
        if (failing) throw new UnavailableError('store down (test)');
        return raw.list<T>(p);
      };
      const { lw, handler } = open(wrapped, prefix);
      await assert.rejects(lw.start(), UnavailableError);
      assert.equal(handler.errors.length, 1);
      assert.equal(lw.watching, false);
      failing = false;
      await lw.resync('manual');
      assert.ok(lw.watching);
      assert.equal(handler.seen.length, 1);
    });
  });
}
