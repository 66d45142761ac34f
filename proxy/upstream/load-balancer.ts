// Load balancing: picks one host from a candidate set that the host selector has already
// narrowed (subset, outlier ejection, panic threshold, locality). `update` is called whenever
// that set changes; `pick` is the hot path and must not allocate per call.
import type { Host } from './host.js';
import type { LoadBalancer, PickContext } from './lb-interface.js';
import { ConsistentHashBalancer } from './lb-consistent-hash.js';
import { LeastRequestBalancer } from './lb-least-request.js';
import { RandomBalancer } from './lb-random.js';
import { RoundRobinBalancer } from './lb-round-robin.js';

export type { LoadBalancer, PickContext } from './lb-interface.js';

export type LoadBalancerPolicy = 'round_robin' | 'least_request' | 'random' | 'consistent_hash';

export function createLoadBalancer(policy: LoadBalancerPolicy, random: () => number = Math.random): LoadBalancer {
  switch (policy) {
    case 'round_robin':
      return new RoundRobinBalancer();
    case 'least_request':
      return new LeastRequestBalancer(random);
    case 'random':
      return new RandomBalancer(random);
    case 'consistent_hash':
      return new ConsistentHashBalancer(random);
  }
}

/** When a retry's preferred picks are all excluded, any host is better than none. */
export function pickAvoiding(lb: LoadBalancer, hosts: readonly Host[], ctx: PickContext): Host | undefined {
  const first = lb.pick(ctx);
  if (!first || !ctx.exclude || ctx.exclude.size === 0 || !ctx.exclude.has(first)) return first;
  for (let i = 0; i < hosts.length; i++) {
    const h = lb.pick(ctx);
    if (h && !ctx.exclude.has(h)) return h;
  }
  for (const h of hosts) if (!ctx.exclude.has(h)) return h;
  return first;
}
