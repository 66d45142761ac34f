// The proxy's view of the mesh, built from discovery responses: per destination service its
// route table (Service) and hosts (Endpoints), and this proxy's access policy and mTLS mode
// (Inbound). Callers are identified by their mTLS certificates, not by their addresses, so a
// proxy follows only the services it calls (on demand or listed as dependencies), never every
// service's Endpoints. A response is applied all-or-nothing: every resource is decoded, validated and
// compiled first; if any fails, apply() throws (the stream NACKs) and nothing changes.
import type { Logger } from 'pino';
import { isPlexusError, ValidationError, type FieldViolation } from '../../lib/errors.js';
import {
  decodeResource,
  type EndpointsBody,
  type InboundBody,
  type ResourceType,
  type ServiceBody,
} from '../../lib/mesh/resources.js';
import { compileAccessPolicy, DENY_UNTIL_CONFIGURED, type AccessEvaluator } from '../access/access-policy.js';
import type { MtlsMode } from '../../lib/policy/index.js';
import type { OutboundLookup, ServiceRouting } from '../http/outbound-handler.js';
import { compileRouteTable, defaultRoute, type RouteTable } from '../routing/route-table.js';
import type { Dialer } from '../security/mesh-tls.js';
import type { ProxyMetrics } from '../telemetry/metrics.js';
import { Cluster, DEFAULT_RESILIENCE, type Locality } from '../upstream/cluster.js';
import { stageEndpointsDelta } from './endpoints-update.js';

export interface RawResource {
  name: string;
  version: string;
  body: Uint8Array;
  /** An Endpoints delta (endpoints-update.ts): the version it applies to, and the change. */
  baseVersion?: string;
  delta?: Uint8Array;
}

export interface SubscriptionSink {
  subscribe(type: ResourceType, names: string[]): void;
  unsubscribe(type: ResourceType, names: string[]): void;
}

export interface MeshConfigOptions {
  /** `<namespace>/<service>` of this proxy. */
  identity: string;
  locality: Locality;
  metrics: ProxyMetrics;
  logger: Logger;
  /** How long an on-demand lookup waits for the control plane. */
  onDemandTimeoutMs: number;
  /** Names subscribed at once (see `subscribed`); default 1000. */
  maxOnDemandServices?: number;
  /** How connections to a destination service's endpoints are opened (default: plain TCP). */
  dialerFor?: (service: string) => Dialer;
}

interface ServiceEntry {
  name: string;
  service: { version: string; body: ServiceBody; table: RouteTable } | undefined;
  serviceSettled: boolean;
  endpoints: { version: string; body: EndpointsBody } | undefined;
  endpointsSettled: boolean;
  /** Explicitly subscribed (Service and Endpoints) by name. */
  subscribed: boolean;
  cluster: Cluster | undefined;
  waiters: Array<() => void>;
}

function defaultTable(name: string): RouteTable {
  return { service: name, version: '', routes: [], fallback: defaultRoute(null, null) };
}

export class MeshConfig implements OutboundLookup {
  private readonly entries = new Map<string, ServiceEntry>();
  private inbound: { version: string; body: InboundBody; evaluate: AccessEvaluator } | undefined;
  /** Types whose first response has been applied. */
  private readonly answered = new Set<ResourceType>();
  readonly lastNack = new Map<ResourceType, { at: string; message: string }>();
  private sink: SubscriptionSink | undefined;
  /**
   * Subscribed names, least recently used first. At most maxOnDemandServices: a stream past the
   * control plane's limit would fail for good, so a flood of unknown host names must not grow it.
   */
  private readonly subscribed = new Map<string, ServiceEntry>();
  /** New names refused at the bound (no subscription made). */
  onDemandRefused = 0;
  /** Applies Endpoints deltas (the discovery client announces the capability). */
  readonly endpointDeltas = true;

  constructor(private readonly opts: MeshConfigOptions) {}

  /** Where on-demand subscriptions go (the discovery stream). */
  setSubscriptionSink(sink: SubscriptionSink): void {
    this.sink = sink;
  }

  // ---- what the discovery stream asks ----

  /** Names to subscribe to on (re)connect, per type. */
  subscriptions(): Record<ResourceType, string[]> {
    const named = [...this.subscribed.keys()];
    return {
      Inbound: [this.opts.identity],
      Service: named,
      Endpoints: named,
    };
  }

  /** What this proxy holds, per type (initial_versions on resume). */
  held(type: ResourceType): Record<string, string> {
    const out: Record<string, string> = {};
    if (type === 'Inbound') {
      if (this.inbound) out[this.opts.identity] = this.inbound.version;
      return out;
    }
    for (const e of this.entries.values()) {
      const v = type === 'Service' ? e.service?.version : e.endpoints?.version;
      if (v !== undefined) out[e.name] = v;
    }
    return out;
  }

