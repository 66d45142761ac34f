// The ZooKeeper Store backend, over node-zookeeper-client.
//
// Layout and revisions
//  - A key is the znode at the same path (parents made as needed, persistent, empty data).
//    Its data is the value's JSON, optionally followed by "\n" and a meta object (lease id;
//    create revision when the key was made on an existing parent). Empty data = not a key.
//  - Revisions are zxids (epoch << 32 | counter, exact in a double): a key's revision is its
//    mzxid, its createRevision its czxid. A listing's revision is the zxid the server had
//    applied when it answered the listing's first read, so every item reflects at least it.
//    currentRevision() writes a clock node and returns that write's zxid.
//
// History: a change log, because ZooKeeper keeps none
//  - Every change is one multi transaction that also appends an entry to
//    /plexus/v1/_store/log (a sequential znode: key, put/delete, the value when it is at most
//    64 KiB, prevValue, lease, leaseExpired). The entry's czxid is the change's revision.
//    A larger value is read from the key when delivered; if it has been overwritten by then,
//    that watch gets onResync rather than skip the version.
//  - watch(prefix, R) replays the retained entries with czxid >= R and then follows the log
//    (zookeeper-watch.ts). So a watch sees every change once, in revision order, with exact
//    revisions for deletes too, and a watch from list.revision + 1 never needs to resync.
//    This is what a tree of child/data watches cannot give: one-shot watches coalesce
//    changes and a znode's deletion carries no zxid.
//  - The elected reaper keeps the newest `logMaxEntries` entries (default 1000) and records
//    `trimmedUpTo`. A watch from a trimmed revision, or a reader that fell behind a trim, gets
//    onResync; compact() trims everything (the analogue of etcd compaction).
//  - Session expiry gives every watch of that client onResync (the DESIGN's signal for
//    ZooKeeper); a reconnect within the session just reads the log on.
//  - Only writes through this backend are logged: other writers to these znodes go unseen.
//
// Compare-and-set: writes read the znode and write with its version from that read, so a
// change in between fails the transaction; expectedRevision is compared with that read's mzxid
// (0 = must not exist). A conflicting or failed write changes nothing.
//
// Leases (zookeeper-leases.ts, zookeeper-reaper.ts) are znodes, not sessions: any client renews
// one by writing it, and one elected client expires them by the server's clock, deleting
// their keys with leaseExpired entries in the log. So a lease outlives the client that granted it.
//
// Availability: each operation has a deadline (opTimeoutMs, default 2000) and fails with
// UnavailableError when ZooKeeper does not answer in time; a write that times out may still
// have been applied (as with any remote store), even a little later, but every write is
// conditional on the versions it read, so a late one never overwrites newer data. The client
// reconnects by itself, detects a frozen server (zookeeper-connection.ts), and replaces an
// expired session. close() ends the session and every timer.
//
// Modules: codec (layout, encodings), ops/connection/client-internals (the session), kv (get,
// list, put, delete), leases, reaper (election, expiry, log trimming), watch (the log reader).
import type { Logger } from 'pino';
import { UnavailableError, ValidationError } from '../errors.js';
import { encodeValue } from './keys.js';
import { checkDeleteOptions, checkKey, checkPrefix, checkPutOptions, checkRevision, checkTtl, checkWriteOps } from './store-args.js';
import type { DeleteOptions, KeyValue, LeaseGrant, ListResult, PutOptions, Store, Watch, WatchHandler, WriteOp } from './store.js';
import { CLOCK_NODE, encodeTrimmedUpTo, isLeaseId, isReserved, LEASES_DIR, LOG_DIR, REAPER_DIR } from './zookeeper-codec.js';
import { ZkConnection } from './zookeeper-connection.js';
import { commitKeys, deadline, deleteKey, getKey, listPrefix, putKey, writeClock, type ZkContext } from './zookeeper-kv.js';
import { ZkLeases } from './zookeeper-leases.js';
import { trimLog, ZkReaper } from './zookeeper-reaper.js';
import { LogTail } from './zookeeper-watch.js';

export interface ZooKeeperStoreConfig {
  backend?: 'zookeeper';
  /** node-zookeeper-client connection string: `host:port[,host:port...][/chroot]`. */
  connectString: string;
  /** Requested session timeout; the server bounds it to 2–20 ticks. Default 10 000 ms. */
  sessionTimeoutMs?: number;
}

/** Tuning that is not part of the service configuration (tests, tools). */
export interface ZooKeeperStoreOptions {
  /** Deadline of each operation. Default 2000 ms. */
  opTimeoutMs?: number;
  /** How long connect() waits for a first session. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Change-log entries the reaper keeps (the watch history). Default 1000. */
  logMaxEntries?: number;
}

const DEFAULTS = { sessionTimeoutMs: 10_000, opTimeoutMs: 2000, connectTimeoutMs: 5000, logMaxEntries: 1000 };

export class ZooKeeperStore implements Store {
  readonly backend = 'zookeeper';
  private readonly ctx: ZkContext;
  private readonly leases: ZkLeases;
  private readonly reaper: ZkReaper;
  private readonly tail: LogTail;
  private closed = false;

