// What every balancer implements. Apart from load-balancer.ts (the factory that imports each
// lb-*.ts) so that the balancers do not import their own factory.
import type { Host } from './host.js';

export interface PickContext {
  /** Value of the hash header for consistent hashing (absent = pick at random). */
  hashKey?: string | undefined;
  /** Hosts already tried by this request (retries prefer others). */
  exclude?: ReadonlySet<Host> | undefined;
}

export interface LoadBalancer {
  update(hosts: readonly Host[]): void;
  pick(ctx: PickContext): Host | undefined;
}