  /** Apply one response; throws ValidationError (the reason for the NACK) and changes nothing. */
  apply(type: ResourceType, resources: readonly RawResource[], removed: readonly string[]): void {
    const violations: FieldViolation[] = [];
    const staged: Array<() => void> = [];
    resources.forEach((r, i) => {
      try {
        staged.push(this.stage(type, r));
      } catch (err) {
        // Not holding a delta's base is not a bad resource: the server resends it whole.
        if (isPlexusError(err, 'FAILED_PRECONDITION')) throw err;
        if (err instanceof ValidationError) {
          for (const v of err.violations) violations.push({ path: `resources[${i}](${r.name}).${v.path}`, message: v.message });
        } else violations.push({ path: `resources[${i}](${r.name})`, message: (err as Error).message });
      }
    });
    if (violations.length > 0) {
      const err = new ValidationError(violations);
      this.lastNack.set(type, { at: new Date().toISOString(), message: err.message });
      this.opts.metrics.configUpdates.inc({ type, result: 'nack' });
      throw err;
    }
    for (const commit of staged) commit();
    for (const name of removed) this.remove(type, name);
    this.answered.add(type);
    this.opts.metrics.configUpdates.inc({ type, result: 'ack' });
    this.wakeWaiters();
  }

  private stage(type: ResourceType, r: RawResource): () => void {
    switch (type) {
      case 'Service': {
        const body = decodeResource('Service', r.body);
        this.checkName(r.name, body.name);
        const table = compileRouteTable(body, r.version);
        return () => {
          const e = this.entry(body.name);
          e.service = { version: r.version, body, table };
          e.serviceSettled = true;
          e.cluster?.setResilience(body.resilience);
          this.opts.metrics.setConfigVersion('Service', body.name, r.version);
        };
      }
      case 'Endpoints': {
        if (r.delta && r.baseVersion !== undefined) {
          const applied = stageEndpointsDelta(this.entries.get(r.name)?.endpoints, { name: r.name, version: r.version, baseVersion: r.baseVersion, delta: r.delta });
          return () => {
            const e = this.entry(r.name);
            e.endpoints = { version: r.version, body: applied.body };
            e.endpointsSettled = true;
            e.cluster?.updateEndpoints(applied.upserted, applied.removed.map((ep) => ep.id));
            this.opts.metrics.setConfigVersion('Endpoints', r.name, r.version);
          };
        }
        const body = decodeResource('Endpoints', r.body);
        this.checkName(r.name, body.name);
        return () => {
          const e = this.entry(body.name);
          e.endpoints = { version: r.version, body };
          e.endpointsSettled = true;
          e.cluster?.setEndpoints(body.endpoints);
          this.opts.metrics.setConfigVersion('Endpoints', body.name, r.version);
        };
      }
      case 'Inbound': {
        const body = decodeResource('Inbound', r.body);
        this.checkName(r.name, body.name);
        if (body.name !== this.opts.identity) {
          throw new ValidationError([{ path: 'name', message: `Inbound for ${body.name}, but this proxy is ${this.opts.identity}` }]);
        }
        const evaluate = compileAccessPolicy(body);
        return () => {
          this.inbound = { version: r.version, body, evaluate };
          this.opts.metrics.setConfigVersion('Inbound', body.name, r.version);
        };
      }
    }
  }

  private checkName(resourceName: string, bodyName: string): void {
    if (resourceName !== bodyName) {
      throw new ValidationError([{ path: 'name', message: `resource name ${resourceName} differs from body name ${bodyName}` }]);
    }
  }

  private remove(type: ResourceType, name: string): void {
    if (type === 'Inbound') {
      // Our own service unknown to the control plane (not yet, or no longer): keep what we have.
      return;
    }
    const e = this.entries.get(name);
    // A late answer for a name dropped from the subscriptions: nothing waits for it.
    if (!e) return;
    if (type === 'Service') {
      e.service = undefined;
      e.serviceSettled = true;
      e.cluster?.setResilience(DEFAULT_RESILIENCE);
    } else {
      e.endpoints = undefined;
      e.endpointsSettled = true;
      e.cluster?.clearEndpoints();
    }
    this.opts.metrics.setConfigVersion(type, name, undefined);
  }

  private entry(name: string): ServiceEntry {
    let e = this.entries.get(name);
    if (!e) {
      e = {
        name,
        service: undefined,
        serviceSettled: false,
        endpoints: undefined,
        endpointsSettled: false,
        subscribed: false,
        cluster: undefined,
        waiters: [],
      };
      this.entries.set(name, e);
    }
    return e;
  }

  private wakeWaiters(): void {
    for (const e of this.entries.values()) {
      if (e.waiters.length > 0 && e.serviceSettled && e.endpointsSettled) {
        const ws = e.waiters;
        e.waiters = [];
        for (const w of ws) w();
      }
    }
  }

  // ---- what the listeners ask ----

  get(name: string): ServiceRouting | undefined {
    const e = this.entries.get(name);
    if (!e || !e.endpoints || !e.serviceSettled) return undefined;
    if (e.subscribed) this.touch(e);
    return this.routing(e);
  }

