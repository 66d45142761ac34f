// Plexus resource bodies (lib/mesh/resources.ts: Service, Endpoints) → Envoy xDS v3 resources,
// as plain snake_case objects ready for protobufjs. Pure functions: the same bodies give the
// same objects, so the encoded bytes (and their content versions) agree on every replica.
// The mapping is the README's table; what a gRPC client or Envoy ignores is noted there.
import type { EndpointsBody, HeaderEdits, HeaderMatch, RetryPolicy, RouteRule, ServiceBody, StringMatch } from '../../../lib/mesh/resources.js';
import { clusterName, hostOf, subsetKey, type Subset } from './xds-names.js';
import { EXT, packAny } from './xds-proto.js';

type Obj = Record<string, unknown>;

const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };
export const FAULT_FILTER = 'envoy.filters.http.fault';
export const ROUTER_FILTER = 'envoy.filters.http.router';

function duration(ms: number): Obj {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** Percent 0–100 (fractions allowed) as an Envoy FractionalPercent. */
function fraction(percent: number): Obj {
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}

// ------------------------------------------------------------------------------- Listener

/** An API listener for gRPC clients: HTTP connection manager → RDS `<host>`, fault filter when a rule injects faults. */
export function buildListener(name: string, service: ServiceBody): Obj {
  const host = hostOf(service.name);
  const filters: Obj[] = [];
  if (service.routes.some((r) => r.fault !== null)) filters.push({ name: FAULT_FILTER, typed_config: packAny(EXT.HTTPFault, {}) });
  filters.push({ name: ROUTER_FILTER, typed_config: packAny(EXT.Router, {}) });
  const hcm = {
    stat_prefix: host,
    codec_type: 'AUTO',
    rds: { config_source: ADS_SOURCE, route_config_name: host },
    http_filters: filters,
  };
  return { name, api_listener: { api_listener: packAny(EXT.HttpConnectionManager, hcm) } };
}

// ------------------------------------------------------------------------------- RouteConfiguration

function stringMatcher(m: StringMatch): Obj {
  if (m.type === 'exact') return { exact: m.value };
  if (m.type === 'prefix') return { prefix: m.value };
  return { safe_regex: { regex: m.value } };
}

function headerMatcher(h: HeaderMatch): Obj {
  switch (h.type) {
    case 'present':
      return { name: h.name, present_match: true };
    case 'absent':
      return { name: h.name, present_match: true, invert_match: true };
    default:
      return { name: h.name, string_match: stringMatcher({ type: h.type, value: h.value ?? '' }) };
  }
}

/** Plexus retry conditions → Envoy's HTTP conditions plus the gRPC status a gRPC client retries on. */
const RETRY_ON_XDS: Record<RetryPolicy['retryOn'][number], string[]> = {
  '5xx': ['5xx', 'unavailable', 'internal'],
  'gateway-error': ['gateway-error', 'unavailable'],
  'connect-failure': ['connect-failure', 'unavailable'],
  reset: ['reset', 'unavailable', 'cancelled'],
};

function retryPolicy(r: RetryPolicy | null): Obj | undefined {
  if (!r || r.attempts === 0 || r.retryOn.length === 0) return undefined;
  const on = [...new Set(r.retryOn.flatMap((c) => RETRY_ON_XDS[c]))];
  const out: Obj = { retry_on: on.join(','), num_retries: { value: r.attempts } };
  if (r.perTryTimeoutMs) out.per_try_timeout = duration(r.perTryTimeoutMs);
  if (r.backoff && r.backoff.baseMs > 0) out.retry_back_off = { base_interval: duration(r.backoff.baseMs), max_interval: duration(Math.max(r.backoff.maxMs, r.backoff.baseMs)) };
  return out;
}

function headerEdits(e: HeaderEdits): { add: Obj[]; remove: string[] } {
  const add: Obj[] = [];
  for (const [key, value] of Object.entries(e.set)) add.push({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  for (const [key, value] of Object.entries(e.add)) add.push({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' });
  return { add, remove: [...e.remove] };
}

/** The clusters a rule sends to (weight > 0), as Envoy weights (percent × 100). */
function routeAction(service: ServiceBody, destinations: Array<{ subset: Subset; weight: number }>): Obj {
  const live = destinations.filter((d) => d.weight > 0);
  const action: Obj = {};
  if (live.length === 1 || live.length === 0) action.cluster = clusterName(service.name, (live[0] ?? { subset: {} }).subset);
  else action.weighted_clusters = { clusters: live.map((d) => ({ name: clusterName(service.name, d.subset), weight: { value: Math.round(d.weight * 100) } })) };
  const lb = service.resilience.loadBalancer;
  if (lb.policy === 'consistent_hash' && lb.hashHeader) action.hash_policy = [{ header: { header_name: lb.hashHeader } }];
  return action;
}

function timeouts(action: Obj, ms: number | null): void {
  if (!ms) return;
  action.timeout = duration(ms);
  // What gRPC clients read (gRFC A31): the deadline of each call.
  action.max_stream_duration = { max_stream_duration: duration(ms) };
}

function toRoute(service: ServiceBody, rule: RouteRule, index: number): Obj {
  const match: Obj = rule.match.path ? pathMatch(rule.match.path) : { prefix: '/' };
  const headers = rule.match.headers.map(headerMatcher);
  if (rule.match.methods.length === 1) headers.push({ name: ':method', string_match: { exact: rule.match.methods[0] } });
  else if (rule.match.methods.length > 1) headers.push({ name: ':method', string_match: { safe_regex: { regex: rule.match.methods.join('|') } } });
  if (headers.length > 0) match.headers = headers;
  const action = routeAction(service, rule.destinations);
  timeouts(action, rule.timeoutMs ?? service.timeoutMs);
  const retry = retryPolicy(rule.retries ?? service.retries);
  if (retry) action.retry_policy = retry;
  if (rule.mirror && rule.mirror.percent > 0) {
    action.request_mirror_policies = [{ cluster: clusterName(service.name, rule.mirror.subset), runtime_fraction: { default_value: fraction(rule.mirror.percent) } }];
  }
  const route: Obj = { name: rule.name || `rule-${index}`, match, route: action };
  if (rule.fault && (rule.fault.abort || rule.fault.delay)) {
    const fault: Obj = {};
    if (rule.fault.delay) fault.delay = { fixed_delay: duration(rule.fault.delay.durationMs), percentage: fraction(rule.fault.delay.percent) };
    if (rule.fault.abort) fault.abort = { http_status: rule.fault.abort.httpStatus, percentage: fraction(rule.fault.abort.percent) };
    route.typed_per_filter_config = { [FAULT_FILTER]: packAny(EXT.HTTPFault, fault) };
  }
  if (rule.headers) {
    const req = headerEdits(rule.headers.request);
    const res = headerEdits(rule.headers.response);
    if (req.add.length) route.request_headers_to_add = req.add;
    if (req.remove.length) route.request_headers_to_remove = req.remove;
    if (res.add.length) route.response_headers_to_add = res.add;
    if (res.remove.length) route.response_headers_to_remove = res.remove;
  }
  return route;
}

function pathMatch(m: StringMatch): Obj {
  if (m.type === 'exact') return { path: m.value };
  if (m.type === 'prefix') return { prefix: m.value };
  return { safe_regex: { regex: m.value } };
}

/**
 * One virtual host matching any authority: a route configuration belongs to one service (its
 * listener names it), so the client's authority, with or without a port, needs no matching.
 * The Route's rules in order, then a catch-all to every endpoint with the Mesh defaults.
 */
export function buildRouteConfiguration(name: string, service: ServiceBody): Obj {
  const routes = service.routes.map((r, i) => toRoute(service, r, i));
  const fallback: Obj = routeAction(service, [{ subset: {}, weight: 100 }]);
  timeouts(fallback, service.timeoutMs);
  const retry = retryPolicy(service.retries);
  if (retry) fallback.retry_policy = retry;
  routes.push({ name: 'default', match: { prefix: '/' }, route: fallback });
  return { name, virtual_hosts: [{ name: hostOf(service.name), domains: ['*'], routes }] };
}

// ------------------------------------------------------------------------------- Cluster

/** Every subset the Route references (destinations and mirrors), plus `{}` (all endpoints). */
export function subsetsOf(service: ServiceBody): Subset[] {
  const out = new Map<string, Subset>([['', {}]]);
  for (const r of service.routes) {
    for (const d of r.destinations) out.set(subsetKey(d.subset), d.subset);
    if (r.mirror) out.set(subsetKey(r.mirror.subset), r.mirror.subset);
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

function wrapped(value: number | null): Obj | undefined {
  return value === null ? undefined : { value };
}

/**
 * LB policy: round robin and ring hash as `lb_policy`; least request and random as
 * `load_balancing_policy` with round robin as the fallback a gRPC client picks (it has neither).
 */
function lbPolicy(service: ServiceBody): Obj {
  const lb = service.resilience.loadBalancer;
  switch (lb.policy) {
    case 'consistent_hash':
      return { lb_policy: 'RING_HASH', ring_hash_lb_config: { hash_function: 'XX_HASH' } };
    case 'least_request':
    case 'random': {
      const ext = lb.policy === 'least_request' ? EXT.LeastRequest : EXT.Random;
      const name = lb.policy === 'least_request' ? 'envoy.load_balancing_policies.least_request' : 'envoy.load_balancing_policies.random';
      return {
        load_balancing_policy: {
          policies: [
            { typed_extension_config: { name, typed_config: packAny(ext, {}) } },
            { typed_extension_config: { name: 'envoy.load_balancing_policies.round_robin', typed_config: packAny(EXT.RoundRobin, {}) } },
          ],
        },
      };
    }
    default:
      return { lb_policy: 'ROUND_ROBIN' };
  }
}

export function buildCluster(name: string, service: ServiceBody): Obj {
  const res = service.resilience;
  const cluster: Obj = {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_SOURCE, service_name: name },
    connect_timeout: duration(5000),
    ...lbPolicy(service),
    common_lb_config: { healthy_panic_threshold: { value: res.panicThresholdPercent } },
  };
  const l = res.limits;
  if (l.maxConnections !== null || l.maxPendingRequests !== null || l.maxRequests !== null || l.maxRetries !== null) {
    cluster.circuit_breakers = {
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: wrapped(l.maxConnections),
          max_pending_requests: wrapped(l.maxPendingRequests),
          max_requests: wrapped(l.maxRequests),
          max_retries: wrapped(l.maxRetries),
        },
      ],
    };
  }
  const od = res.outlierDetection;
  if (od) {
    cluster.outlier_detection = {
      consecutive_5xx: { value: od.consecutive5xx ?? 0 },
      enforcing_consecutive_5xx: { value: od.consecutive5xx === null ? 0 : 100 },
      ...(od.consecutiveConnectErrors === null
        ? {}
        : { split_external_local_origin_errors: true, consecutive_local_origin_failure: { value: od.consecutiveConnectErrors } }),
      interval: duration(od.intervalMs),
      base_ejection_time: duration(od.baseEjectionTimeMs),
      max_ejection_percent: { value: Math.round(od.maxEjectionPercent) },
      // Plexus ejects on consecutive errors only; gRPC clients would otherwise apply success-rate ejection by default.
      enforcing_success_rate: { value: 0 },
    };
  }
  return cluster;
}

// ------------------------------------------------------------------------------- ClusterLoadAssignment

export interface ClientLocality {
  region: string;
  zone: string;
}

function matches(labels: Record<string, string>, subset: Subset): boolean {
  for (const [k, v] of Object.entries(subset)) if (labels[k] !== v) return false;
  return true;
}

/**
 * Endpoints of one subset grouped by (cluster, zone) into localities. With locality failover
 * and a client locality, priority 0 is the client's zone, then the rest of its cluster, then other
 * clusters (ranks compacted, since priorities must be contiguous); otherwise all are priority 0.
 */
export function buildClusterLoadAssignment(name: string, subset: Subset, service: ServiceBody, endpoints: EndpointsBody, client: ClientLocality | undefined): Obj {
  const groups = new Map<string, { region: string; zone: string; eps: EndpointsBody['endpoints'] }>();
  for (const e of endpoints.endpoints) {
    if (e.weight === 0 || !matches(e.labels, subset)) continue;
    const key = `${e.cluster}\u0000${e.zone}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { region: e.cluster, zone: e.zone, eps: [] }));
    g.eps.push(e);
  }
  const failover = service.resilience.localityFailover && client !== undefined && client.zone !== '';
  const rank = (g: { region: string; zone: string }): number => {
    if (!failover) return 0;
    const sameCluster = client.region === '' || client.region === g.region;
    if (sameCluster && g.zone === client.zone) return 0;
    return sameCluster ? 1 : 2;
  };
  const ranks = [...new Set([...groups.values()].map(rank))].sort();
  const localities = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({
      locality: { region: g.region, zone: g.zone },
      lb_endpoints: g.eps.map((e) => ({
        endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
        health_status: 'HEALTHY',
        load_balancing_weight: { value: e.weight },
        metadata: { filter_metadata: { plexus: { fields: { instance: { string_value: e.id } } } } },
      })),
      load_balancing_weight: { value: g.eps.reduce((s, e) => s + e.weight, 0) },
      priority: ranks.indexOf(rank(g)),
    }));
  return { cluster_name: name, endpoints: localities };
}
