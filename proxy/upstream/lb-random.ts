// Weighted random choice (binary search over cumulative weights).
import type { Host } from './host.js';
import type { LoadBalancer, PickContext } from './lb-interface.js';

export class RandomBalancer implements LoadBalancer {
  private hosts: readonly Host[] = [];
  private cumulative: number[] = [];
  private total = 0;

  constructor(private readonly random: () => number = Math.random) {}

  update(hosts: readonly Host[]): void {
    this.hosts = hosts;
    this.cumulative = [];
    this.total = 0;
    for (const h of hosts) {
      this.total += h.weight;
      this.cumulative.push(this.total);
    }
  }

  pick(_ctx: PickContext): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (n === 1) return this.hosts[0];
    const r = this.random() * this.total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r < this.cumulative[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return this.hosts[lo];
  }
}