  private touch(e: ServiceEntry): void {
    this.subscribed.delete(e.name);
    this.subscribed.set(e.name, e);
  }

  /**
   * Make room for one more subscription: drop the least recently used name the control plane
   * said does not exist (no Service, no Endpoints, nobody waiting). Known services are kept.
   */
  private makeRoom(): boolean {
    const max = this.opts.maxOnDemandServices ?? 1000;
    if (this.subscribed.size < max) return true;
    for (const e of this.subscribed.values()) {
      if (e.service || e.endpoints || e.waiters.length > 0 || !e.serviceSettled || !e.endpointsSettled) continue;
      this.subscribed.delete(e.name);
      e.subscribed = false;
      if (!e.cluster) this.entries.delete(e.name);
      this.sink?.unsubscribe('Service', [e.name]);
      this.sink?.unsubscribe('Endpoints', [e.name]);
      return true;
    }
    return false;
  }

  private routing(e: ServiceEntry): ServiceRouting | undefined {
    if (!e.endpoints) return undefined;
    if (!e.cluster) {
      e.cluster = new Cluster(e.name, this.opts.locality, this.opts.metrics, e.service?.body.resilience ?? DEFAULT_RESILIENCE, this.opts.dialerFor?.(e.name));
      e.cluster.setEndpoints(e.endpoints.body.endpoints);
    }
    const table = e.service?.table ?? defaultTable(e.name);
    const cluster = e.cluster;
    // Subset fallback asks the cluster which subsets have a healthy endpoint.
    if (table.cluster !== cluster) {
      table.cluster = cluster;
      table.available = (d) => cluster.hasHealthy(d.key, d.subset);
    }
    return { table, cluster };
  }

  resolve(name: string): Promise<ServiceRouting | undefined> {
    const known = this.entries.get(name);
    if (!known?.subscribed && !this.makeRoom()) {
      this.onDemandRefused++;
      this.opts.logger.debug({ service: name, max: this.opts.maxOnDemandServices ?? 1000 }, 'on-demand subscription limit reached');
      return Promise.resolve(known ? this.routing(known) : undefined);
    }
    const e = known ?? this.entry(name);
    this.touch(e);
    if (!e.subscribed) {
      e.subscribed = true;
      e.serviceSettled = e.service !== undefined;
      this.sink?.subscribe('Service', [name]);
      this.sink?.subscribe('Endpoints', [name]);
    }
    if (e.serviceSettled && e.endpointsSettled) return Promise.resolve(this.routing(e));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // The control plane did not answer in time (it may be down): use what is known, and
        // stop making later requests wait for the same answer.
        e.serviceSettled = true;
        e.endpointsSettled = true;
        e.waiters = e.waiters.filter((w) => w !== done);
        resolve(this.routing(e));
      }, this.opts.onDemandTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(this.routing(e));
      };
      e.waiters.push(done);
    });
  }

  /** The access policy of this proxy's service (deny-all until the first Inbound arrives). */
  access(): AccessEvaluator {
    return this.inbound?.evaluate ?? DENY_UNTIL_CONFIGURED;
  }

  /** The inbound mTLS mode (STRICT until the first Inbound says otherwise). */
  mtlsMode(): MtlsMode {
    return this.inbound?.body.mtlsMode ?? 'STRICT';
  }

  /** Ready to serve: the own Inbound policy is known and every subscribed type has answered. */
  readiness(): string | undefined {
    if (!this.inbound) return 'no Inbound policy received yet';
    const subs = this.subscriptions();
    for (const type of ['Service', 'Endpoints'] as const) {
      if (subs[type].length > 0 && !this.answered.has(type)) return `no ${type} response received yet`;
    }
    return undefined;
  }

  /** Eagerly subscribe to services the app is known to call. */
  prefetch(names: readonly string[]): void {
    for (const n of names) void this.resolve(n);
  }

  // ---- admin ----

  dump(): Record<string, unknown> {
    const services: Record<string, unknown> = {};
    for (const e of [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.service && !e.endpoints && !e.subscribed) continue;
      services[e.name] = {
        subscribed: e.subscribed,
        service: e.service ? { version: e.service.version, body: e.service.body } : null,
        endpoints: e.endpoints ? { version: e.endpoints.version, body: e.endpoints.body } : null,
      };
    }
    return {
      identity: this.opts.identity,
      inbound: this.inbound ? { version: this.inbound.version, body: this.inbound.body } : null,
      services,
      lastNack: Object.fromEntries(this.lastNack),
      onDemand: { subscribed: this.subscribed.size, max: this.opts.maxOnDemandServices ?? 1000, refused: this.onDemandRefused },
      mtlsMode: this.mtlsMode(),
    };
  }

  clusters(): Cluster[] {
    const out: Cluster[] = [];
    for (const e of this.entries.values()) if (e.cluster) out.push(e.cluster);
    return out;
  }

  close(): void {
    for (const e of this.entries.values()) {
      e.cluster?.close();
      for (const w of e.waiters) w();
      e.waiters = [];
    }
  }
}
