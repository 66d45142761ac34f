// Chooses the candidate hosts for one subset of a destination service, then lets the load
// balancer pick among them. The candidate set is cached per subset and rebuilt only when the
// host list, an ejection or the config changes (a generation counter), so the hot path is a
// generation check plus the balancer's pick.
//
// Narrowing, in order:
//   1. subset: hosts carrying all of the subset's labels;
//   2. outlier ejection: ejected hosts are left out, unless fewer than panicThresholdPercent
//      of the subset's hosts are healthy — then all of them are used (panic mode), because
//      sending to possibly-bad hosts beats concentrating everything on a few;
//   3. confirmation: hosts the control plane keeps only by self-preservation (unconfirmed) are
//      used when none of the remaining hosts is confirmed;
//   4. locality (when enabled): hosts in the proxy's own zone and cluster first; if none is
//      available, others in the same cluster; then hosts of other clusters.
import type { Host } from './host.js';
import { createLoadBalancer, pickAvoiding, type LoadBalancer, type LoadBalancerPolicy, type PickContext } from './load-balancer.js';

export interface SelectorConfig {
  policy: LoadBalancerPolicy;
  panicThresholdPercent: number;
  localityFailover: boolean;
  localZone: string;
  localCluster: string;
}

interface SubsetState {
  generation: number;
  selector: Record<string, string>;
  candidates: Host[];
  /** Members not ejected (0: the subset has no healthy endpoint, panic or not). */
  healthy: number;
  panic: boolean;
  lb: LoadBalancer;
}

export function subsetKey(selector: Record<string, string>): string {
  const keys = Object.keys(selector).sort();
  return keys.map((k) => `${k}=${selector[k]}`).join(',');
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
    const state = this.state(key, selector);
    return pickAvoiding(state.lb, state.candidates, ctx);
  }

  /** Whether the subset has at least one endpoint that is not ejected (subset fallback). */
  hasHealthy(key: string, selector: Record<string, string>): boolean {
    return this.state(key, selector).healthy > 0;
  }

  /** For /endpoints and tests: the current candidates of a subset and whether it is in panic. */
  describe(key: string, selector: Record<string, string>): { candidates: readonly Host[]; panic: boolean } {
    const s = this.state(key, selector);
    return { candidates: s.candidates, panic: s.panic };
  }

  private state(key: string, selector: Record<string, string>): SubsetState {
    let s = this.subsets.get(key);
    if (!s) {
      s = { generation: 0, selector, candidates: [], healthy: 0, panic: false, lb: createLoadBalancer(this.config.policy, this.random) };
      this.subsets.set(key, s);
    }
    if (s.generation !== this.generation) {
      this.rebuild(s);
      s.generation = this.generation;
    }
    return s;
  }

  private rebuild(s: SubsetState): void {
    const members = this.hosts().filter((h) => h.hasLabels(s.selector));
    const healthy = members.filter((h) => !h.ejected);
    s.healthy = healthy.length;
    const threshold = this.config.panicThresholdPercent;
    s.panic = members.length > 0 && threshold > 0 && healthy.length * 100 < threshold * members.length;
    let base = s.panic ? members : healthy;
    const confirmed = base.filter((h) => !h.unconfirmed);
    if (confirmed.length > 0 && confirmed.length < base.length) base = confirmed;
    if (this.config.localityFailover && base.length > 0) base = this.byLocality(base);
    s.candidates = base;
    s.lb.update(base);
  }

  private byLocality(hosts: Host[]): Host[] {
    const { localZone, localCluster } = this.config;
    const sameZone = hosts.filter((h) => h.cluster === localCluster && h.zone === localZone);
    if (sameZone.length > 0) return sameZone;
    const sameCluster = hosts.filter((h) => h.cluster === localCluster);
    if (sameCluster.length > 0) return sameCluster;
    return hosts;
  }
}
