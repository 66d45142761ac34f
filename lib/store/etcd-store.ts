// The etcd Store backend, over the raw etcd3 RPC clients.
//  - Revisions are etcd's; CAS is a transaction comparing the key's mod revision (create
//    revision 0 for "must not exist"), whose failure branch reads the actual revision.
//  - Leases are etcd lease ids (decimal strings). keepAlive/grant/revoke use the raw Lease
//    RPCs, so any client can keep any lease alive; etcd3's process-bound lease helper is not used.
//  - Every call carries a gRPC deadline of `dialTimeoutMs` (default 2000) and a timer backstop;
//    etcd3's retry and circuit-breaker policies are replaced by a pass-through, because a
//    breaker that stays open for seconds after etcd returns would delay recovery. Reads that
//    fail fast on a broken connection are retried once on a fresh one within the same budget.
//  - Several endpoints (a cluster): one client per member, with per-member health that
//    recovers within a probe interval (etcd-members.ts). Within one call's deadline, a call
//    that cannot reach a member moves on to the next when that is safe: reads, revokes and
//    keep-alives always (a member that is up gets half the remaining time when another is
//    left to try, so a frozen member cannot eat the whole budget), writes only when the
//    failure proves the request never left this process (no connection / refused) — a write
//    that may have reached a member is never sent twice. Watches move too (etcd-watch.ts).
import { CompareResult, CompareTarget, EtcdLeaseInvalidError } from 'etcd3';
import type { Etcd3, ICompare, IKeyValue, IRangeResponse } from 'etcd3';
import type { CallOptions } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ConflictError, LeaseNotFoundError, PlexusError, UnavailableError, ValidationError } from '../errors.js';
import { bounded, mapEtcdError } from './etcd-errors.js';
import { EtcdMembers, neverSent } from './etcd-members.js';
import { EtcdWatch } from './etcd-watch.js';
import { decodeValue, encodeValue } from './keys.js';
import { checkDeleteOptions, checkKey, checkPrefix, checkPutOptions, checkRevision, checkTtl, checkWriteOps } from './store-args.js';
import type { DeleteOptions, KeyValue, LeaseGrant, ListResult, PutOptions, Store, Watch, WatchHandler, WriteOp } from './store.js';

export interface EtcdStoreConfig {
  endpoints: string[];
  /** Deadline for each call, and for creating a watch; default 2000 ms. */
  dialTimeoutMs?: number;
  /**
   * Deadline of a lease keep-alive; default twice dialTimeoutMs, at least 4500 ms. Only the
   * leader renews leases, so a keep-alive sent while the leader is lost waits on a follower for
   * the next one: up to two election timeouts and a vote (over 2 s with etcd's default 1000 ms,
   * over 3 s on a loaded machine), longer than a plain call's budget, yet within the registry's
   * 5 s store guard and a proxy's heartbeat deadline. (Leases cannot expire without a leader,
   * and a new leader renews them.)
   */
  leaseTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2000;
/** Default floor of a keep-alive's deadline: an etcd election on a loaded machine (see leaseTimeoutMs). */
const MIN_LEASE_TIMEOUT_MS = 4500;
/** Extra time the backstop timer allows beyond the gRPC deadline. */
const BACKSTOP_GRACE_MS = 500;
const LIST_PAGE = 200;
const LEASE_ID = /^[1-9][0-9]{0,18}$/;

/** A try on one member gets at least this long, when it is not the last one left. */
const MIN_ATTEMPT_MS = 300;

export class EtcdStore implements Store {
  readonly backend = 'etcd';
  private readonly members: EtcdMembers;
  private readonly timeoutMs: number;
  private readonly leaseTimeoutMs: number;
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;

  /** Opens a client; it connects lazily, so an unreachable etcd surfaces on the first call. */
  static async connect(config: EtcdStoreConfig, logger?: Logger): Promise<EtcdStore> {
    return new EtcdStore(config, logger);
  }

