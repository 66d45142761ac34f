// The reaper: one ZooKeeperStore client among all connected ones, elected with ephemeral
// sequential nodes (the lowest wins; when its session ends the next takes over), expires
// leases and trims the change log.
//
// Expiry uses the server's clock only: a lease's mtime is the server time of its last renewal,
// and "now" is the mtime of a write to the clock node. The reaper remembers each lease's last
// renewal and re-reads a lease only when that much TTL has passed, so a renewal costs the
// reaper nothing until then. After it becomes the reaper, or reconnects, it gives every lease a
// full TTL before expiring it (like etcd after a leader change): holders that could not reach
// ZooKeeper meanwhile get a chance to renew. Deletion itself is deleteLease(), which is safe
// to race (a second reaper's transaction fails), so "exactly once" does not rest on the election.
import type { Logger } from 'pino';
import { childPath, decodeTrimmedUpTo, encodeTrimmedUpTo, isLeaseId, LEASES_DIR, long, LOG_DIR, REAPER_DIR, CLOCK_NODE, sortBySequence } from './zookeeper-codec.js';
import { isZkCode, ZK, ZkCodeError, type Deadline, type ZkOp } from './zookeeper-ops.js';
import { deadline, writeClock, type ZkContext } from './zookeeper-kv.js';
import { deleteLease, readLease, type LeaseRecord } from './zookeeper-leases.js';

const EMPTY = Buffer.alloc(0);
/** Longest sleep between checks (elections and lease listings also wake it through watches). */
const IDLE_MS = 1000;
const MIN_SLEEP_MS = 20;
const RETRY_MS = 500;
const TRIM_EVERY_MS = 1000;
/** Log entries removed per transaction. */
const TRIM_BATCH = 200;
/** Lease reads in flight at once when loading the leases. */
const READ_PARALLEL = 128;

