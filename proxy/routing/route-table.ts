// A Service resource compiled for the hot path: rules become predicates, weighted destination
// lists become pickers, header edits and faults become functions, and every rule carries its
// effective timeout and retry policy (the rule's own, else the service defaults). A request no
// rule matches takes the default route: every endpoint, service defaults.
import type { RetryPolicy, ServiceBody } from '../../lib/mesh/resources.js';
import { subsetKey } from '../upstream/host-selector.js';
import { compileFault, type FaultInjector } from './fault.js';
import { compileHeaderEdits, type HeaderEditor } from './header-edits.js';
import { compileRouteMatch, type MatchInput, type Predicate } from './request-match.js';
import { weightedPicker, type WeightedPicker } from './weighted-pick.js';

export interface Destination {
  subset: Record<string, string>;
  /** Canonical `k=v,...` form of the subset, the selector cache key. */
  key: string;
}

export interface CompiledRoute {
  /** Rule name, or `rule-<index>`, or `default`. */
  name: string;
  match: Predicate;
  destinations: WeightedPicker<Destination>;
  timeoutMs: number | null;
  retries: RetryPolicy | null;
  fault: FaultInjector | null;
  requestHeaders: HeaderEditor | null;
  responseHeaders: HeaderEditor | null;
  mirror: (Destination & { percent: number }) | null;
}

export interface RouteTable {
  service: string;
  version: string;
  routes: CompiledRoute[];
  fallback: CompiledRoute;
  /**
   * Whether a destination's subset has a healthy endpoint; set when the table is bound to its
   * cluster (proxy/config/mesh-config.ts). Unset: every destination counts as available.
   */
  available?: (d: Destination) => boolean;
  /** The object `available` was bound to (rebinding only when it changes). */
  cluster?: unknown;
}

/**
 * Subset fallback: a weighted pick whose choice, when its subset has no healthy endpoint, is
 * replaced by a pick among the rule's other destinations that have one, by their weights (all
 * equal when those weights are 0). With none available the original choice stands (it fails
 * as it would have). A 90/10 canary whose v1 subset is down sends everything to v2.
 */
function fallbackPicker(
  items: ReadonlyArray<{ item: Destination; weight: number }>,
  table: Pick<RouteTable, 'available'>,
  enabled: boolean,
): WeightedPicker<Destination> {
  const base = weightedPicker(items);
  if (!enabled || items.length < 2) return base;
  return {
    items: base.items,
    pick(random = Math.random) {
      const chosen = base.pick(random);
      const available = table.available;
      if (!available || available(chosen)) return chosen;
      const others = items.filter((i) => i.item !== chosen && available(i.item));
      if (others.length === 0) return chosen;
      const total = others.reduce((a, i) => a + Math.max(0, i.weight), 0);
      if (total === 0) return others[Math.floor(random() * others.length)]!.item;
      let r = random() * total;
      for (const o of others) {
        r -= Math.max(0, o.weight);
        if (r < 0) return o.item;
      }
      return others[others.length - 1]!.item;
    },
  };
}

const ALL: Destination = { subset: {}, key: '' };

function destination(subset: Record<string, string>): Destination {
  const key = subsetKey(subset);
  return key === '' ? ALL : { subset, key };
}

export function defaultRoute(timeoutMs: number | null, retries: RetryPolicy | null): CompiledRoute {
  return {
    name: 'default',
    match: () => true,
    destinations: weightedPicker([{ item: ALL, weight: 100 }]),
    timeoutMs,
    retries,
    fault: null,
    requestHeaders: null,
    responseHeaders: null,
    mirror: null,
  };
}

/** Throws (a SyntaxError from a bad regex) if the body cannot be compiled; callers NACK. */
export function compileRouteTable(body: ServiceBody, version: string): RouteTable {
  const table: RouteTable = { service: body.name, version, routes: [], fallback: defaultRoute(body.timeoutMs, body.retries) };
  table.routes = body.routes.map((rule, index): CompiledRoute => ({
    name: rule.name || `rule-${index}`,
    match: compileRouteMatch(rule.match),
    destinations: fallbackPicker(
      rule.destinations.map((d) => ({ item: destination(d.subset), weight: d.weight })),
      table,
      rule.subsetFallback !== false,
    ),
    timeoutMs: rule.timeoutMs ?? body.timeoutMs,
    retries: rule.retries ?? body.retries,
    fault: compileFault(rule.fault),
    requestHeaders: rule.headers ? compileHeaderEdits(rule.headers.request) : null,
    responseHeaders: rule.headers ? compileHeaderEdits(rule.headers.response) : null,
    mirror: rule.mirror && rule.mirror.percent > 0 ? { ...destination(rule.mirror.subset), percent: rule.mirror.percent } : null,
  }));
  return table;
}

export function selectRoute(table: RouteTable, input: MatchInput): CompiledRoute {
  const routes = table.routes;
  for (let i = 0; i < routes.length; i++) if (routes[i]!.match(input)) return routes[i]!;
  return table.fallback;
}
