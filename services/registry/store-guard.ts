// Every store call the registry makes goes through here: bounded in time, and any failure that
// is not already a domain error becomes UnavailableError, so callers see UNAVAILABLE (retry
// later or elsewhere) rather than INTERNAL or a hang while the store is down.
import { isPlexusError, UnavailableError } from '../../lib/errors.js';

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
