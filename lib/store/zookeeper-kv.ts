// Reads and writes of keys on ZooKeeper. Every change is one multi transaction that also
// appends its change-log entry, so a key's mzxid and its log entry's czxid are the same zxid
// (the change's revision) and a watcher never sees one without the other.
//
// Writes read the znode first: CAS compares the caller's revision with the mzxid of that read
// and the write carries the znode version from the same read, so anything written in between
// fails the transaction (BAD_VERSION) instead of being overwritten. Unconditional writes then
// read again and retry; compare-and-set ones report ConflictError.
import type { Stat } from 'node-zookeeper-client';
import type { Logger } from 'pino';
import { ConflictError, LeaseNotFoundError, PlexusError, UnavailableError } from '../errors.js';
import type { CheckedOp } from './store-args.js';
import type { KeyValue, ListResult } from './store.js';
import {
  childPath,
  createRevisionOf,
  encodeDeleteEntry,
  encodeKeyData,
  encodePutEntry,
  encodeTrimmedUpTo,
  isKeySegment,
  isReserved,
  leaseRefPath,
  LOG_DIR,
  LOG_ENTRY_PREFIX,
  long,
  parentOf,
  RESERVED_ROOT,
  splitKeyData,
  splitPrefix,
  type RawKey,
} from './zookeeper-codec.js';
import type { ZkConnection } from './zookeeper-connection.js';
import { Deadline, isZkCode, ZK, ZkCodeError, type ZkOp } from './zookeeper-ops.js';

export interface ZkContext {
  conn: ZkConnection;
  opTimeoutMs: number;
  logger?: Logger | undefined;
}

const EMPTY = Buffer.alloc(0);
/** Unconditional writes that keep losing races give up after this many rounds. */
const MAX_ROUNDS = 25;
/** Reads in flight at once while walking a subtree. */
const LIST_PARALLEL = 128;
/** What a write gets when the znode changed between our read and our write. */
const RACED = new Set<number>([ZK.NO_NODE, ZK.NODE_EXISTS, ZK.BAD_VERSION]);

export function deadline(ctx: ZkContext): Deadline {
  return new Deadline(ctx.opTimeoutMs);
}

function toKeyValue(key: string, raw: RawKey, stat: Stat): KeyValue {
  let value: unknown;
  try {
    value = JSON.parse(raw.json);
  } catch (err) {
    throw new PlexusError('INTERNAL', `the value stored at ${key} is not JSON`, { cause: err });
  }
  const mzxid = long(stat.mzxid);
  const kv: KeyValue = { key, value, revision: mzxid, createRevision: createRevisionOf(raw.meta, long(stat.czxid), mzxid) };
  if (raw.meta.l !== undefined) kv.lease = raw.meta.l;
  return kv;
}

export async function getKey(ctx: ZkContext, key: string): Promise<KeyValue | undefined> {
  const r = await ctx.conn.getData(deadline(ctx), key);
  const raw = r.node && splitKeyData(r.node.data);
  return r.node && raw ? toKeyValue(key, raw, r.node.stat) : undefined;
}

/**
 * Walks the subtree(s) under the prefix. The revision is the zxid the server had applied when
 * it answered the first read: every item reflects at least that revision, so a watch from
 * revision + 1 misses nothing (a change it repeats carries the revision the listing showed).
 */
export async function listPrefix(ctx: ZkContext, prefix: string): Promise<ListResult> {
  const { base, namePrefix } = splitPrefix(prefix);
  const first = await ctx.conn.getChildren(deadline(ctx), base);
  const revision = first.zxid;
  if (!first.node || isReserved(base)) return { items: [], revision };
  const items: KeyValue[] = [];
  let frontier = first.node.children
    .filter((n) => isKeySegment(n) && n.startsWith(namePrefix) && !(base === '/' && `/${n}` === RESERVED_ROOT))
    .map((n) => childPath(base, n));
  while (frontier.length > 0) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += LIST_PARALLEL) {
      await Promise.all(frontier.slice(i, i + LIST_PARALLEL).map((path) => visit(ctx, path, items, next)));
    }
    frontier = next;
  }
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { items, revision };
}

async function visit(ctx: ZkContext, path: string, items: KeyValue[], next: string[]): Promise<void> {
  // Each read has its own deadline: a large listing may take longer than one call's budget.
  const r = await ctx.conn.getData(deadline(ctx), path);
  if (!r.node) return;
  const raw = splitKeyData(r.node.data);
  if (raw) {
    try {
      items.push(toKeyValue(path, raw, r.node.stat));
    } catch (err) {
      ctx.logger?.warn({ key: path, err }, 'skipping a znode whose data is not a Plexus value');
    }
  }
  if (r.node.stat.numChildren > 0) {
    const c = await ctx.conn.getChildren(deadline(ctx), path);
    for (const n of c.node?.children ?? []) if (isKeySegment(n)) next.push(childPath(path, n));
  }
}

