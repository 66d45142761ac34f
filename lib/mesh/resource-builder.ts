// Policies + instances → resource bodies (lib/mesh/resources.ts). The one place that knows both
// the policy document shapes (lib/policy) and the body shapes proxies read.
//
// A resource exists for every known service (one with an instance record, or targeted by a
// policy of a `service` kind): its Service, Endpoints and Inbound. Which policies feed which
// resource type comes from the kind table (lib/policy/kinds.ts): every such policy is listed
// in the body's `sources`; what each kind contributes to the body's content is coded here.
import { isServing } from '../model/instance.js';
import {
  MESH_POLICY_NAME,
  MESH_POLICY_NAMESPACE,
  meshSpecSchema,
  policyKindSpec,
  policyKindSpecs,
  resilienceSpecSchema,
  type AccessPolicy,
  type MeshSpec,
  type Policy,
  type ResilienceSpec,
  type Retries,
  type RouteRule as PolicyRouteRule,
} from '../policy/index.js';
import type { MeshView, ViewChange } from './mesh-view.js';
import type { ResourceBuilder } from './resource-cache.js';
import {
  parseResourceName,
  type AccessRule,
  type Endpoint,
  type EndpointsBody,
  type HeaderEdits,
  type InboundBody,
  type PolicyRef,
  type ResourceBodies,
  type ResourceType,
  type RetryPolicy,
  type RouteRule,
  type ServiceBody,
  type StringMatch,
} from './resources.js';

const DEFAULT_MESH: MeshSpec = meshSpecSchema.parse({});
const DEFAULT_RESILIENCE: ResilienceSpec = resilienceSpecSchema.parse({});

type View = MeshView<Policy>;

export const meshResourceBuilder: ResourceBuilder<Policy> = {
  build<T extends ResourceType>(type: T, name: string, view: View): ResourceBodies[T] | undefined {
    if (!view.isKnown(name)) return undefined;
    switch (type) {
      case 'Service':
        return buildService(name, view) as ResourceBodies[T];
      case 'Endpoints':
        return buildEndpoints(name, view) as ResourceBodies[T];
      case 'Inbound':
        return buildInbound(name, view) as ResourceBodies[T];
      default:
        return undefined;
    }
  },

  affected(change: ViewChange<Policy>) {
    const out: Array<{ type: ResourceType; name: string }> = [];
    const all = (name: string): void => {
      out.push({ type: 'Service', name }, { type: 'Endpoints', name }, { type: 'Inbound', name });
    };
    // A key appearing or disappearing can make a service known or unknown (all three types).
    const existence = change.before === undefined || change.after === undefined;
    if (change.type === 'instance' || change.type === 'import') {
      if (existence) all(change.service);
      else out.push({ type: 'Endpoints', name: change.service });
      return out;
    }
    const spec = policyKindSpec(change.kind);
    if (!spec) return out;
    // A mesh-wide policy: every resource of the types it feeds (a Mesh change leaves Endpoints be).
    if (spec.target === 'mesh') return { all: spec.feeds };
    const targets = new Set<string>();
    for (const p of [change.before, change.after]) if (p?.target) targets.add(p.target);
    for (const t of targets) {
      if (existence || change.before?.target !== change.after?.target) all(t);
      else for (const type of spec.feeds) out.push({ type, name: t });
    }
    return out;
  },
};

function meshSpec(view: View): MeshSpec {
  const mesh = view.policiesFor('Mesh', undefined).find((p) => p.namespace === MESH_POLICY_NAMESPACE && p.name === MESH_POLICY_NAME);
  return mesh?.value.kind === 'Mesh' ? mesh.value.spec : DEFAULT_MESH;
}

/**
 * The policies that feed resource `type` of service `name`, in kind-table order: those of
 * `service` kinds that target it, then those of `mesh` kinds.
 */
