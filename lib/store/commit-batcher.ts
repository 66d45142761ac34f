// Group commit: the writes of concurrent callers go to the store together, as one
// Store.commit, instead of one store round trip each. Each caller submits a group of ops that
// must apply together; a batch is several groups in one transaction.
//
// A write that finds the batcher idle is sent at once; otherwise a batch is sent as soon as the
// event loop turns, with at most `maxInFlight` batches in the store at once; what arrives
// meanwhile waits for the next one, so under load the batches grow and at rest a lone write
// goes out at once. Two groups writing one key never share a batch
// (a transaction may name a key once): the later one waits for the next.
//
// Outcomes stay per caller. A batch the store refuses outright (a compare failed, a lease is
// gone, bad arguments: nothing was written) is sent again group by group, so each caller gets
// the answer its own writes earn and no caller fails for another's conflict. A batch that fails
// otherwise (store unavailable: it may or may not have been applied) fails every group in it
// with that error, as the same write sent alone would have.
import { isPlexusError } from '../errors.js';
import { STORE_LIMITS, type WriteOp } from './store.js';

export interface CommitBatcherOptions {
  /** Most ops in one batch (default STORE_LIMITS.maxBatchOps). */
  maxOps?: number;
  /** Batches in the store at once (default 2). */
  maxInFlight?: number;
}

interface Group {
  ops: WriteOp[];
  resolve(revision: number): void;
  reject(err: unknown): void;
}

export interface BatchStats {
  batches: number;
  groups: number;
  /** Batches refused as a whole and sent again group by group. */
  split: number;
}

export class CommitBatcher {
  private queue: Group[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxOps: number;
  private readonly maxInFlight: number;
  readonly stats: BatchStats = { batches: 0, groups: 0, split: 0 };

  constructor(
    private readonly commit: (ops: WriteOp[]) => Promise<number>,
    opts: CommitBatcherOptions = {},
  ) {
    this.maxOps = opts.maxOps ?? STORE_LIMITS.maxBatchOps;
    this.maxInFlight = opts.maxInFlight ?? 2;
  }

  /** Applies `ops` all or none, with whatever else is pending; resolves to the revision. */
  submit(ops: WriteOp[]): Promise<number> {
    // Groups that cannot share a batch go alone, where the store words the refusal.
    if (ops.length === 0 || ops.length > this.maxOps) return this.commit(ops);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      // Idle (nothing in the store, nothing waiting): this write goes at once, with no added
      // wait for the event loop to turn; what follows it in the same turn is batched as usual.
      if (this.inFlight === 0 && !this.scheduled && this.queue.length === 1) this.sendNext();
      else this.kick();
    });
  }

  private sendNext(): void {
    const batch = this.take();
    this.inFlight++;
    void this.send(batch).finally(() => {
      this.inFlight--;
      this.kick();
    });
  }

  private kick(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.maxInFlight && this.queue.length > 0) this.sendNext();
    });
  }

  /** The next batch: groups in arrival order that fit, none writing a key another one writes. */
  private take(): Group[] {
    const batch: Group[] = [];
    const keys = new Set<string>();
    const rest: Group[] = [];
    let ops = 0;
    for (const g of this.queue) {
      if (ops + g.ops.length > this.maxOps || g.ops.some((op) => keys.has(op.key))) {
        rest.push(g);
        // Later groups must not overtake a waiting group on one of its keys.
        for (const op of g.ops) keys.add(op.key);
        continue;
      }
      batch.push(g);
      ops += g.ops.length;
      for (const op of g.ops) keys.add(op.key);
    }
    this.queue = rest;
    return batch;
  }

  private async send(batch: Group[]): Promise<void> {
    this.stats.batches++;
    this.stats.groups += batch.length;
    try {
      const revision = await this.commit(batch.flatMap((g) => g.ops));
      for (const g of batch) g.resolve(revision);
    } catch (err) {
      if (batch.length > 1 && nothingWritten(err)) {
        this.stats.split++;
        await Promise.all(batch.map((g) => this.commit(g.ops).then(g.resolve, g.reject)));
        return;
      }
      for (const g of batch) g.reject(err);
    }
  }
}

/** Refusals that prove the store wrote nothing of the batch. */
function nothingWritten(err: unknown): boolean {
  return isPlexusError(err, 'CONFLICT') || isPlexusError(err, 'NOT_FOUND') || isPlexusError(err, 'INVALID_ARGUMENT') || isPlexusError(err, 'RESOURCE_EXHAUSTED');
}