  constructor(
    config: EtcdStoreConfig,
    private readonly logger?: Logger,
  ) {
    if (config.endpoints.length === 0) throw new ValidationError([{ path: 'endpoints', message: 'at least one etcd endpoint is required' }]);
    this.timeoutMs = config.dialTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.leaseTimeoutMs = config.leaseTimeoutMs ?? Math.max(2 * this.timeoutMs, MIN_LEASE_TIMEOUT_MS);
    this.members = new EtcdMembers(config.endpoints, this.timeoutMs, logger);
  }

  async get<T = unknown>(key: string): Promise<KeyValue<T> | undefined> {
    checkKey(key);
    const res = await this.call('get', (c, o) => c.kv.range({ key: Buffer.from(key) }, o), { idempotent: true });
    const kv = res.kvs[0];
    return kv && (toKeyValue(kv) as KeyValue<T>);
  }

  async list<T = unknown>(prefix: string): Promise<ListResult<T>> {
    checkPrefix(prefix);
    const end = rangeEnd(prefix);
    // Pages are read at the revision of the first page, so the listing is one snapshot. If
    // that revision is compacted between pages, start again from a new snapshot.
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.listSnapshot(prefix, end)) as ListResult<T>;
      } catch (err) {
        if (attempt < 3 && err instanceof PlexusError && err.code === 'INTERNAL' && /compacted/.test(err.message)) continue;
        throw err;
      }
    }
  }

  async put(key: string, value: unknown, options: PutOptions = {}): Promise<number> {
    checkKey(key);
    checkPutOptions(options);
    if (options.lease !== undefined) checkLeaseId('lease', options.lease);
    const text = encodeValue(value);
    const request = { key: Buffer.from(key), value: Buffer.from(text), lease: options.lease ?? 0 };
    const { expectedRevision } = options;
    if (expectedRevision === undefined) {
      const res = await this.call('put', (c, o) => c.kv.put(request, o), { leaseId: options.lease });
      return Number(res.header.revision);
    }
    const res = await this.call(
      'compare-and-set put',
      (c, o) =>
        c.kv.txn(
          { compare: [casCompare(key, expectedRevision)], success: [{ request_put: request }], failure: [{ request_range: { key: request.key } }] },
          o,
        ),
      { leaseId: options.lease },
    );
    if (!res.succeeded) throw new ConflictError(key, expectedRevision, actualRevision(res.responses[0]?.response_range));
    return Number(res.header.revision);
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    checkKey(key);
    checkDeleteOptions(options);
    const { expectedRevision } = options;
    if (expectedRevision === undefined) {
      const res = await this.call('delete', (c, o) => c.kv.deleteRange({ key: Buffer.from(key) }, o));
      return Number(res.deleted) > 0;
    }
    const k = Buffer.from(key);
    const res = await this.call('compare-and-delete', (c, o) =>
      c.kv.txn(
        { compare: [casCompare(key, expectedRevision)], success: [{ request_delete_range: { key: k } }], failure: [{ request_range: { key: k } }] },
        o,
      ),
    );
    if (!res.succeeded) throw new ConflictError(key, expectedRevision, actualRevision(res.responses[0]?.response_range));
    return Number(res.responses[0]?.response_delete_range?.deleted ?? 0) > 0;
  }

  /**
   * One transaction: every compare-and-set op's compare, every write in the success branch,
   * and a read of each compared key in the failure branch to name the first conflict.
   */
  async commit(ops: WriteOp[]): Promise<number> {
    const checked = checkWriteOps(ops);
    const leases = [...new Set(checked.flatMap((op) => (op.type === 'put' && op.lease !== undefined ? [op.lease] : [])))];
    for (const lease of leases) checkLeaseId('lease', lease);
    const compared = checked.filter((op) => op.expectedRevision !== undefined);
    const request = {
      compare: compared.map((op) => casCompare(op.key, op.expectedRevision!)),
      success: checked.map((op) =>
        op.type === 'put'
          ? { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.text), lease: op.lease ?? 0 } }
          : { request_delete_range: { key: Buffer.from(op.key) } },
      ),
      failure: compared.map((op) => ({ request_range: { key: Buffer.from(op.key) } })),
    };
    let res;
    try {
      res = await this.call(`commit of ${checked.length} writes`, (c, o) => c.kv.txn(request, o), { leaseId: leases[0] });
    } catch (err) {
      if (err instanceof LeaseNotFoundError && leases.length > 1) throw await this.missingLease(leases, err);
      throw err;
    }
    if (!res.succeeded) {
      for (const [i, op] of compared.entries()) {
        const actual = actualRevision(res.responses[i]?.response_range);
        if (actual !== op.expectedRevision) throw new ConflictError(op.key, op.expectedRevision!, actual);
      }
      throw new ConflictError(compared[0]!.key, compared[0]!.expectedRevision!);
    }
    return Number(res.header.revision);
  }

  async watch<T = unknown>(prefix: string, fromRevision: number, handler: WatchHandler<T>): Promise<Watch> {
    checkPrefix(prefix);
    checkRevision('fromRevision', fromRevision, 1);
    this.ensureOpen();
    const w = new EtcdWatch({
      members: this.members,
      prefix,
      rangeEnd: rangeEnd(prefix),
      fromRevision,
      handler: handler as WatchHandler<unknown>,
      createTimeoutMs: this.timeoutMs,
      logger: this.logger,
      onEnded: (ended) => this.watches.delete(ended),
    });
    this.watches.add(w);
    await w.start();
    return w;
  }

  async grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    checkTtl(ttlSeconds);
    const res = await this.call('lease grant', (c, o) => c.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }, o));
    if (res.error) throw new PlexusError('INTERNAL', `etcd lease grant failed: ${res.error}`);
    // etcd may raise a TTL below its minimum (about 1.5 election timeouts): report what it granted.
    return { id: res.ID, ttlSeconds: Number(res.TTL), revision: Number(res.header.revision) };
  }

  async keepAlive(leaseId: string): Promise<void> {
    checkLeaseId('leaseId', leaseId);
    const ttl = await this.call('lease keep-alive', (c, o) => this.keepAliveOnce(c, leaseId, o), { idempotent: true, leaseId, timeoutMs: this.leaseTimeoutMs });
    if (ttl <= 0) throw mapEtcdError(new EtcdLeaseInvalidError(leaseId), 'lease keep-alive', leaseId);
  }

  async revokeLease(leaseId: string): Promise<void> {
    checkLeaseId('leaseId', leaseId);
    try {
      await this.call('lease revoke', (c, o) => c.leaseClient.leaseRevoke({ ID: leaseId }, o), { idempotent: true, leaseId });
    } catch (err) {
      // Revoking an unknown (expired, already revoked) lease is not an error.
      if (err instanceof LeaseNotFoundError) return;
      throw err;
    }
  }

  /** Which of a commit's leases etcd refused (it names none): the first one it no longer has. */
  private async missingLease(leases: string[], refused: LeaseNotFoundError): Promise<LeaseNotFoundError> {
    for (const id of leases) {
      const res = await this.call('lease time-to-live', (c, o) => c.leaseClient.leaseTimeToLive({ ID: id, keys: false }, o), { idempotent: true });
      if (Number(res.TTL) <= 0) return new LeaseNotFoundError(id);
    }
    return refused;
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('revision', (c, o) => c.kv.range({ key: Buffer.from([0]), count_only: true }, o), { idempotent: true });
    return Number(res.header.revision);
  }

  /**
   * Discard history before `revision` (default: the current one). Watches from older
   * revisions then get onResync. An operator tool and a test hook, not part of Store.
   */
  async compact(revision?: number): Promise<void> {
    const rev = revision ?? (await this.currentRevision());
    try {
      await this.call('compact', (c, o) => c.kv.compact({ revision: rev, physical: true }, o));
    } catch (err) {
      if (err instanceof PlexusError && /compacted/.test(err.message)) return; // already compacted that far
      throw err;
    }
  }

  /** Which members this client currently avoids (for diagnostics and tests). */
  memberHealth(): Array<{ endpoint: string; up: boolean }> {
    return this.members.members.map((m) => ({ endpoint: m.endpoint, up: m.downSince === undefined }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) await w.close();
    this.members.close();
  }

  private async listSnapshot(prefix: string, end: Buffer): Promise<ListResult> {
    const items: KeyValue[] = [];
    let revision = 0;
    let from = Buffer.from(prefix);
    for (;;) {
      const res: IRangeResponse = await this.call(
        'list',
        (c, o) => c.kv.range({ key: from, range_end: end, limit: LIST_PAGE, revision }, o),
        { idempotent: true },
      );
      if (revision === 0) revision = Number(res.header.revision);
      for (const kv of res.kvs) items.push(toKeyValue(kv));
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || !last) return { items, revision };
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  /** One keep-alive round trip on its own short stream; resolves with the TTL etcd reports (0: no such lease). */
  private async keepAliveOnce(client: Etcd3, leaseId: string, options: CallOptions): Promise<number> {
    const stream = await client.leaseClient.leaseKeepAlive(options);
    try {
      const res = await new Promise<{ TTL: string }>((resolve, reject) => {
        stream.on('data', resolve);
        stream.on('error', reject);
        stream.on('end', () => reject(new UnavailableError('etcd closed the keep-alive stream without an answer')));
        stream.write({ ID: leaseId });
      });
      return Number(res.TTL);
    } finally {
      // End our side before cancelling (see etcd-watch.ts closeStream).
      stream.on('error', () => undefined);
      stream.end();
      stream.cancel();
    }
  }

  /**
   * Run one etcd call within the time budget and map its failure to a domain error, moving
   * to another member when one cannot be reached (see the header comment). Idempotent calls
   * that fail fast as unavailable everywhere get one more round within the same budget.
   */
  private async call<T>(
    what: string,
    fn: (client: Etcd3, options: CallOptions) => Promise<T>,
    { idempotent = false, leaseId, timeoutMs = this.timeoutMs }: { idempotent?: boolean; leaseId?: string | undefined; timeoutMs?: number } = {},
  ): Promise<T> {
    this.ensureOpen();
    const deadline = Date.now() + timeoutMs;
    let last: Error | undefined;
    for (let round = 1; ; round++) {
      const candidates = this.members.order();
      for (const [i, member] of candidates.entries()) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        const another = i < candidates.length - 1;
        const attemptDeadline = idempotent && another && member.downSince === undefined ? Math.min(deadline, Date.now() + Math.max(MIN_ATTEMPT_MS, Math.floor(remaining / 2))) : deadline;
        try {
          const res = await bounded(attemptDeadline - Date.now() + BACKSTOP_GRACE_MS, what, () => fn(member.client, { deadline: attemptDeadline }));
          this.members.succeeded(member);
          return res;
        } catch (err) {
          const mapped = mapEtcdError(err, what, leaseId);
          if (!(mapped instanceof UnavailableError)) throw mapped;
          this.members.failed(member, err);
          last = mapped;
          // A write that may have reached the member must not be sent again.
          if (!idempotent && !neverSent(err)) throw mapped;
          if (this.closed) throw mapped;
        }
      }
      if (!idempotent || round > 1 || deadline - Date.now() <= 200) {
        throw last ?? new UnavailableError(`etcd unavailable (${what}): no answer within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new UnavailableError('etcd store client is closed');
  }
}

function checkLeaseId(field: string, id: string): void {
  if (typeof id !== 'string' || !LEASE_ID.test(id)) {
    throw new ValidationError([{ path: field, message: `not an etcd lease id (a positive decimal integer): ${JSON.stringify(String(id).slice(0, 40))}` }]);
  }
}

function casCompare(key: string, expectedRevision: number): ICompare {
  return expectedRevision === 0
    ? { key: Buffer.from(key), target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }
    : { key: Buffer.from(key), target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectedRevision };
}

function actualRevision(range: IRangeResponse | undefined): number | undefined {
  if (!range) return undefined;
  const kv = range.kvs[0];
  return kv ? Number(kv.mod_revision) : 0;
}

/** etcd's range end for "every key starting with prefix". */
function rangeEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function toKeyValue(kv: IKeyValue): KeyValue {
  const key = kv.key.toString('utf8');
  let value: unknown;
  try {
    value = decodeValue(kv.value);
  } catch (err) {
    throw new PlexusError('INTERNAL', `the value stored at ${key} is not JSON`, { cause: err });
  }
  const out: KeyValue = { key, value, revision: Number(kv.mod_revision), createRevision: Number(kv.create_revision) };
  if (kv.lease && kv.lease !== '0') out.lease = kv.lease;
  return out;
}
