// Leases as znodes, so they outlive the process (and session) that granted them:
// /plexus/v1/_store/leases/<id> holds {"ttl": seconds}; its mtime, set by the server, is the last
// renewal. Any client renews a lease by writing it (keepAlive). The elected reaper
// (zookeeper-reaper.ts) deletes a lease, with its keys, once the server's clock is a TTL past
// that mtime; revoke does the same at once.
//
// A leased put also creates (or touches) a reference node under the lease in the same multi,
// so the reaper finds the key. Deleting a lease is a multi that checks the lease's version
// (a renewal in between aborts it), removes each reference at the version it read (a leased
// put in between touched it and aborts it), deletes each key still attached to this lease at
// the version it read, logs each deletion with leaseExpired, and finally removes the lease
// (which fails while a reference added meanwhile remains). So a key is deleted exactly once,
// by whichever client's transaction wins, and never when it was re-attached or renewed.
// A renewal succeeds while the lease exists: one that beats the reaper by a moment after the
// deadline wins (the reaper's transaction then fails on the lease's version).
import { randomBytes } from 'node:crypto';
import { LeaseNotFoundError, PlexusError } from '../errors.js';
import type { LeaseGrant } from './store.js';
import {
  childPath,
  encodeDeleteEntry,
  isKeySegment,
  keyOfLeaseRef,
  leasePath,
  LEASES_DIR,
  LOG_ENTRY_PREFIX,
  long,
  splitKeyData,
} from './zookeeper-codec.js';
import { isZkCode, ZK, ZkCodeError, type Deadline, type ZkOp } from './zookeeper-ops.js';
import { deadline, type ZkContext } from './zookeeper-kv.js';

const EMPTY = Buffer.alloc(0);
/**
 * Limits of one multi when a lease holds many keys (the last one removes the lease): ZooKeeper
 * refuses a request over jute.maxbuffer (1 MiB), and deleted values ride along in log entries.
 */
const OPS_PER_MULTI = 120;
const BYTES_PER_MULTI = 512 * 1024;
const MAX_ROUNDS = 20;

export interface LeaseRecord {
  ttlSeconds: number;
  /** Server time of the last renewal (ms). */
  renewedAtMs: number;
  version: number;
}

function encodeLease(ttlSeconds: number): Buffer {
  return Buffer.from(JSON.stringify({ ttl: ttlSeconds }));
}

function decodeLeaseTtl(data: Buffer): number | undefined {
  try {
    const ttl = (JSON.parse(data.toString('utf8')) as { ttl?: unknown }).ttl;
    return typeof ttl === 'number' && ttl > 0 ? ttl : undefined;
  } catch {
    return undefined;
  }
}

export async function readLease(ctx: ZkContext, d: Deadline, id: string): Promise<LeaseRecord | undefined> {
  const { node } = await ctx.conn.getData(d, leasePath(id));
  if (!node) return undefined;
  // A lease whose data is unreadable gets the longest TTL rather than vanishing early.
  const ttlSeconds = decodeLeaseTtl(node.data) ?? 3600;
  return { ttlSeconds, renewedAtMs: long(node.stat.mtime), version: node.stat.version };
}

/** Lease TTLs remembered per client (least recently used dropped first). */
const TTL_CACHE_SIZE = 10_000;

export class ZkLeases {
  /** TTLs of leases this client has used, so a renewal is one write. TTLs never change. */
  private readonly ttls = new Map<string, number>();

  constructor(private readonly ctx: ZkContext) {}