  /** Connects (UnavailableError if no session within connectTimeoutMs) and joins the reaper election. */
  static async connect(config: ZooKeeperStoreConfig, logger?: Logger, options: ZooKeeperStoreOptions = {}): Promise<ZooKeeperStore> {
    if (typeof config.connectString !== 'string' || config.connectString.trim() === '') {
      throw new ValidationError([{ path: 'connectString', message: 'must not be empty' }]);
    }
    const conn = await ZkConnection.open({
      connectString: config.connectString,
      sessionTimeoutMs: config.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      logger,
    });
    const store = new ZooKeeperStore({ conn, opTimeoutMs: options.opTimeoutMs ?? DEFAULTS.opTimeoutMs, logger }, options.logMaxEntries ?? DEFAULTS.logMaxEntries);
    try {
      const d = deadline(store.ctx);
      await conn.ensurePath(d, LOG_DIR, encodeTrimmedUpTo(0));
      await conn.ensurePath(d, LEASES_DIR);
      await conn.ensurePath(d, REAPER_DIR);
    } catch (err) {
      await store.close();
      throw err;
    }
    store.reaper.start();
    return store;
  }

  private constructor(ctx: ZkContext, logMaxEntries: number) {
    this.ctx = ctx;
    this.leases = new ZkLeases(ctx);
    this.reaper = new ZkReaper(ctx, logMaxEntries);
    this.tail = new LogTail(ctx);
  }

  async get<T = unknown>(key: string): Promise<KeyValue<T> | undefined> {
    checkKey(key);
    this.ensureOpen();
    if (isReserved(key)) return undefined;
    return (await getKey(this.ctx, key)) as KeyValue<T> | undefined;
  }

  async list<T = unknown>(prefix: string): Promise<ListResult<T>> {
    checkPrefix(prefix);
    this.ensureOpen();
    return (await listPrefix(this.ctx, prefix)) as ListResult<T>;
  }

  async put(key: string, value: unknown, options: PutOptions = {}): Promise<number> {
    checkKey(key);
    checkPutOptions(options);
    if (options.lease !== undefined) checkLeaseId('lease', options.lease);
    checkNotReserved(key);
    const json = encodeValue(value);
    this.ensureOpen();
    return putKey(this.ctx, key, json, options);
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    checkKey(key);
    checkDeleteOptions(options);
    checkNotReserved(key);
    this.ensureOpen();
    return deleteKey(this.ctx, key, options.expectedRevision);
  }

  async commit(ops: WriteOp[]): Promise<number> {
    const checked = checkWriteOps(ops);
    for (const op of checked) {
      checkNotReserved(op.key);
      if (op.type === 'put' && op.lease !== undefined) checkLeaseId('lease', op.lease);
    }
    this.ensureOpen();
    return (await commitKeys(this.ctx, checked)) ?? this.currentRevision();
  }

  async watch<T = unknown>(prefix: string, fromRevision: number, handler: WatchHandler<T>): Promise<Watch> {
    checkPrefix(prefix);
    checkRevision('fromRevision', fromRevision, 1);
    this.ensureOpen();
    return this.tail.watch(prefix, fromRevision, handler as WatchHandler<unknown>);
  }

  async grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    checkTtl(ttlSeconds);
    this.ensureOpen();
    return this.leases.grant(ttlSeconds);
  }

  async keepAlive(leaseId: string): Promise<void> {
    checkLeaseId('leaseId', leaseId);
    this.ensureOpen();
    await this.leases.keepAlive(leaseId);
  }

  async revokeLease(leaseId: string): Promise<void> {
    checkLeaseId('leaseId', leaseId);
    this.ensureOpen();
    await this.leases.revoke(leaseId);
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    return (await writeClock(this.ctx, deadline(this.ctx), CLOCK_NODE)).zxid;
  }

  /**
   * Discards the whole change log: watches from revisions it covered get onResync, and so do
   * readers that had not read it all (the analogue of etcd compaction). An operator tool and a
   * test hook, not part of Store.
   */
  async compact(): Promise<void> {
    this.ensureOpen();
    // The reaper may be trimming at the same moment; its transaction or ours wins, then go on.
    for (let round = 1; !(await trimLog(this.ctx, 0)); round++) {
      if (round === 10) throw new UnavailableError('could not compact the change log: it kept changing');
    }
  }

  /** Whether this client is the elected lease reaper now (status pages, tests). */
  get isReaper(): boolean {
    return this.reaper.isLeader;
  }

  /** Fault injection for tests and drills: drop the TCP connection (the session survives). */
  dropConnection(): void {
    this.ctx.conn.dropConnection();
  }

  /** Fault injection for tests and drills: make this client's session expire. */
  async expireSession(): Promise<void> {
    this.ensureOpen();
    await this.ctx.conn.expireSession();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tail.close();
    this.reaper.close();
    await this.ctx.conn.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw new UnavailableError('the ZooKeeper store client is closed');
  }
}

function checkLeaseId(field: string, id: string): void {
  if (typeof id !== 'string' || !isLeaseId(id)) {
    throw new ValidationError([{ path: field, message: `not a ZooKeeper store lease id (16 hex digits): ${JSON.stringify(String(id).slice(0, 40))}` }]);
  }
}

function checkNotReserved(key: string): void {
  if (isReserved(key)) throw new ValidationError([{ path: 'key', message: `keys under /zookeeper are reserved by ZooKeeper: ${JSON.stringify(key.slice(0, 80))}` }]);
}
