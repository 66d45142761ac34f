// Every store call an API handler makes goes through here: bounded in time, and any failure
// that is not already a domain error becomes UnavailableError, so callers see UNAVAILABLE
// (retry later or elsewhere) rather than INTERNAL or a hang while the store is down.
import { isPlexusError, UnavailableError } from '../../errors.js';
import type { Store } from '../../store/store.js';

export type StoreCall = <T>(what: string, call: () => Promise<T>) => Promise<T>;

export function storeGuard(timeoutMs: number): StoreCall {
  return async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnavailableError(`store unavailable: ${what} got no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([call(), deadline]);
    } catch (err) {
      if (isPlexusError(err) && err.code !== 'INTERNAL') throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new UnavailableError(`store unavailable: ${what} failed: ${message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * The same store with every request/response call guarded (named `get /key`, `put /key`...).
 * `watch` and `close` pass through: a watch lives as long as its stream, not one deadline.
 * For services whose components take a Store rather than a StoreCall.
 */
export function guardedStore(store: Store, timeoutMs: number): Store {
  const call = storeGuard(timeoutMs);
  return {
    get backend() {
      return store.backend;
    },
    get: <T>(key: string) => call(`get ${key}`, () => store.get<T>(key)),
    list: <T>(prefix: string) => call(`list ${prefix}`, () => store.list<T>(prefix)),
    put: (key, value, options) => call(`put ${key}`, () => store.put(key, value, options)),
    delete: (key, options) => call(`delete ${key}`, () => store.delete(key, options)),
    commit: (ops) => call(`commit ${ops.length} writes`, () => store.commit(ops)),
    watch: (prefix, fromRevision, handler) => store.watch(prefix, fromRevision, handler),
    grantLease: (ttl) => call('grant lease', () => store.grantLease(ttl)),
    keepAlive: (id) => call(`keep lease ${id} alive`, () => store.keepAlive(id)),
    revokeLease: (id) => call(`revoke lease ${id}`, () => store.revokeLease(id)),
    currentRevision: () => call('current revision', () => store.currentRevision()),
    close: () => store.close(),
  };
}