function sourcesOf(view: View, type: ResourceType, name: string): PolicyRef[] {
  const out: PolicyRef[] = [];
  for (const spec of policyKindSpecs()) {
    if (!spec.feeds.includes(type)) continue;
    for (const p of view.policiesFor(spec.kind, spec.target === 'mesh' ? undefined : name)) out.push({ kind: p.kind, namespace: p.namespace, name: p.name });
  }
  return out;
}

function one<K extends Policy['kind']>(view: View, kind: K, service: string): Extract<Policy, { kind: K }> | undefined {
  // At most one per service: the store key is `<kind>/<namespace>/<service>`.
  const p = view.policiesFor(kind, service)[0];
  return p && p.value.kind === kind ? (p.value as Extract<Policy, { kind: K }>) : undefined;
}

// ------------------------------------------------------------------------------- Service

export function buildService(name: string, view: View): ServiceBody {
  const { namespace, service } = parseResourceName(name);
  const mesh = meshSpec(view);
  const route = one(view, 'Route', name);
  const resilience = one(view, 'Resilience', name);
  const spec = resilience?.spec ?? DEFAULT_RESILIENCE;
  return {
    name,
    namespace,
    service,
    routes: (route?.spec.rules ?? []).map((r) => toRouteRule(r, route?.spec.subsetFallback ?? true)),
    timeoutMs: mesh.defaultTimeout,
    retries: toRetry(mesh.defaultRetries),
    resilience: {
      loadBalancer: { policy: spec.loadBalancer.policy, hashHeader: spec.loadBalancer.hashHeader ?? null },
      limits: spec.circuitBreaker
        ? {
            maxConnections: spec.circuitBreaker.maxConnections,
            maxPendingRequests: spec.circuitBreaker.maxPendingRequests,
            maxRequests: spec.circuitBreaker.maxRequests,
            maxRetries: spec.circuitBreaker.maxRetries,
          }
        : { maxConnections: null, maxPendingRequests: null, maxRequests: null, maxRetries: null },
      outlierDetection: spec.outlierDetection
        ? {
            consecutive5xx: spec.outlierDetection.consecutive5xx,
            consecutiveConnectErrors: spec.outlierDetection.consecutiveConnectErrors,
            intervalMs: spec.outlierDetection.interval,
            baseEjectionTimeMs: spec.outlierDetection.baseEjectionTime,
            maxEjectionPercent: spec.outlierDetection.maxEjectionPercent,
          }
        : null,
      panicThresholdPercent: spec.panicThreshold,
      localityFailover: spec.localityFailover,
    },
    sources: sourcesOf(view, 'Service', name),
  };
}

function toRetry(r: Retries): RetryPolicy {
  return {
    attempts: r.attempts,
    perTryTimeoutMs: r.perTryTimeout ?? null,
    retryOn: [...r.retryOn],
    backoff: { baseMs: r.backoff.baseInterval, maxMs: r.backoff.maxInterval },
  };
}

function toStringMatch(m: { exact?: string; prefix?: string; regex?: string }): StringMatch {
  if (m.exact !== undefined) return { type: 'exact', value: m.exact };
  if (m.prefix !== undefined) return { type: 'prefix', value: m.prefix };
  return { type: 'regex', value: m.regex ?? '' };
}

function toEdits(ops: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined): HeaderEdits {
  return { set: { ...ops?.set }, add: { ...ops?.add }, remove: [...(ops?.remove ?? [])] };
}

