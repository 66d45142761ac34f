// Member-loss conformance: what a Store on a 3-member cluster (etcd, ZooKeeper) must keep
// doing while members die, freeze and come back. Each case runs the same workload around one
// fault: a writer making create-only puts and compare-and-set updates one after another, a
// reader, a watch, and a lease kept alive. A call may fail with UnavailableError (within the
// store's own deadline); the workload then reads back and retries, so an outcome is never
// guessed. Afterwards: every write is there exactly once and whole, the watch delivered every
// change exactly once in order (no gap, no duplicate, no resync), and the lease kept its key.
// Each case leaves the cluster healthy for the next.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConflictError, UnavailableError } from '../../lib/errors.js';
import { clusterPrefix } from '../../lib/store/keys.js';
import type { Store, Watch } from '../../lib/store/store.js';
import { waitFor } from '../harness/index.js';
import { WatchRecorder } from './watch-recorder.js';

export interface MemberLossCluster {
  readonly size: number;
  kill(i: number): Promise<void>;
  start(i: number): Promise<void>;
  pause(i: number): Promise<void>;
  resume(i: number): void;
  /** Index of the current leader among the members that answer; waits for one. */
  leader(): Promise<number>;
  /** Wait until every running member serves again. */
  healthy(): Promise<void>;
}

export interface MemberLossHarness {
  cluster: MemberLossCluster;
  /** A fresh client on every member (the suite closes it). */
  make(): Promise<Store>;
  /** How long a paused member must stay frozen for the others to elect without it. */
  pauseMs: number;
  /** Upper bound for a call to fail with UnavailableError while the quorum is lost. */
  unavailableWithinMs: number;
  /** Upper bound for one workload step, retries included, while a quorum remains. */
  stepWithinMs: number;
}

