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

export async function putKey(ctx: ZkContext, key: string, json: string, { expectedRevision: exp, lease }: PutArgs): Promise<number> {
  const d = deadline(ctx);
  // Whether the lease's reference to this key exists already (then it is touched, not created);
  // guessed from the key's current lease, corrected when a transaction says otherwise.
  let refExists: boolean | undefined;
  // Whether to drop the reference from the key's previous lease (it may already be gone).
  let dropOldRef = true;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const { node } = await ctx.conn.getData(d, key);
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
    refExists ??= oldLease !== undefined && oldLease === lease;
    const ops: ZkOp[] = [];
    if (lease !== undefined) {
      ops.push(refExists ? { op: 'setData', path: leaseRefPath(lease, key), data: EMPTY, version: -1 } : { op: 'create', path: leaseRefPath(lease, key), data: EMPTY });
    }
    const oldRefIndex = oldLease !== undefined && oldLease !== lease && dropOldRef ? ops.push({ op: 'remove', path: leaseRefPath(oldLease, key), version: -1 }) - 1 : -1;
    const data = encodeKeyData(json, { l: lease, c: metaC });
    const keyIndex = ops.push(node ? { op: 'setData', path: key, data, version: node.stat.version } : { op: 'create', path: key, data }) - 1;
    ops.push({ op: 'create', path: LOG_ENTRY_PREFIX, data: encodePutEntry(key, json, entryC, lease), mode: ZK.PERSISTENT_SEQUENTIAL });
    try {
      return (await ctx.conn.multi(d, `put ${key}`, ops)).zxid;
    } catch (err) {
      if (!(err instanceof ZkCodeError)) throw err;
      if (lease !== undefined && err.index === 0) {
        if (err.code === ZK.NODE_EXISTS) refExists = true;
        else if (err.code === ZK.NO_NODE && refExists) refExists = false;
        else if (err.code === ZK.NO_NODE) throw new LeaseNotFoundError(lease);
        else throw unexpected(err);
      } else if (err.index === oldRefIndex && err.code === ZK.NO_NODE) {
        dropOldRef = false;
      } else if (err.index === keyIndex && RACED.has(err.code)) {
        if (!node && err.code === ZK.NO_NODE) await ctx.conn.ensurePath(d, parentOf(key));
        else if (exp !== undefined) throw new ConflictError(key, exp);
        // Otherwise another writer got there between our read and write: read again.
      } else if (err.index === keyIndex + 1 && err.code === ZK.NO_NODE) {
        await ctx.conn.ensurePath(d, LOG_DIR, encodeTrimmedUpTo(0));
      } else throw unexpected(err);
    }
  }
  throw new UnavailableError(`put ${key}: gave up after ${MAX_ROUNDS} rounds of concurrent writes`);
}

export async function deleteKey(ctx: ZkContext, key: string, exp: number | undefined): Promise<boolean> {
  const d = deadline(ctx);
  let dropRef = true;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const { node } = await ctx.conn.getData(d, key);
    const raw = node && splitKeyData(node.data);
    if (!node || !raw) {
      if (exp !== undefined) throw new ConflictError(key, exp, 0);
      return false;
    }
    const mzxid = long(node.stat.mzxid);
    if (exp !== undefined && mzxid !== exp) throw new ConflictError(key, exp, mzxid);
    const ops: ZkOp[] = [
      // A key with keys below it stays as their parent, with empty data (no longer a key).
      node.stat.numChildren > 0 ? { op: 'setData', path: key, data: EMPTY, version: node.stat.version } : { op: 'remove', path: key, version: node.stat.version },
      { op: 'create', path: LOG_ENTRY_PREFIX, data: encodeDeleteEntry(key, raw.json, false), mode: ZK.PERSISTENT_SEQUENTIAL },
    ];
    const refIndex = raw.meta.l !== undefined && dropRef ? ops.push({ op: 'remove', path: leaseRefPath(raw.meta.l, key), version: -1 }) - 1 : -1;
    try {
      await ctx.conn.multi(d, `delete ${key}`, ops);
      return true;
    } catch (err) {
      if (!(err instanceof ZkCodeError)) throw err;
      if (err.index === 0 && (RACED.has(err.code) || err.code === ZK.NOT_EMPTY)) {
        // NOT_EMPTY: a key appeared below it, so it must stay as a parent; the key itself is unchanged.
        if (exp !== undefined && err.code !== ZK.NOT_EMPTY) throw new ConflictError(key, exp);
      } else if (err.index === 1 && err.code === ZK.NO_NODE) {
        await ctx.conn.ensurePath(d, LOG_DIR, encodeTrimmedUpTo(0));
      } else if (err.index === refIndex && err.code === ZK.NO_NODE) {
        dropRef = false;
      } else throw unexpected(err);
    }
  }
  throw new UnavailableError(`delete ${key}: gave up after ${MAX_ROUNDS} rounds of concurrent writes`);
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
