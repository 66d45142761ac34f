// Resource bodies with defaults, applied to a proxy's MeshConfig in the encoded form config-push
// sends. Apart from fixtures.ts (which adds test CAs and TLS helpers) so that a process that only
// needs these (the data-plane bench's proxies) loads nothing beyond the proxy's own modules.
import {
  encodeResource,
  type Endpoint,
  type EndpointsBody,
  type InboundBody,
  type ResourceBodies,
  type ResourceType,
  type Resilience,
  type RouteRule,
  type ServiceBody,
} from '../../lib/mesh/resources.js';
import type { MeshConfig } from '../../proxy/config/mesh-config.js';
import { DEFAULT_RESILIENCE } from '../../proxy/upstream/cluster.js';

export function split(name: string): { namespace: string; service: string } {
  const [namespace = '', service = ''] = name.split('/');
  return { namespace, service };
}

export function serviceBody(
  name: string,
  over: { routes?: RouteRule[]; timeoutMs?: number | null; retries?: ServiceBody['retries']; resilience?: Partial<Resilience> } = {},
): ServiceBody {
  return {
    name,
    ...split(name),
    routes: over.routes ?? [],
    timeoutMs: over.timeoutMs ?? null,
    retries: over.retries ?? null,
    resilience: { ...DEFAULT_RESILIENCE, ...over.resilience },
    sources: [],
  };
}

export function rule(over: Partial<RouteRule> & Pick<RouteRule, 'destinations'>): RouteRule {
  return {
    name: '',
    match: { path: null, methods: [], headers: [] },
    timeoutMs: null,
    retries: null,
    fault: null,
    headers: null,
    mirror: null,
    ...over,
  };
}

export function endpoint(id: string, port: number, over: Partial<Endpoint> = {}): Endpoint {
  return { id, address: '127.0.0.1', port, protocol: 'http1', zone: 'local', cluster: 'local', weight: 100, labels: {}, ...over };
}

export function endpointsBody(name: string, endpoints: Endpoint[]): EndpointsBody {
  return { name, ...split(name), endpoints };
}

export function inboundBody(name: string, defaultAction: 'allow' | 'deny', rules: InboundBody['rules'] = []): InboundBody {
  return { name, ...split(name), defaultAction, rules, mtlsMode: 'PERMISSIVE', sources: [] };
}

/** Apply one resource the way a discovery response would (encoded body, content version). */
export function applyResource<T extends ResourceType>(mesh: MeshConfig, type: T, body: ResourceBodies[T]): void {
  const enc = encodeResource(body);
  mesh.apply(type, [enc], []);
}