  async grant(ttlSeconds: number): Promise<LeaseGrant> {
    const d = deadline(this.ctx);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const id = randomBytes(8).toString('hex');
      try {
        const { zxid } = await this.ctx.conn.create(d, leasePath(id), encodeLease(ttlSeconds));
        this.remember(id, ttlSeconds);
        return { id, ttlSeconds, revision: zxid };
      } catch (err) {
        if (isZkCode(err, ZK.NO_NODE)) await this.ctx.conn.ensurePath(d, LEASES_DIR);
        else if (!isZkCode(err, ZK.NODE_EXISTS)) throw err;
      }
    }
    throw new PlexusError('INTERNAL', 'could not find a free lease id');
  }

  async keepAlive(id: string): Promise<void> {
    const d = deadline(this.ctx);
    let ttl = this.ttls.get(id);
    if (ttl === undefined) {
      const lease = await readLease(this.ctx, d, id);
      if (!lease) throw new LeaseNotFoundError(id);
      ttl = lease.ttlSeconds;
    }
    this.remember(id, ttl);
    try {
      await this.ctx.conn.setData(d, leasePath(id), encodeLease(ttl), -1);
    } catch (err) {
      if (isZkCode(err, ZK.NO_NODE)) {
        this.ttls.delete(id);
        throw new LeaseNotFoundError(id);
      }
      throw err;
    }
  }

  private remember(id: string, ttl: number): void {
    this.ttls.delete(id);
    this.ttls.set(id, ttl);
    if (this.ttls.size > TTL_CACHE_SIZE) this.ttls.delete(this.ttls.keys().next().value!);
  }

  async revoke(id: string): Promise<void> {
    this.ttls.delete(id);
    await deleteLease(this.ctx, deadline(this.ctx), id, undefined);
  }
}

/**
 * Deletes a lease and the keys attached to it. With `ifVersion` (expiry), only while the lease
 * still has that version, i.e. was not renewed since the reaper judged it expired.
 * Returns false when the lease was renewed meanwhile, true when it is gone.
 */
export async function deleteLease(ctx: ZkContext, d: Deadline, id: string, ifVersion: number | undefined): Promise<boolean> {
  const path = leasePath(id);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const lease = await ctx.conn.getData(d, path);
    if (!lease.node) return true;
    const version = lease.node.stat.version;
    if (ifVersion !== undefined && version !== ifVersion) return false;
    const refs = await ctx.conn.getChildren(d, path);
    if (!refs.node) return true;
    const groups = await Promise.all(refs.node.children.map((name) => planRef(ctx, d, id, path, name)));
    const check: ZkOp = { op: 'check', path, version };
    const batches: ZkOp[][] = [[check]];
    let bytes = 0;
    for (const group of groups) {
      const last = batches[batches.length - 1]!;
      const size = group.reduce((n, o) => n + o.path.length + ('data' in o ? o.data.length : 0), 0);
      if (last.length > 1 && (last.length + group.length > OPS_PER_MULTI || bytes + size > BYTES_PER_MULTI)) {
        batches.push([check, ...group]);
        bytes = size;
      } else {
        last.push(...group);
        bytes += size;
      }
    }
    batches[batches.length - 1]!.push({ op: 'remove', path, version });
    try {
      for (const batch of batches) await ctx.conn.multi(d, `delete lease ${id}`, batch);
      return true;
    } catch (err) {
      // Renewed, re-attached, or changed meanwhile: look again.
      if (!(err instanceof ZkCodeError)) throw err;
    }
  }
  throw new PlexusError('INTERNAL', `could not delete lease ${id}: it kept changing`);
}

/** The operations that detach one referenced key: remove the reference, delete the key if still ours. */
async function planRef(ctx: ZkContext, d: Deadline, id: string, leaseNode: string, name: string): Promise<ZkOp[]> {
  const refPath = childPath(leaseNode, name);
  const ref = await ctx.conn.exists(d, refPath);
  if (!ref.stat) return [];
  const ops: ZkOp[] = [{ op: 'remove', path: refPath, version: ref.stat.version }];
  let key: string | undefined;
  try {
    key = keyOfLeaseRef(name);
  } catch {
    key = undefined;
  }
  if (key === undefined || !key.startsWith('/') || !key.slice(1).split('/').every(isKeySegment)) return ops;
  const { node } = await ctx.conn.getData(d, key);
  const raw = node && splitKeyData(node.data);
  if (!node || !raw || raw.meta.l !== id) return ops;
  ops.push(
    node.stat.numChildren > 0 ? { op: 'setData', path: key, data: EMPTY, version: node.stat.version } : { op: 'remove', path: key, version: node.stat.version },
    { op: 'create', path: LOG_ENTRY_PREFIX, data: encodeDeleteEntry(key, raw.json, true), mode: ZK.PERSISTENT_SEQUENTIAL },
  );
  return ops;
}
