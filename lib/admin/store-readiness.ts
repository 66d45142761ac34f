// Readiness that means the service can serve its API: the store answers. A control-plane
// replica that cannot reach its store reports not ready so load balancers and plexctl's
// replica lists move on to one that can; liveness (/healthz) stays up, so it is not restarted
// for an outage that is not its own.
import type { Store } from '../store/store.js';
import type { ReadinessCheck } from './admin-server.js';

/** A readiness check that asks the store for its current revision within `timeoutMs`. */
export function storeReadiness(store: Pick<Store, 'currentRevision'>, timeoutMs = 2000): ReadinessCheck {
  return {
    name: 'store',
    check: async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`store did not answer within ${timeoutMs} ms`), timeoutMs);
      });
      try {
        return await Promise.race([
          store.currentRevision().then(
            () => undefined,
            (err: unknown) => `store unreachable: ${(err as Error).message}`,
          ),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
