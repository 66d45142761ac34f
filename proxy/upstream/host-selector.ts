// Chooses the candidate hosts for one subset of a destination service, then lets the load
// balancer pick among them. The candidate set is cached per subset and rebuilt only when the
// host list, an ejection or the config changes (a generation counter), so the hot path is a
// generation check, at most one random draw between locality tiers, and the balancer's pick.
//
// Narrowing, in order:
//   1. subset: hosts carrying all of the subset's labels (`plexus.dev/cluster` and
//      `plexus.dev/zone` select by placement); a local-only selector (the east-west gateway)
//      also drops hosts of other clusters and hosts behind a gateway;
//   2. outlier ejection: ejected hosts are left out, unless fewer than panicThresholdPercent
//      of the subset's hosts are healthy — then all of them are used (panic mode), because
//      sending to possibly-bad hosts beats concentrating everything on a few;
//   3. last resorts (locality-tiers.ts): unconfirmed hosts (kept by the control plane's
//      self-preservation) only when no confirmed fresh host is left, stale hosts (imported from a
//      cluster whose link is down) only when nothing else is;
//   4. locality: tiers — same cluster and zone, same cluster, then other clusters by priority —
//      with traffic spilling to the next tier as a tier's healthy share falls below
//      failoverThresholdPercent (Envoy's priority levels with overprovisioning).
import type { Host } from './host.js';
import { createLoadBalancer, pickAvoiding, type LoadBalancer, type LoadBalancerPolicy, type PickContext } from './load-balancer.js';
import { buildTiers, type Tier } from './locality-tiers.js';

export interface SelectorConfig {
  policy: LoadBalancerPolicy;
  panicThresholdPercent: number;
  localityFailover: boolean;
  localZone: string;
  localCluster: string;
  /** A tier keeps all its traffic while at least this percentage of its hosts is healthy. */
  failoverThresholdPercent: number;
  /** Only hosts of the local cluster, never through a gateway (the east-west gateway). */
  localOnly: boolean;
}

interface SubsetState {
  generation: number;
  selector: Record<string, string>;
  /** Every host that may be picked now, all tiers with a share of traffic. */
  candidates: Host[];
  tiers: Array<Tier & { lb: LoadBalancer }>;
  /** Healthy hosts of tiers without traffic (a retry's last choice before repeating a host). */
  reserve: Host[];
  /** One balancer per locality level, kept across rebuilds (round-robin position, hash ring). */
  balancers: Map<number, LoadBalancer>;
  /** Members not ejected (0: the subset has no healthy endpoint, panic or not). */
  healthy: number;
  panic: boolean;
}

function untried(hosts: readonly Host[], exclude: ReadonlySet<Host>): Host | undefined {
  for (const h of hosts) if (!exclude.has(h)) return h;
  return undefined;
}

export function subsetKey(selector: Record<string, string>): string {
  const keys = Object.keys(selector).sort();
  return keys.map((k) => `${k}=${selector[k]}`).join(',');
}

export interface SubsetDescription {
  candidates: readonly Host[];
  panic: boolean;
  tiers: Array<{ level: number; load: number; hosts: string[] }>;
}

export class HostSelector {
  private generation = 1;
  private readonly subsets = new Map<string, SubsetState>();

  constructor(
    private config: SelectorConfig,
    private readonly hosts: () => readonly Host[],
    private readonly random: () => number = Math.random,
  ) {}

  /** Hosts, ejections or locality changed: rebuild candidate sets lazily. */
  invalidate(): void {
    this.generation++;
  }

  reconfigure(config: SelectorConfig): void {
    this.config = config;
    // Subsets named by the old config may be gone; balancers may change kind.
    this.subsets.clear();
    this.invalidate();
  }

  pick(key: string, selector: Record<string, string>, ctx: PickContext): Host | undefined {
    const s = this.state(key, selector);
    const tiers = s.tiers;
    if (tiers.length === 1) {
      const t = tiers[0]!;
      const only = pickAvoiding(t.lb, t.hosts, ctx);
      if (only === undefined || ctx.exclude === undefined || !ctx.exclude.has(only)) return only;
      return untried(s.reserve, ctx.exclude) ?? only;
    }
    if (tiers.length === 0) return undefined;
    const reserve = s.reserve;
    // Draw a tier by its share of traffic; a retry whose tier is all tried moves on to the others.
    let r = this.random() * 100;
    let first = tiers.length - 1;
    for (let i = 0; i < tiers.length; i++) {
      r -= tiers[i]!.load;
      if (r < 0) {
        first = i;
        break;
      }
    }
    const chosen = tiers[first]!;
    const host = pickAvoiding(chosen.lb, chosen.hosts, ctx);
    if (!host || !ctx.exclude?.has(host)) return host;
    for (let i = 0; i < tiers.length; i++) {
      if (i === first) continue;
      const other = pickAvoiding(tiers[i]!.lb, tiers[i]!.hosts, ctx);
      if (other && !ctx.exclude.has(other)) return other;
    }
    return untried(reserve, ctx.exclude) ?? host;
  }

  /** Whether the subset has at least one endpoint that is not ejected (subset fallback). */
  hasHealthy(key: string, selector: Record<string, string>): boolean {
    return this.state(key, selector).healthy > 0;
  }

  /** For /endpoints and tests: the current candidates, tiers and whether the subset is in panic. */
  describe(key: string, selector: Record<string, string>): SubsetDescription {
    const s = this.state(key, selector);
    return {
      candidates: s.candidates,
      panic: s.panic,
      tiers: s.tiers.map((t) => ({ level: t.level, load: Math.round(t.load * 10) / 10, hosts: t.hosts.map((h) => h.id) })),
    };
  }

  private state(key: string, selector: Record<string, string>): SubsetState {
    let s = this.subsets.get(key);
    if (!s) {
      s = { generation: 0, selector, candidates: [], tiers: [], reserve: [], balancers: new Map(), healthy: 0, panic: false };
      this.subsets.set(key, s);
    }
    if (s.generation !== this.generation) {
      this.rebuild(s);
      s.generation = this.generation;
    }
    return s;
  }

  private rebuild(s: SubsetState): void {
    const { localCluster, localOnly } = this.config;
    const members = this.hosts().filter(
      (h) => h.hasLabels(s.selector) && (!localOnly || (h.cluster === localCluster && h.authority === undefined)),
    );
    s.healthy = members.filter((h) => !h.ejected).length;
    const { tiers, reserve, panic } = buildTiers(members, this.config);
    s.panic = panic;
    s.reserve = reserve;
    const unused = new Set(s.balancers.keys());
    s.tiers = tiers.map((t) => {
      let lb = s.balancers.get(t.level);
      if (!lb) s.balancers.set(t.level, (lb = createLoadBalancer(this.config.policy, this.random)));
      unused.delete(t.level);
      lb.update(t.hosts);
      return { ...t, lb };
    });
    for (const level of unused) s.balancers.delete(level);
    s.candidates = tiers.flatMap((t) => t.hosts);
  }
}
