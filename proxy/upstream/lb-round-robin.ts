// Round robin. Equal weights: a rotating index. Unequal weights: smooth weighted round robin
// (nginx's algorithm), which spreads a heavy host's turns evenly instead of in bursts.
import type { Host } from './host.js';
import type { LoadBalancer, PickContext } from './lb-interface.js';

export class RoundRobinBalancer implements LoadBalancer {
  private hosts: readonly Host[] = [];
  private next = 0;
  private weighted = false;
  private current: number[] = [];
  private totalWeight = 0;

  update(hosts: readonly Host[]): void {
    this.hosts = hosts;
    this.weighted = hosts.some((h) => h.weight !== hosts[0]!.weight);
    this.current = hosts.map(() => 0);
    this.totalWeight = hosts.reduce((s, h) => s + h.weight, 0);
    // Start at a random offset so proxies restarted together do not hit host 0 in step.
    this.next = hosts.length ? Math.floor(Math.random() * hosts.length) : 0;
  }

  pick(_ctx: PickContext): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (!this.weighted) {
      const h = this.hosts[this.next % n]!;
      this.next = (this.next + 1) % n;
      return h;
    }
    let best = 0;
    for (let i = 0; i < n; i++) {
      this.current[i]! += this.hosts[i]!.weight;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= this.totalWeight;
    return this.hosts[best];
  }
}