function isUnavailable(err: unknown): boolean {
  return err instanceof UnavailableError;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The workload around one fault. */
class Workload {
  private readonly base = clusterPrefix(`loss-${randomBytes(5).toString('hex')}`);
  /** What the watch covers. */
  readonly prefix = `${this.base}t/`;
  /** A key outside the watched prefix, for probes. */
  readonly probeKey = `${this.base}probe`;
  /** Steps confirmed: each is `put k<n>` or `put counter` with counter value n. */
  readonly done: string[] = [];
  readonly slowest = { write: 0, read: 0 };
  unavailable = 0;
  keepAliveFailures = 0;
  keepAliveOk = 0;
  readonly rec = new WatchRecorder();
  private counter = { value: 0, revision: 0 };
  private stopped = false;
  private aborted = false;
  private loops: Promise<void>[] = [];
  private watch: Watch | undefined;
  private leaseId = '';

  constructor(
    private readonly writer: Store,
    private readonly reader: Store,
  ) {}

  async begin(): Promise<void> {
    const lease = await this.writer.grantLease(15);
    this.leaseId = lease.id;
    await this.writer.put(`${this.prefix}leased`, 'kept', { lease: lease.id });
    this.counter.revision = await this.writer.put(`${this.prefix}counter`, 0);
    this.watch = await this.reader.watch(this.prefix, this.counter.revision + 1, this.rec);
    this.loops = [this.writeLoop(), this.readLoop(), this.keepAliveLoop()];
  }

  /** Resolves once `n` more steps are confirmed. */
  async progress(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.done.length + n;
    await waitFor(`${n} more confirmed writes (have ${this.done.length})`, () => this.done.length >= target, { timeoutMs, intervalMs: 20 });
  }

  /** Stop everything at once (a failed case): pending retries give up. */
  async abort(): Promise<void> {
    this.stopped = true;
    this.aborted = true;
    await Promise.allSettled(this.loops);
    await this.watch?.close();
  }

  async end(stepWithinMs: number | undefined): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    const sentinel = `${this.prefix}zz-sentinel`;
    await this.retry(() => this.writer.put(sentinel, 'end', { expectedRevision: 0 }), async () => (await this.writer.get(sentinel))?.value === 'end');
    await waitFor('the sentinel through the watch', () => this.rec.events.some((e) => e.key === sentinel), { timeoutMs: 20_000 });
    await this.watch?.close();

    assert.deepEqual(this.rec.resyncs, [], 'no resync: the backend replays history across member loss');
    const seen = this.rec.events.filter((e) => e.key !== sentinel).map((e) => `${e.type} ${e.key.slice(this.prefix.length)} ${JSON.stringify(e.type === 'put' ? e.value : null)}`);
    const want = this.done.map((s) => `put ${s}`);
    assert.deepEqual(seen, want, 'the watch delivered every change once, in order');
    for (let i = 1; i < this.rec.events.length; i++) assert.ok(this.rec.events[i]!.revision > this.rec.events[i - 1]!.revision, 'revisions ascend');

    // Every write is there once and whole; nothing else appeared.
    const listed = await this.retryRead(() => this.reader.list(this.prefix));
    const keys = this.done.filter((s) => s.startsWith('k')).map((s) => s.split(' ')[0]!);
    assert.deepEqual(
      listed.items.map((kv) => kv.key.slice(this.prefix.length)),
      ['counter', ...keys, 'leased', 'zz-sentinel'].sort(),
    );
    for (const kv of listed.items) {
      const name = kv.key.slice(this.prefix.length);
      if (name.startsWith('k')) assert.deepEqual(kv.value, { n: Number(name.slice(1)), pad: 'x'.repeat(64) });
    }
    assert.equal(listed.items.find((kv) => kv.key.endsWith('/counter'))?.value, this.counter.value);
    const leased = listed.items.find((kv) => kv.key.endsWith('/leased'));
    assert.equal(leased?.lease, this.leaseId, 'the lease kept alive through the fault kept its key');
    assert.ok(this.keepAliveOk > 0);
    if (stepWithinMs !== undefined) {
      assert.ok(this.slowest.write < stepWithinMs, `slowest write step ${this.slowest.write} ms < ${stepWithinMs} ms`);
      assert.ok(this.slowest.read < stepWithinMs, `slowest read step ${this.slowest.read} ms < ${stepWithinMs} ms`);
    }
    await this.writer.revokeLease(this.leaseId).catch(() => undefined);
  }

  private async writeLoop(): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const t0 = Date.now();
      if (n % 2 === 0) {
        const key = `${this.prefix}k${String(n).padStart(4, '0')}`;
        const value = { n, pad: 'x'.repeat(64) };
        await this.retry(
          () => this.writer.put(key, value, { expectedRevision: 0 }),
          async () => {
            const got = await this.writer.get(key);
            if (got) assert.deepEqual(got.value, value, 'a put that failed is whole or absent');
            return got !== undefined;
          },
        );
        this.done.push(`k${String(n).padStart(4, '0')} ${JSON.stringify(value)}`);
      } else {
        const key = `${this.prefix}counter`;
        const next = this.counter.value + 1;
        let revision = this.counter.revision;
        await this.retry(
          async () => {
            revision = await this.writer.put(key, next, { expectedRevision: this.counter.revision });
          },
          async () => {
            const got = await this.writer.get(key);
            assert.ok(got && (got.value === next || got.value === this.counter.value), `counter is ${String(got?.value)}, not half-applied`);
            if (got.value === next) revision = got.revision;
            return got.value === next;
          },
        );
        this.counter = { value: next, revision };
        this.done.push(`counter ${next}`);
      }
      this.slowest.write = Math.max(this.slowest.write, Date.now() - t0);
    }
  }

  private async readLoop(): Promise<void> {
    while (!this.stopped) {
      const t0 = Date.now();
      const got = await this.retryRead(() => this.reader.get(`${this.prefix}counter`));
      assert.ok(typeof got?.value === 'number');
      this.slowest.read = Math.max(this.slowest.read, Date.now() - t0);
      await pause(20);
    }
  }

  private async keepAliveLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.writer.keepAlive(this.leaseId);
        this.keepAliveOk++;
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        this.keepAliveFailures++;
      }
      await pause(300);
    }
  }

  /**
   * Run a write until it is known to have happened. After UnavailableError its outcome is
   * unknown: `applied` reads it back (retrying reads); a ConflictError on the retry of a
   * conditional write means the earlier attempt did land, which `applied` confirms.
   */
  private async retry(write: () => Promise<unknown>, applied: () => Promise<boolean>): Promise<void> {
    for (;;) {
      if (this.aborted) throw new Error('workload aborted');
      try {
        await write();
        return;
      } catch (err) {
        if (!isUnavailable(err) && !(err instanceof ConflictError)) throw err;
        if (isUnavailable(err)) this.unavailable++;
        if (await this.retryRead(applied)) return;
        if (err instanceof ConflictError) throw err;
      }
      await pause(50);
    }
  }

  private async retryRead<T>(read: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.aborted) throw new Error('workload aborted');
      try {
        return await read();
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        this.unavailable++;
      }
      await pause(50);
    }
  }
}

