// One destination service as the outbound side sees it (Envoy's "cluster"): its hosts from the
// Endpoints resource, its resilience config from the Service resource, and the live machinery
// built from both — host selection and load balancing, circuit breaker, outlier detector and
// connection pool. Updates keep host state (active requests, ejections) for unchanged hosts.
import type { Endpoint, Resilience } from '../../lib/mesh/resources.js';
import type { Dialer } from '../security/mesh-tls.js';
import type { ProxyMetrics } from '../telemetry/metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConnectionPool } from './connection-pool.js';
import { Host } from './host.js';
import { HostSelector } from './host-selector.js';
import type { PickContext } from './load-balancer.js';
import { OutlierDetector, type HostResult } from './outlier-detector.js';

/** Used until a Service resource names something else (Envoy-like defaults). */
export const DEFAULT_RESILIENCE: Resilience = {
  loadBalancer: { policy: 'round_robin', hashHeader: null },
  limits: { maxConnections: null, maxPendingRequests: null, maxRequests: null, maxRetries: null },
  outlierDetection: null,
  panicThresholdPercent: 50,
  localityFailover: true,
};

export interface Locality {
  zone: string;
  cluster: string;
  /** A locality tier keeps all its traffic while this percentage of its hosts is healthy; default 71 (Envoy's 1.4 overprovisioning). */
  failoverThresholdPercent?: number;
  /** Use only hosts of this cluster, never through a gateway (the east-west gateway). */
  localOnly?: boolean;
}

export const DEFAULT_FAILOVER_THRESHOLD_PERCENT = 71;

export class Cluster {
  hosts: Host[] = [];
  /** Whether an Endpoints resource has been received (empty is different from unknown). */
  hasEndpoints = false;
  resilience: Resilience;
  readonly breaker: CircuitBreaker;
  readonly outlier: OutlierDetector;
  readonly pool: ConnectionPool;
  readonly selector: HostSelector;
  private readonly hashHeader: { name: string | null } = { name: null };

  constructor(
    readonly name: string,
    private readonly locality: Locality,
    private readonly metrics: ProxyMetrics,
    resilience: Resilience = DEFAULT_RESILIENCE,
    dialer?: Dialer,
  ) {
    this.resilience = resilience;
    this.hashHeader.name = resilience.loadBalancer.hashHeader;
    this.pool = new ConnectionPool(resilience.limits.maxConnections, dialer);
    this.selector = new HostSelector(this.selectorConfig(resilience), () => this.hosts);
    this.breaker = new CircuitBreaker(resilience.limits, {
      onOverflow: (limit) => metrics.overflows.inc({ destination: name, limit }),
      onStateChange: (limit, open) => metrics.circuitOpen.set({ destination: name, limit }, open ? 1 : 0),
    });
    this.outlier = new OutlierDetector(resilience.outlierDetection, () => this.hosts, {
      onChange: () => {
        this.selector.invalidate();
        metrics.ejectedHosts.set({ destination: name }, this.hosts.filter((h) => h.ejected).length);
      },
      onEject: () => metrics.ejections.inc({ destination: name }),
      onReturn: () => undefined,
    });
  }

  private selectorConfig(r: Resilience) {
    return {
      policy: r.loadBalancer.policy,
      panicThresholdPercent: r.panicThresholdPercent,
      localityFailover: r.localityFailover,
      localZone: this.locality.zone,
      localCluster: this.locality.cluster,
      failoverThresholdPercent: this.locality.failoverThresholdPercent ?? DEFAULT_FAILOVER_THRESHOLD_PERCENT,
      localOnly: this.locality.localOnly === true,
    };
  }

  get hashHeaderName(): string | null {
    return this.hashHeader.name;
  }

