// Consistent hashing on a request header (ring hash, as Envoy's RING_HASH): each host owns
// points on a 32-bit ring in proportion to its weight; a request goes to the first point at or
// after the hash of its key. Removing a host (ejection, scale-down) moves only its own keys.
// Requests without the header are spread at random.
import type { Host } from './host.js';
import type { LoadBalancer, PickContext } from './lb-interface.js';

/**
 * Ring points per host of the default weight (100); a host's count depends only on its own
 * weight, so adding or removing a host never moves keys between the other hosts.
 */
const POINTS_PER_DEFAULT_WEIGHT = 160;

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix32 for avalanche. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class ConsistentHashBalancer implements LoadBalancer {
  private points = new Uint32Array(0);
  private owners: Host[] = [];
  private hosts: readonly Host[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  update(hosts: readonly Host[]): void {
    this.hosts = hosts;
    if (hosts.length === 0) {
      this.points = new Uint32Array(0);
      this.owners = [];
      return;
    }
    const entries: Array<{ p: number; h: Host }> = [];
    for (const h of hosts) {
      const n = Math.max(1, Math.round((POINTS_PER_DEFAULT_WEIGHT * h.weight) / 100));
      // Points derive from the host's identity only, so every proxy builds the same ring.
      for (let i = 0; i < n; i++) entries.push({ p: hash32(`${h.id}_${h.key}_${i}`), h });
    }
    entries.sort((x, y) => x.p - y.p);
    this.points = Uint32Array.from(entries, (e) => e.p);
    this.owners = entries.map((e) => e.h);
  }

  pick(ctx: PickContext): Host | undefined {
    const n = this.points.length;
    if (n === 0) return undefined;
    if (ctx.hashKey === undefined) return this.hosts[Math.floor(this.random() * this.hosts.length)];
    const k = hash32(ctx.hashKey);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.points[mid]! < k) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }
}
