// Locality tiers: which hosts of a subset get which share of its traffic. Modelled on Envoy's
// priority levels with an overprovisioning factor, kept simple:
//
//   - A host's rank says how much it is trusted to exist: 0 confirmed and fresh, 1 unconfirmed
//     (self-preservation kept it through a registration expiry), 2 stale (imported from a cluster
//     whose link is down). Only the best rank that has a healthy host is used at all: the others
//     are last resorts, not spill-over targets.
//   - Within that rank, a host's level says how near it is: 0 same cluster and zone, 1 same
//     cluster, 2 + priority for other clusters (priority from the control plane, lower first).
//     Without localityFailover every host is level 0.
//   - A level's health is its healthy share of its hosts, scaled by 100 / failoverThreshold
//     (threshold 71 % ≈ Envoy's overprovisioning factor 1.4) and capped at 100 %. Levels take
//     traffic in order, each at most its health, until 100 % is placed; when the healths sum to
//     less than 100 % they are normalised (each gets its health / their sum).
//   - Panic: when the summed health is below panicThreshold, ejections are ignored and traffic is
//     spread over every host of the rank, as one tier (sending to possibly-bad hosts beats
//     concentrating everything on a few).
import type { Host } from './host.js';

export interface TierConfig {
  localZone: string;
  localCluster: string;
  localityFailover: boolean;
  failoverThresholdPercent: number;
  panicThresholdPercent: number;
}

export interface Tier {
  level: number;
  /** The tier's hosts that may be picked. */
  hosts: Host[];
  /** Share of the subset's traffic, percent (tiers with 0 are left out). */
  load: number;
}

export function rankOf(h: Host): number {
  return h.stale ? 2 : h.unconfirmed ? 1 : 0;
}

export function levelOf(h: Host, c: Pick<TierConfig, 'localZone' | 'localCluster'>): number {
  if (h.cluster === c.localCluster) return h.zone === c.localZone ? 0 : 1;
  return 2 + h.priority;
}

/** `members`: the subset's hosts (ejected ones included). */
export interface Tiers {
  tiers: Tier[];
  /**
   * Healthy hosts that get no traffic — levels after the loaded ones, then last resorts — in the
   * order a retry that tried every loaded host should try them.
   */
  reserve: Host[];
  panic: boolean;
}

export function buildTiers(members: readonly Host[], c: TierConfig): Tiers {
  if (members.length === 0) return { tiers: [], reserve: [], panic: false };
  let best = Infinity;
  for (const h of members) if (!h.ejected) best = Math.min(best, rankOf(h));
  if (best === Infinity) for (const h of members) best = Math.min(best, rankOf(h));
  const pool = members.filter((h) => rankOf(h) === best);

  const levels = new Map<number, { total: number; healthy: Host[] }>();
  for (const h of pool) {
    const level = c.localityFailover ? levelOf(h, c) : 0;
    let l = levels.get(level);
    if (!l) levels.set(level, (l = { total: 0, healthy: [] }));
    l.total++;
    if (!h.ejected) l.healthy.push(h);
  }
  const ordered = [...levels.entries()].sort(([a], [b]) => a - b);
  const threshold = c.failoverThresholdPercent;
  const health = ordered.map(([, l]) => {
    if (l.healthy.length === 0) return 0;
    if (threshold <= 0) return 100;
    return Math.min(100, (l.healthy.length * 100 * 100) / (l.total * threshold));
  });
  const sum = health.reduce((a, b) => a + b, 0);
  if (sum === 0 && c.panicThresholdPercent <= 0) return { tiers: [], reserve: [], panic: false };
  if (c.panicThresholdPercent > 0 && Math.min(100, sum) < c.panicThresholdPercent) {
    return { tiers: [{ level: ordered[0]![0], hosts: pool, load: 100 }], reserve: [], panic: true };
  }
  const tiers: Tier[] = [];
  const reserve: Host[] = [];
  let remaining = 100;
  ordered.forEach(([level, l], i) => {
    const load = sum < 100 ? (health[i]! * 100) / sum : Math.min(remaining, health[i]!);
    remaining -= load;
    if (load > 0) tiers.push({ level, hosts: l.healthy, load });
    else reserve.push(...l.healthy);
  });
  // After them, the healthy last resorts, most trusted and nearest first: a retry that tried every
  // fresh host may still try an unconfirmed or stale one rather than repeat a failed host.
  const rest = members.filter((h) => !h.ejected && rankOf(h) > best);
  rest.sort((a, b) => rankOf(a) - rankOf(b) || levelOf(a, c) - levelOf(b, c));
  reserve.push(...rest);
  return { tiers, reserve, panic: false };
}
