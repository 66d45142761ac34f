// The embedded in-memory Store (dev mode, single process, tests). Each MemoryStore is a client
// of a MemoryState; `client()` opens another client on the same state, the way several
// processes share one etcd. Closing a client ends its own watches only; the state and its
// leases live on until the last client is closed.
import type { Logger } from 'pino';
import { UnavailableError } from '../errors.js';
import { encodeValue } from './keys.js';
import {
  checkDeleteOptions,
  checkKey,
  checkLeaseId,
  checkPrefix,
  checkPutOptions,
  checkRevision,
  checkTtl,
  checkWriteOps,
} from './store-args.js';
import { DEFAULT_HISTORY_SIZE, MemoryState, type StateWatcher } from './memory-state.js';
import type {
  DeleteOptions,
  KeyValue,
  LeaseGrant,
  ListResult,
  PutOptions,
  Store,
  Watch,
  WatchHandler,
  WriteOp,
} from './store.js';

export interface MemoryStoreOptions {
  /** Events kept for watches from an older revision; a watch from before them gets onResync. */
  historySize?: number;
  /** Where a throwing watch handler is reported. */
  logger?: Logger;
  /** Open another client on that store's state (keys, leases, history) instead of a new one; historySize and logger then come from that store. */
  sharedWith?: MemoryStore;
}

interface Shared {
  state: MemoryState;
  clients: number;
}

export class MemoryStore implements Store {
  readonly backend = 'memory';
  private closed = false;
  private readonly watchers = new Set<StateWatcher>();
  private readonly shared: Shared;

  constructor(opts: MemoryStoreOptions = {}) {
    if (opts.sharedWith) {
      opts.sharedWith.state(); // a closed client cannot lend its state
      this.shared = opts.sharedWith.shared;
    } else {
      const historySize = opts.historySize ?? DEFAULT_HISTORY_SIZE;
      if (!Number.isSafeInteger(historySize) || historySize < 1) {
        throw new RangeError(`historySize must be a positive integer, got ${historySize}`);
      }
      this.shared = { state: new MemoryState(historySize, opts.logger), clients: 0 };
    }
    this.shared.clients++;
  }

  /** Another client of the same in-memory store (its own watches, shared keys and leases). */
  client(): MemoryStore {
    return new MemoryStore({ sharedWith: this });
  }

  async get<T = unknown>(key: string): Promise<KeyValue<T> | undefined> {
    checkKey(key);
    return this.state().get(key) as KeyValue<T> | undefined;
  }

  async list<T = unknown>(prefix: string): Promise<ListResult<T>> {
    checkPrefix(prefix);
    return this.state().list(prefix) as ListResult<T>;
  }

  async put(key: string, value: unknown, options?: PutOptions): Promise<number> {
    checkKey(key);
    checkPutOptions(options);
    const text = encodeValue(value);
    return this.state().put(key, text, options?.expectedRevision, options?.lease);
  }

  async delete(key: string, options?: DeleteOptions): Promise<boolean> {
    checkKey(key);
    checkDeleteOptions(options);
    return this.state().delete(key, options?.expectedRevision);
  }

  async commit(ops: WriteOp[]): Promise<number> {
    const checked = checkWriteOps(ops);
    return this.state().writeBatch(checked);
  }

  async watch<T = unknown>(prefix: string, fromRevision: number, handler: WatchHandler<T>): Promise<Watch> {
    checkPrefix(prefix);
    checkRevision('fromRevision', fromRevision, 1);
    const state = this.state();
    const w = state.addWatcher(prefix, fromRevision, handler as WatchHandler<unknown>);
    if (w.closed) return { close: async () => undefined };
    this.watchers.add(w);
    return {
      close: async () => {
        this.watchers.delete(w);
        state.removeWatcher(w);
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    checkTtl(ttlSeconds);
    const state = this.state();
    return { id: state.grantLease(ttlSeconds), ttlSeconds, revision: state.currentRevision() };
  }

  async keepAlive(leaseId: string): Promise<void> {
    checkLeaseId('leaseId', leaseId);
    this.state().keepAlive(leaseId);
  }

  async revokeLease(leaseId: string): Promise<void> {
    checkLeaseId('leaseId', leaseId);
    this.state().revokeLease(leaseId);
  }

  async currentRevision(): Promise<number> {
    return this.state().currentRevision();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) this.shared.state.removeWatcher(w);
    this.watchers.clear();
    if (--this.shared.clients === 0) this.shared.state.destroy();
  }

  private state(): MemoryState {
    if (this.closed) throw new UnavailableError('memory store client is closed');
    return this.shared.state;
  }
}