function toRouteRule(rule: PolicyRouteRule, subsetFallback: boolean): RouteRule {
  const headers = (rule.match?.headers ?? []).map((h) => {
    if (h.present !== undefined) return { name: h.name, type: h.present ? ('present' as const) : ('absent' as const) };
    const m = toStringMatch(h);
    return { name: h.name, type: m.type, value: m.value };
  });
  return {
    name: rule.name ?? '',
    match: {
      path: rule.match?.path ? toStringMatch(rule.match.path) : null,
      methods: [...(rule.match?.methods ?? [])],
      headers,
    },
    destinations: rule.destinations.map((d) => ({ subset: { ...d.subset }, weight: d.weight })),
    timeoutMs: rule.timeout ?? null,
    retries: rule.retries ? toRetry(rule.retries) : null,
    fault: rule.fault
      ? {
          delay: rule.fault.delay ? { durationMs: rule.fault.delay.fixedDelay, percent: rule.fault.delay.percent } : null,
          abort: rule.fault.abort ? { httpStatus: rule.fault.abort.httpStatus, percent: rule.fault.abort.percent } : null,
        }
      : null,
    headers: rule.headers ? { request: toEdits(rule.headers.request), response: toEdits(rule.headers.response) } : null,
    mirror: rule.mirror ? { subset: { ...rule.mirror.subset }, percent: rule.mirror.percent } : null,
    // Only when off: bodies (and their versions) of Routes that keep the default are unchanged.
    ...(subsetFallback ? {} : { subsetFallback: false as const }),
  };
}

// ------------------------------------------------------------------------------- Endpoints

export function buildEndpoints(name: string, view: View): EndpointsBody {
  const { namespace, service } = parseResourceName(name);
  const endpoints: Endpoint[] = [];
  for (const r of view.instancesOf(name).values()) {
    if (!isServing(r)) continue;
    endpoints.push({
      id: r.id,
      address: r.address,
      port: r.port,
      protocol: r.protocol,
      zone: r.zone,
      cluster: r.cluster,
      weight: Math.min(1000, r.weight),
      labels: { ...r.labels },
      // Local endpoints leave `priority` out (0): single-cluster bodies, and their versions, stay
      // what they were, and a proxy that predates the field keeps accepting them.
      ...(view.isUnconfirmed(name, r.id) ? { unconfirmed: true as const } : {}),
    });
  }
  // Remote endpoints (federation imports): reached through the exporter's east-west gateway when
  // it published one (else at their own address), ranked after the local cluster by priority.
  for (const imported of view.importsOf(name).values()) {
    for (const r of imported.instances) {
      endpoints.push({
        id: `${imported.peer}/${r.id}`,
        address: r.address,
        port: r.port,
        protocol: r.protocol,
        zone: r.zone,
        cluster: r.cluster,
        weight: r.weight,
        labels: { ...r.labels },
        priority: imported.priority,
        ...(imported.stale ? { stale: true as const } : {}),
        ...(r.gateway ? { gateway: { address: r.gateway.address, port: r.gateway.port } } : {}),
      });
    }
  }
  endpoints.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { name, namespace, service, endpoints };
}

// ------------------------------------------------------------------------------- Inbound

export function buildInbound(name: string, view: View): InboundBody {
  const { namespace, service } = parseResourceName(name);
  const mesh = meshSpec(view);
  const access = one(view, 'Access', name);
  return {
    name,
    namespace,
    service,
    defaultAction: access?.spec.defaultAction ?? mesh.defaultAccess,
    rules: (access?.spec.rules ?? []).map((r) => toAccessRule(r, mesh.accessIgnoreCase)),
    mtlsMode: access?.spec.mtls?.mode ?? mesh.mtls.mode,
    sources: sourcesOf(view, 'Inbound', name),
  };
}

function toAccessRule(rule: AccessPolicy['spec']['rules'][number], ignoreCase: boolean | undefined): AccessRule {
  const patterns = rule.to?.paths ?? [];
  // `*` anywhere in the list means any path: an empty list.
  const paths: StringMatch[] = patterns.includes('*')
    ? []
    : patterns.map((p) => (p.endsWith('*') ? { type: 'prefix', value: p.slice(0, -1) } : { type: 'exact', value: p }));
  // Sent only where it differs from the proxy's own default (deny rules ignore case, allow rules
  // do not), so Inbound versions stay the same for policies that never set it.
  const effective = rule.ignoreCase ?? ignoreCase ?? rule.action === 'deny';
  return {
    action: rule.action,
    from: [...rule.from],
    paths,
    methods: [...(rule.to?.methods ?? [])],
    ...(effective === (rule.action === 'deny') ? {} : { ignoreCase: effective }),
  };
}