export function memberLossConformance(name: string, harness: MemberLossHarness): void {
  void describe(`Store member loss: ${name}`, () => {
    let writer: Store;
    let reader: Store;
    before(async () => {
      writer = await harness.make();
      reader = await harness.make();
    });
    after(async () => {
      await writer.close();
      await reader.close();
    });
    const { cluster } = harness;

    /** Run the workload around `fault`; `progress` confirmed steps before, during and after it. */
    async function around(fault: (w: Workload) => Promise<void>, { boundedSteps = true } = {}): Promise<Workload> {
      await cluster.healthy();
      const w = new Workload(writer, reader);
      try {
        await w.begin();
        await w.progress(5);
        await fault(w);
        await cluster.healthy();
        await w.progress(5);
        await w.end(boundedSteps ? harness.stepWithinMs : undefined);
      } catch (err) {
        await w.abort();
        throw err;
      }
      return w;
    }

    void it('the leader is killed, and comes back', { timeout: 90_000 }, async () => {
      await around(async (w) => {
        const leader = await cluster.leader();
        await cluster.kill(leader);
        await w.progress(10);
        await cluster.start(leader);
      });
    });

    void it('a follower is killed, and comes back', { timeout: 90_000 }, async () => {
      await around(async (w) => {
        const follower = ((await cluster.leader()) + 1) % cluster.size;
        await cluster.kill(follower);
        await w.progress(10);
        await cluster.start(follower);
      });
    });

    void it('the leader is frozen past its election timeout, and thaws', { timeout: 90_000 }, async () => {
      await around(async (w) => {
        const leader = await cluster.leader();
        await cluster.pause(leader);
        try {
          const t0 = Date.now();
          await waitFor('a new leader among the others', async () => (await cluster.leader()) !== leader, { timeoutMs: 30_000, intervalMs: 100 });
          await w.progress(10);
          // Stay frozen at least pauseMs, so the frozen member really fell behind.
          if (Date.now() - t0 < harness.pauseMs) await pause(harness.pauseMs - (Date.now() - t0));
        } finally {
          cluster.resume(leader);
        }
      });
    });

    void it('a rolling restart of every member, one at a time', { timeout: 120_000 }, async () => {
      await around(async (w) => {
        for (let i = 0; i < cluster.size; i++) {
          await cluster.kill(i);
          await w.progress(4);
          await cluster.start(i);
          await cluster.healthy();
          await w.progress(2);
        }
      });
    });

    void it('losing the quorum gives UnavailableError in bounded time, and nothing is lost when it returns', { timeout: 120_000 }, async () => {
      await around(async (w) => {
        const leader = await cluster.leader();
        const other = (leader + 1) % cluster.size;
        await Promise.all([cluster.kill(leader), cluster.kill(other)]);
        try {
          // Wait until the survivor notices, then every call must fail cleanly and quickly.
          const probe = w.probeKey;
          await waitFor('the store to report the lost quorum', async () => {
            try {
              await reader.get(probe);
              return false;
            } catch (err) {
              return isUnavailable(err);
            }
          }, { timeoutMs: 30_000, intervalMs: 50 });
          for (const op of [() => reader.get(probe), () => writer.put(probe, 'maybe'), () => reader.list(w.prefix)]) {
            const t0 = Date.now();
            await assert.rejects(op(), UnavailableError);
            assert.ok(Date.now() - t0 < harness.unavailableWithinMs, `failed in ${Date.now() - t0} ms, bound ${harness.unavailableWithinMs}`);
          }
        } finally {
          await Promise.all([cluster.start(leader), cluster.start(other)]);
        }
        await cluster.healthy();
        // The put that failed during the loss is whole or absent (it may land once the quorum is back).
        const maybe = await writer.get(w.probeKey);
        if (maybe) assert.equal(maybe.value, 'maybe');
      }, { boundedSteps: false });
    });
  });
}