export class ZkReaper {
  /** Our election node's name, and the session it belongs to. */
  private me: string | undefined;
  private meGeneration = -1;
  private leading = false;
  /** Local time from which leases may expire (a full TTL after becoming the reaper or reconnecting). */
  private graceFrom = 0;
  private readonly leases = new Map<string, LeaseRecord>();
  private leasesDirty = true;
  /** Server clock minus local clock, from the last clock write. */
  private clockOffsetMs: number | undefined;
  private lastTrim = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly ctx: ZkContext,
    private readonly logMaxEntries: number,
  ) {
    ctx.conn.onConnected(() => {
      this.graceFrom = Date.now();
      // The lease listing's watch may have fired, or been lost, while disconnected: list again.
      this.leasesDirty = true;
      this.wake(0);
    });
    ctx.conn.onSessionExpired(() => {
      this.me = undefined;
      this.stepDown();
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.wake(0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private get logger(): Logger | undefined {
    return this.ctx.logger;
  }

  private readonly onElectionChanged = (): void => this.wake(0);
  private readonly onLeasesChanged = (): void => {
    this.leasesDirty = true;
    this.wake(0);
  };

  private wake(ms: number): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.running = true;
    let next = IDLE_MS;
    try {
      next = await this.step();
    } catch (err) {
      this.logger?.debug({ err }, 'reaper step failed; will retry');
      next = RETRY_MS;
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      next = 0;
    }
    this.wake(next);
  }

  /** One round: make sure we stand for election, see who leads, and if it is us, do the work. */
  private async step(): Promise<number> {
    const d = deadline(this.ctx);
    const conn = this.ctx.conn;
    const session = conn.sessionIdHex;
    if (this.me === undefined || this.meGeneration !== conn.generation) {
      const generation = conn.generation;
      this.me = await this.join(d, session);
      this.meGeneration = generation;
    }
    const listed = await conn.getChildren(d, REAPER_DIR, this.onElectionChanged);
    const candidates = sortBySequence(listed.node?.children ?? []);
    if (!candidates.includes(this.me)) {
      // Our node is gone (the session changed under us): stand again next round.
      this.me = undefined;
      this.stepDown();
      return 0;
    }
    if (candidates[0] !== this.me) {
      this.stepDown();
      return IDLE_MS;
    }
    if (!this.leading) {
      this.leading = true;
      this.graceFrom = Date.now();
      this.leasesDirty = true;
      this.clockOffsetMs = undefined;
      this.logger?.info('this client is now the ZooKeeper lease reaper');
    }
    if (this.clockOffsetMs === undefined) await this.readClock(d);
    if (this.leasesDirty) await this.loadLeases(d);
    const nextAt = await this.expireDue();
    if (Date.now() - this.lastTrim >= TRIM_EVERY_MS) {
      this.lastTrim = Date.now();
      await trimLog(this.ctx, this.logMaxEntries);
    }
    return Math.min(IDLE_MS, Math.max(MIN_SLEEP_MS, nextAt - Date.now()));
  }

  /**
   * Creates our election node, named after the session so that a node whose creation was
   * acknowledged too late for us (a lost reply) is still recognised as ours.
   */
  private async join(d: Deadline, session: string): Promise<string> {
    const listed = await this.ctx.conn.getChildren(d, REAPER_DIR);
    const mine = sortBySequence((listed.node?.children ?? []).filter((n) => n.startsWith(`r-${session}-`)));
    if (mine[0] !== undefined) return mine[0];
    try {
      const { path } = await this.ctx.conn.create(d, `${REAPER_DIR}/r-${session}-`, EMPTY, ZK.EPHEMERAL_SEQUENTIAL);
      return path.slice(REAPER_DIR.length + 1);
    } catch (err) {
      if (isZkCode(err, ZK.NO_NODE)) await this.ctx.conn.ensurePath(d, REAPER_DIR);
      throw err;
    }
  }

  private stepDown(): void {
    if (this.leading) this.logger?.info('this client is no longer the ZooKeeper lease reaper');
    this.leading = false;
    this.leases.clear();
  }

  private async readClock(d: Deadline): Promise<number> {
    const { serverTimeMs } = await writeClock(this.ctx, d, CLOCK_NODE);
    this.clockOffsetMs = serverTimeMs - Date.now();
    return serverTimeMs;
  }

  /**
   * Lists the leases and reads the ones not known yet. Cleared before listing (a change during
   * the load marks it again), and set again when the load fails: a lease granted just before
   * ZooKeeper went away (its watch fired, this load then failed) would otherwise stay unknown,
   * and unexpired, until some later change to the listing.
   */
  private async loadLeases(d: Deadline): Promise<void> {
    this.leasesDirty = false;
    try {
      const listed = await this.ctx.conn.getChildren(d, LEASES_DIR, this.onLeasesChanged);
      const ids = new Set((listed.node?.children ?? []).filter(isLeaseId));
      for (const id of this.leases.keys()) if (!ids.has(id)) this.leases.delete(id);
      const fresh = [...ids].filter((id) => !this.leases.has(id));
      for (let i = 0; i < fresh.length; i += READ_PARALLEL) {
        await Promise.all(
          fresh.slice(i, i + READ_PARALLEL).map(async (id) => {
            const lease = await readLease(this.ctx, deadline(this.ctx), id);
            if (lease) this.leases.set(id, lease);
          }),
        );
      }
    } catch (err) {
      this.leasesDirty = true;
      throw err;
    }
  }

  /** Expires the leases whose time has come; returns the local time of the next one. */
  private async expireDue(): Promise<number> {
    const now = Date.now();
    const due: string[] = [];
    for (const [id, lease] of this.leases) if (this.expiresAt(lease) <= now) due.push(id);
    if (due.length > 0) {
      const serverNow = await this.readClock(deadline(this.ctx));
      for (const id of due) {
        const d = deadline(this.ctx);
        const lease = await readLease(this.ctx, d, id);
        if (!lease) {
          this.leases.delete(id);
          continue;
        }
        this.leases.set(id, lease);
        if (serverNow - lease.renewedAtMs < lease.ttlSeconds * 1000) continue;
        if (await deleteLease(this.ctx, d, id, lease.version)) {
          this.leases.delete(id);
          this.logger?.info({ lease: id, ttlSeconds: lease.ttlSeconds }, 'lease expired; its keys were deleted');
        } else {
          const renewed = await readLease(this.ctx, d, id);
          if (renewed) this.leases.set(id, renewed);
          else this.leases.delete(id);
        }
      }
    }
    let next = Date.now() + IDLE_MS;
    for (const lease of this.leases.values()) next = Math.min(next, this.expiresAt(lease));
    return next;
  }

  /** Local time at which a lease is due, as far as we know its last renewal. */
  private expiresAt(lease: LeaseRecord): number {
    const ttlMs = lease.ttlSeconds * 1000;
    return Math.max(lease.renewedAtMs - (this.clockOffsetMs ?? 0) + ttlMs, this.graceFrom + ttlMs);
  }
}

/**
 * Removes the oldest log entries beyond `keep` (0: all), raising the log's trimmedUpTo to the
 * czxid of the newest removed entry in the same transaction (never lowering it: the log node's
 * version is checked). A reader that has read past that loses nothing and is not disturbed.
 * Returns false when another client trimmed at the same time (try again later).
 */
export async function trimLog(ctx: ZkContext, keep: number): Promise<boolean> {
  const d = deadline(ctx);
  const listed = await ctx.conn.getChildren(d, LOG_DIR);
  const names = sortBySequence(listed.node?.children ?? []);
  const victims = names.slice(0, Math.max(0, names.length - keep));
  for (let i = 0; i < victims.length; i += TRIM_BATCH) {
    const batch = victims.slice(i, i + TRIM_BATCH);
    const { stat } = await ctx.conn.exists(d, childPath(LOG_DIR, batch[batch.length - 1]!));
    if (!stat) return false; // someone else trimmed it
    const meta = await ctx.conn.getData(d, LOG_DIR);
    if (!meta.node) return false;
    const trimmedUpTo = Math.max(decodeTrimmedUpTo(meta.node.data), long(stat.czxid));
    const ops: ZkOp[] = batch.map((name) => ({ op: 'remove', path: childPath(LOG_DIR, name), version: -1 }));
    ops.push({ op: 'setData', path: LOG_DIR, data: encodeTrimmedUpTo(trimmedUpTo), version: meta.node.stat.version });
    try {
      await ctx.conn.multi(d, 'trim the change log', ops);
    } catch (err) {
      // Another client trimmed (or the log node changed) meanwhile.
      if (err instanceof ZkCodeError) return false;
      throw err;
    }
  }
  return true;
}