export interface PutArgs {
  expectedRevision?: number | undefined;
  lease?: string | undefined;
}

type ZNode = { data: Buffer; stat: Stat };

/**
 * One key's share of a multi transaction: its ops are planned from a fresh read of the key in
 * every round, and a failure the multi reports at one of them either corrects the plan's
 * guesses for the next round or ends the whole write (ConflictError, LeaseNotFoundError).
 */
interface KeyPlan {
  readonly key: string;
  /** The ops for the key as it is now (throws ConflictError on a revision mismatch); [] writes nothing. */
  plan(node: ZNode | undefined): ZkOp[];
  /** The multi failed at this plan's op `index` (relative to its own ops): fix up to retry, or throw. */
  failed(err: ZkCodeError, index: number, ctx: ZkContext, d: Deadline): Promise<void>;
}

class PutPlan implements KeyPlan {
  /**
   * Whether the lease's reference to this key exists already (then it is touched, not
   * created); guessed from the key's current lease, corrected when a transaction says otherwise.
   */
  private refExists: boolean | undefined;
  /** Whether to drop the reference from the key's previous lease (it may already be gone). */
  private dropOldRef = true;
  private oldRefIndex = -1;
  private keyIndex = -1;
  private existed = false;

  constructor(
    readonly key: string,
    private readonly json: string,
    private readonly args: PutArgs,
  ) {}

  plan(node: ZNode | undefined): ZkOp[] {
    const { key, json } = this;
    const { expectedRevision: exp, lease } = this.args;
    const raw = node && splitKeyData(node.data);
    const mzxid = node ? long(node.stat.mzxid) : 0;
    if (exp !== undefined && (raw ? mzxid : 0) !== exp) throw new ConflictError(key, exp, raw ? mzxid : 0);
    // The create revision survives updates: a fresh znode's czxid, or (for a key made on a
    // znode that already existed as a parent) the revision recorded in the key's meta.
    let metaC: number | undefined;
    let entryC: number | undefined;
    if (node && !raw) metaC = 0;
    else if (node && raw) {
      entryC = createRevisionOf(raw.meta, long(node.stat.czxid), mzxid);
      if (raw.meta.c !== undefined) metaC = entryC;
    }
    const oldLease = raw?.meta.l;
    this.refExists ??= oldLease !== undefined && oldLease === lease;
    const ops: ZkOp[] = [];
    if (lease !== undefined) {
      ops.push(this.refExists ? { op: 'setData', path: leaseRefPath(lease, key), data: EMPTY, version: -1 } : { op: 'create', path: leaseRefPath(lease, key), data: EMPTY });
    }
    this.oldRefIndex = oldLease !== undefined && oldLease !== lease && this.dropOldRef ? ops.push({ op: 'remove', path: leaseRefPath(oldLease, key), version: -1 }) - 1 : -1;
    const data = encodeKeyData(json, { l: lease, c: metaC });
    this.keyIndex = ops.push(node ? { op: 'setData', path: key, data, version: node.stat.version } : { op: 'create', path: key, data }) - 1;
    ops.push({ op: 'create', path: LOG_ENTRY_PREFIX, data: encodePutEntry(key, json, entryC, lease), mode: ZK.PERSISTENT_SEQUENTIAL });
    this.existed = node !== undefined;
    return ops;
  }

  async failed(err: ZkCodeError, index: number, ctx: ZkContext, d: Deadline): Promise<void> {
    const { expectedRevision: exp, lease } = this.args;
    if (lease !== undefined && index === 0) {
      if (err.code === ZK.NODE_EXISTS) this.refExists = true;
      else if (err.code === ZK.NO_NODE && this.refExists) this.refExists = false;
      else if (err.code === ZK.NO_NODE) throw new LeaseNotFoundError(lease);
      else throw unexpected(err);
    } else if (index === this.oldRefIndex && err.code === ZK.NO_NODE) {
      this.dropOldRef = false;
    } else if (index === this.keyIndex && RACED.has(err.code)) {
      if (!this.existed && err.code === ZK.NO_NODE) await ctx.conn.ensurePath(d, parentOf(this.key));
      else if (exp !== undefined) throw new ConflictError(this.key, exp);
      // Otherwise another writer got there between our read and write: read again.
    } else if (index === this.keyIndex + 1 && err.code === ZK.NO_NODE) {
      await ctx.conn.ensurePath(d, LOG_DIR, encodeTrimmedUpTo(0));
    } else throw unexpected(err);
  }
}

class DeletePlan implements KeyPlan {
  private dropRef = true;
  private refIndex = -1;
  /** Whether the last plan deletes a key (false: there was none). */
  deletes = false;

