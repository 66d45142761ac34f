// Least request by "power of two choices": sample two hosts at random and take the one with
// fewer active requests relative to its weight. Near-optimal spreading at O(1) per pick
// (as Envoy's LEAST_REQUEST does with choice_count 2).
import type { Host } from './host.js';
import type { LoadBalancer, PickContext } from './lb-interface.js';

export class LeastRequestBalancer implements LoadBalancer {
  private hosts: readonly Host[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  update(hosts: readonly Host[]): void {
    this.hosts = hosts;
  }

  pick(_ctx: PickContext): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (n === 1) return this.hosts[0];
    const a = this.hosts[Math.floor(this.random() * n)]!;
    let b = this.hosts[Math.floor(this.random() * n)]!;
    if (b === a) b = this.hosts[(this.hosts.indexOf(a) + 1) % n]!;
    const la = (a.active + 1) / a.weight;
    const lb = (b.active + 1) / b.weight;
    return lb < la ? b : a;
  }
}