  setResilience(r: Resilience): void {
    this.resilience = r;
    this.hashHeader.name = r.loadBalancer.hashHeader;
    this.breaker.reconfigure(r.limits);
    this.pool.setMaxConnections(r.limits.maxConnections);
    this.outlier.reconfigure(r.outlierDetection);
    this.selector.reconfigure(this.selectorConfig(r));
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    const previous = new Map(this.hosts.map((h) => [h.id, h]));
    const next = endpoints.map((ep) => this.hostFor(ep, previous.get(ep.id)));
    this.hosts = next;
    this.hasEndpoints = true;
    this.pool.retain(new Set(next.map((h) => h.key)));
    this.selector.invalidate();
    this.metrics.ejectedHosts.set({ destination: this.name }, next.filter((h) => h.ejected).length);
  }

  /**
   * A change to some endpoints (an Endpoints delta): the others keep their Host objects, with
   * their connections and outlier state, and nothing is decoded again.
   */
  updateEndpoints(upserted: readonly Endpoint[], removedIds: readonly string[]): void {
    const changed = new Map(upserted.map((ep) => [ep.id, ep]));
    const gone = new Set(removedIds);
    const next: Host[] = [];
    for (const h of this.hosts) {
      if (gone.has(h.id)) continue;
      const ep = changed.get(h.id);
      if (!ep) next.push(h);
      else {
        changed.delete(h.id);
        next.push(this.hostFor(ep, h));
      }
    }
    for (const ep of changed.values()) next.push(this.hostFor(ep, undefined));
    // Same order as setEndpoints (the body's, by id).
    if (changed.size > 0) next.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.hosts = next;
    this.hasEndpoints = true;
    if (gone.size > 0 || upserted.length > 0) this.pool.retain(new Set(next.map((h) => h.key)));
    this.selector.invalidate();
    this.metrics.ejectedHosts.set({ destination: this.name }, next.filter((h) => h.ejected).length);
  }

  /**
   * The Host for `ep`: the previous one updated in place when it is the same instance (it keeps
   * its connections and outlier state), else a new one. Both the whole-body and the delta path
   * build hosts here, so a host behind an east-west gateway always names the service.
   */
  private hostFor(ep: Endpoint, previous: Host | undefined): Host {
    if (previous && previous.sameAs(ep)) {
      previous.update(ep);
      return previous;
    }
    return new Host(ep, this.gatewayAuthority());
  }

  /** `<service>.<namespace>` of this destination: what a host behind an east-west gateway sends. */
  private gatewayAuthority(): string {
    const [namespace, service] = this.name.split('/');
    return `${service}.${namespace}`;
  }

  clearEndpoints(): void {
    this.setEndpoints([]);
    this.hasEndpoints = false;
  }

  pick(subsetKey: string, subset: Record<string, string>, ctx: PickContext): Host | undefined {
    return this.selector.pick(subsetKey, subset, ctx);
  }

  /** The subset has an endpoint that is not ejected (route-table's subset fallback asks). */
  hasHealthy(subsetKey: string, subset: Record<string, string>): boolean {
    return this.selector.hasHealthy(subsetKey, subset);
  }

  report(host: Host, result: HostResult): void {
    this.outlier.report(host, result);
  }

  describe(): Record<string, unknown> {
    return {
      name: this.name,
      loadBalancer: this.resilience.loadBalancer.policy,
      activeRequests: this.breaker.active,
      activeRetries: this.breaker.activeRetries,
      openConnections: this.pool.openConnections(),
      circuits: {
        maxRequests: this.breaker.isOpen('maxRequests') ? 'open' : 'closed',
        maxPendingRequests: this.breaker.isOpen('maxPendingRequests') ? 'open' : 'closed',
        maxRetries: this.breaker.isOpen('maxRetries') ? 'open' : 'closed',
      },
      panic: this.selector.describe('', {}).panic,
      tiers: this.selector.describe('', {}).tiers,
      hosts: this.hosts.map((h) => h.toJSON()),
    };
  }

  close(): void {
    this.outlier.close();
    this.pool.close();
  }
}