  constructor(
    readonly key: string,
    private readonly exp: number | undefined,
  ) {}

  plan(node: ZNode | undefined): ZkOp[] {
    const { key, exp } = this;
    const raw = node && splitKeyData(node.data);
    this.deletes = node !== undefined && raw !== undefined;
    if (!node || !raw) {
      if (exp !== undefined) throw new ConflictError(key, exp, 0);
      return [];
    }
    const mzxid = long(node.stat.mzxid);
    if (exp !== undefined && mzxid !== exp) throw new ConflictError(key, exp, mzxid);
    const ops: ZkOp[] = [
      // A key with keys below it stays as their parent, with empty data (no longer a key).
      node.stat.numChildren > 0 ? { op: 'setData', path: key, data: EMPTY, version: node.stat.version } : { op: 'remove', path: key, version: node.stat.version },
      { op: 'create', path: LOG_ENTRY_PREFIX, data: encodeDeleteEntry(key, raw.json, false), mode: ZK.PERSISTENT_SEQUENTIAL },
    ];
    this.refIndex = raw.meta.l !== undefined && this.dropRef ? ops.push({ op: 'remove', path: leaseRefPath(raw.meta.l, key), version: -1 }) - 1 : -1;
    return ops;
  }

  async failed(err: ZkCodeError, index: number, ctx: ZkContext, d: Deadline): Promise<void> {
    if (index === 0 && (RACED.has(err.code) || err.code === ZK.NOT_EMPTY)) {
      // NOT_EMPTY: a key appeared below it, so it must stay as a parent; the key itself is unchanged.
      if (this.exp !== undefined && err.code !== ZK.NOT_EMPTY) throw new ConflictError(this.key, this.exp);
    } else if (index === 1 && err.code === ZK.NO_NODE) {
      await ctx.conn.ensurePath(d, LOG_DIR, encodeTrimmedUpTo(0));
    } else if (index === this.refIndex && err.code === ZK.NO_NODE) {
      this.dropRef = false;
    } else throw unexpected(err);
  }
}

/**
 * Reads every key, plans each one's ops, and commits them all in one multi; repeated while a
 * plan can fix what the multi refused. Returns the zxid, or undefined when nothing was to be
 * written (only deletes of missing keys).
 */
async function commitPlans(ctx: ZkContext, what: string, plans: KeyPlan[]): Promise<number | undefined> {
  const d = deadline(ctx);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const reads = await Promise.all(plans.map((p) => ctx.conn.getData(d, p.key)));
    const ops: ZkOp[] = [];
    const starts = plans.map((p, i) => {
      const start = ops.length;
      ops.push(...p.plan(reads[i]!.node));
      return start;
    });
    if (ops.length === 0) return undefined;
    try {
      return (await ctx.conn.multi(d, what, ops)).zxid;
    } catch (err) {
      if (!(err instanceof ZkCodeError) || err.index < 0) throw err;
      let i = plans.length - 1;
      while (i > 0 && starts[i]! > err.index) i--;
      await plans[i]!.failed(err, err.index - starts[i]!, ctx, d);
    }
  }
  throw new UnavailableError(`${what}: gave up after ${MAX_ROUNDS} rounds of concurrent writes`);
}

export async function putKey(ctx: ZkContext, key: string, json: string, args: PutArgs): Promise<number> {
  return (await commitPlans(ctx, `put ${key}`, [new PutPlan(key, json, args)]))!;
}

export async function deleteKey(ctx: ZkContext, key: string, exp: number | undefined): Promise<boolean> {
  const plan = new DeletePlan(key, exp);
  await commitPlans(ctx, `delete ${key}`, [plan]);
  return plan.deletes;
}

/** Store.commit: every op in one multi (undefined: nothing was to be written). */
export async function commitKeys(ctx: ZkContext, ops: CheckedOp[]): Promise<number | undefined> {
  const plans = ops.map((op) => (op.type === 'put' ? new PutPlan(op.key, op.text, op) : new DeletePlan(op.key, op.expectedRevision)));
  return commitPlans(ctx, `commit of ${ops.length} writes`, plans);
}

/** The current revision: the zxid of a write to the clock node, which every server agrees on. */
export async function writeClock(ctx: ZkContext, d: Deadline, clockPath: string): Promise<{ zxid: number; serverTimeMs: number }> {
  for (;;) {
    try {
      const { stat } = await ctx.conn.setData(d, clockPath, EMPTY, -1);
      return { zxid: long(stat.mzxid), serverTimeMs: long(stat.mtime) };
    } catch (err) {
      if (!isZkCode(err, ZK.NO_NODE)) throw err;
      await ctx.conn.ensurePath(d, clockPath);
    }
  }
}

function unexpected(err: ZkCodeError): PlexusError {
  return new PlexusError('INTERNAL', err.message, { cause: err });
}
