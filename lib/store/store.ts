// The Store: the source of truth for instances, policies and meta records. One interface,
// three backends (etcd, ZooKeeper, memory) held to one conformance suite (test/store/).
//
// Revisions are store-wide and monotonic: etcd's revision, ZooKeeper's zxid, a counter in
// memory. A key's `revision` is the revision of its last modification. Values are JSON.

export interface KeyValue<T = unknown> {
  key: string;
  value: T;
  /** Store revision of the last modification of this key. */
  revision: number;
  /** Store revision at which this key was created (changes when a key is deleted and made again). */
  createRevision: number;
  /** Lease the key is attached to, if any. */
  lease?: string;
}

export interface ListResult<T = unknown> {
  /** Sorted by key. */
  items: KeyValue<T>[];
  /** The store revision this listing reflects: watch from `revision + 1` to miss nothing. */
  revision: number;
}

export interface PutOptions {
  /**
   * Compare-and-set: the revision the caller expects the key to have; 0 means "must not
   * exist". A mismatch throws ConflictError and changes nothing. Omitted: unconditional.
   */
  expectedRevision?: number;
  /** Attach the key to a lease: it is deleted when the lease expires or is revoked. */
  lease?: string;
}

export interface DeleteOptions {
  /** Compare-and-delete; a mismatch (including a missing key) throws ConflictError. */
  expectedRevision?: number;
}

/** One write of a batch (Store.commit): a put or a delete, each with its own compare-and-set. */
export type WriteOp =
  | { type: 'put'; key: string; value: unknown; expectedRevision?: number; lease?: string }
  | { type: 'delete'; key: string; expectedRevision?: number };

export type WatchEvent<T = unknown> =
  | { type: 'put'; key: string; value: T; revision: number; createRevision: number; lease?: string }
  | {
      type: 'delete';
      key: string;
      revision: number;
      /** The value before deletion, where the backend knows it. */
      prevValue?: T;
      /** True when the key was removed because its lease expired or was revoked (where known). */
      leaseExpired?: boolean;
    };

export interface WatchHandler<T = unknown> {
  /** Changes in revision order, each exactly once. A batch shares nothing but delivery. */
  onEvents(events: WatchEvent<T>[]): void;
  /**
   * History was lost (etcd compaction, ZooKeeper session loss, a gap the backend cannot
   * fill): the caller must re-list and watch again from the listing's revision + 1.
   * The watch is closed when this is called.
   */
  onResync(reason: string): void;
}

export interface Watch {
  close(): Promise<void>;
}

export interface LeaseGrant {
  id: string;
  ttlSeconds: number;
  /**
   * A store revision at least as new as every write that completed before the grant (the grant
   * is ordered among the store's writes): what currentRevision() would have said, without the
   * extra round trip. Undefined where a backend cannot tell.
   */
  revision?: number;
}

export interface Store {
  /** Which backend this is: 'etcd' | 'zookeeper' | 'memory'. */
  readonly backend: string;

  get<T = unknown>(key: string): Promise<KeyValue<T> | undefined>;
  list<T = unknown>(prefix: string): Promise<ListResult<T>>;
  /** Returns the new revision of the key. */
  put(key: string, value: unknown, options?: PutOptions): Promise<number>;
  /** Returns true when a key was deleted. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
  /**
   * Applies every op or none, all at one new revision (returned). Each op keeps the meaning it
   * has alone (put/delete with their options). The first failing compare throws ConflictError
   * for its key, an unknown lease LeaseNotFoundError, and nothing is written; bad arguments
   * (no ops, too many, a key named twice) throw ValidationError with the op's index in
   * the path, and values over the byte limit together ResourceExhaustedError. Deleting only missing keys writes
   * nothing and returns the current revision.
   */
  commit(ops: WriteOp[]): Promise<number>;

  /**
   * Watch every key under `prefix` from `fromRevision` (inclusive). Events older than what
   * the backend still holds produce onResync instead of a silent gap.
   */
  watch<T = unknown>(prefix: string, fromRevision: number, handler: WatchHandler<T>): Promise<Watch>;

  /**
   * Leases live in the store, not in this process: any client of the same store may keep a
   * lease alive or revoke it, so one replica's death does not remove another's instances.
   */
  grantLease(ttlSeconds: number): Promise<LeaseGrant>;
  /** Renews the lease to its full TTL; throws LeaseNotFoundError if it has expired or was revoked. */
  keepAlive(leaseId: string): Promise<void>;
  /** Deletes the lease and its keys; revoking an unknown lease is not an error. */
  revokeLease(leaseId: string): Promise<void>;

  /** The store's current revision. */
  currentRevision(): Promise<number>;
  close(): Promise<void>;
}

/** Limits every backend enforces the same way. */
export const STORE_LIMITS = {
  /** Largest JSON-encoded value, in bytes (ZooKeeper's default jute.maxbuffer is 1 MiB). */
  maxValueBytes: 512 * 1024,
  maxKeyLength: 512,
  minLeaseTtlSeconds: 1,
  maxLeaseTtlSeconds: 3600,
  /** Most ops in one commit (etcd's default --max-txn-ops is 128; a ZooKeeper put takes up to four multi ops). */
  maxBatchOps: 32,
} as const;
