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
  const routes = body.routes.map((rule, index): CompiledRoute => ({
    name: rule.name || `rule-${index}`,
    match: compileRouteMatch(rule.match),
    destinations: weightedPicker(rule.destinations.map((d) => ({ item: destination(d.subset), weight: d.weight }))),
    timeoutMs: rule.timeoutMs ?? body.timeoutMs,
    retries: rule.retries ?? body.retries,
    fault: compileFault(rule.fault),
    requestHeaders: rule.headers ? compileHeaderEdits(rule.headers.request) : null,
    responseHeaders: rule.headers ? compileHeaderEdits(rule.headers.response) : null,
    mirror: rule.mirror && rule.mirror.percent > 0 ? { ...destination(rule.mirror.subset), percent: rule.mirror.percent } : null,
  }));
  return { service: body.name, version, routes, fallback: defaultRoute(body.timeoutMs, body.retries) };
}

export function selectRoute(table: RouteTable, input: MatchInput): CompiledRoute {
  const routes = table.routes;
  for (let i = 0; i < routes.length; i++) if (routes[i]!.match(input)) return routes[i]!;
  return table.fallback;
}
