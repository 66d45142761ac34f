// What to serve over xDS: Envoy resources derived from the resource cache's Plexus resources
// (Service, Endpoints). A second encoding of one cache, not a second cache of the mesh: each xDS
// resource is built on demand from the current Plexus bodies, remembered together with the
// Plexus versions it was built from, and rebuilt only when one of those versions changes.
// Versions are content versions of the encoded bytes, so equal content ⇔ equal version.
//
// ClusterLoadAssignments depend on the client's locality when the service asks for locality
// failover (priorities), so they are kept per client zone; everything else is shared.
import { createHash } from 'node:crypto';
import type { ResourceCache, ResourceChange } from '../../../lib/mesh/resource-cache.js';
import type { EndpointsBody, ResourceType, ServiceBody } from '../../../lib/mesh/resources.js';
import type { Policy } from '../../../lib/policy/index.js';
import type { ResourceSource } from '../delta-session.js';
import { clusterName, hostOf, parseClusterName, serviceOfHost, serviceOfListener } from './xds-names.js';
import { messageOf, TYPE_URL, xdsType, type AnyMessage, type XdsTypeUrl } from './xds-proto.js';
import { buildCluster, buildClusterLoadAssignment, buildListener, buildRouteConfiguration, subsetsOf, type ClientLocality } from './xds-translate.js';

export interface PlexusDep {
  type: ResourceType;
  name: string;
  version: string;
}

export interface XdsResource {
  name: string;
  version: string;
  /** performance.now() of the newest Plexus change it reflects. */
  changedAt: number;
  resource: AnyMessage;
  /** The Plexus resources (and versions) it was built from: rollout tracking and status. */
  deps: PlexusDep[];
}

/** Test hook: rewrite a resource before it is encoded (e.g. make it invalid to provoke a NACK). */
export type XdsMutator = (typeUrl: XdsTypeUrl, name: string, resource: Record<string, unknown>) => Record<string, unknown>;

export interface XdsChange {
  /** Plexus service id whose xDS resources may have changed. */
  service: string;
  types: XdsTypeUrl[];
}

const HISTORY = 4;

/** The Plexus service an xDS resource name is about, or undefined when the name is not one of ours. */
export function serviceOfXdsName(typeUrl: XdsTypeUrl, name: string): string | undefined {
  switch (typeUrl) {
    case TYPE_URL.Listener:
      return serviceOfListener(name);
    case TYPE_URL.RouteConfiguration:
      return serviceOfHost(name);
    default:
      return parseClusterName(name)?.service;
  }
}

/** Which xDS types a Plexus resource feeds. */
function typesFed(type: ResourceType): XdsTypeUrl[] {
  if (type === 'Service') return [TYPE_URL.Listener, TYPE_URL.RouteConfiguration, TYPE_URL.Cluster, TYPE_URL.ClusterLoadAssignment];
  if (type === 'Endpoints') return [TYPE_URL.ClusterLoadAssignment];
  return [];
}

interface Entry {
  current: XdsResource;
  /** Older versions, newest last (SotW resends what a client holds; status shows acked bodies). */
  history: XdsResource[];
}

export class XdsResources {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(changes: XdsChange[]) => void>();
  private readonly bodies = new Map<string, { version: string; body: unknown }>();
  private mutator: XdsMutator | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly cache: ResourceCache<Policy>) {
    this.unsubscribe = cache.onChanges((changes) => this.onCacheChanges(changes));
  }

  onChanges(listener: (changes: XdsChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** Install or clear the test hook; every service is reconsidered. */
  setMutator(mutator: XdsMutator | undefined): void {
    this.mutator = mutator;
    this.entries.clear();
    const changes: XdsChange[] = [];
    for (const service of this.cache.names('Service')) changes.push({ service, types: typesFed('Service') });
    for (const l of this.listeners) l(changes);
  }

  /** A source for one client's DeltaSession: its locality decides EDS priorities. */
  sourceFor(locality: ClientLocality | undefined): ResourceSource<XdsTypeUrl, XdsResource> {
    return {
      get: (type, name) => this.get(type, name, locality),
      names: (type) => this.names(type),
    };
  }

  /** Names a wildcard subscriber receives: one listener and route per service, its clusters and their assignments. */
  *names(type: XdsTypeUrl): IterableIterator<string> {
    for (const id of this.cache.names('Service')) {
      if (type === TYPE_URL.Listener || type === TYPE_URL.RouteConfiguration) {
        yield hostOf(id);
        continue;
      }
      const service = this.body<ServiceBody>('Service', id);
      if (!service) continue;
      for (const s of subsetsOf(service)) yield clusterName(id, s);
    }
  }

  /** The current resource, or undefined when the name does not exist (sent as absent). */
  get(type: XdsTypeUrl, name: string, locality?: ClientLocality): XdsResource | undefined {
    const id = serviceOfXdsName(type, name);
    if (!id) return undefined;
    const svc = this.cache.get('Service', id);
    if (!svc) return undefined;
    const service = this.body<ServiceBody>('Service', id)!;
    const deps: PlexusDep[] = [{ type: 'Service', name: id, version: svc.version }];
    let changedAt = svc.changedAt;
    let zoneKey = '';
    let endpoints: EndpointsBody | undefined;
    if (type === TYPE_URL.ClusterLoadAssignment) {
      const eps = this.cache.get('Endpoints', id);
      if (!eps) return undefined;
      endpoints = this.body<EndpointsBody>('Endpoints', id)!;
      deps.push({ type: 'Endpoints', name: id, version: eps.version });
      changedAt = Math.max(changedAt, eps.changedAt);
      if (service.resilience.localityFailover && locality) zoneKey = `${locality.region}\u0000${locality.zone}`;
    }
    const key = `${type} ${name} ${zoneKey}`;
    const entry = this.entries.get(key);
    if (entry && sameDeps(entry.current.deps, deps)) return entry.current;

    let message: Record<string, unknown>;
    switch (type) {
      case TYPE_URL.Listener:
        message = buildListener(name, service);
        break;
      case TYPE_URL.RouteConfiguration:
        message = buildRouteConfiguration(name, service);
        break;
      case TYPE_URL.Cluster:
        message = buildCluster(name, service);
        break;
      default:
        message = buildClusterLoadAssignment(name, parseClusterName(name)!.subset, service, endpoints!, zoneKey === '' ? undefined : locality);
    }
    if (this.mutator) message = this.mutator(type, name, message);
    const t = xdsType(messageOf(type));
    const value = Buffer.from(t.encode(t.fromObject(message)).finish());
    const version = createHash('sha256').update(value).digest('hex').slice(0, 16);
    if (entry && entry.current.version === version) {
      // Same content from newer Plexus versions: a client holding it holds the newer change too.
      entry.current.deps = deps;
      return entry.current;
    }
    const res: XdsResource = { name, version, changedAt, resource: { type_url: type, value }, deps };
    if (entry) {
      entry.history = [...entry.history.filter((h) => h.version !== version), entry.current].slice(-HISTORY);
      entry.current = res;
    } else {
      this.entries.set(key, { current: res, history: [] });
    }
    return res;
  }

  /** A version this replica built recently (current or history), for the client's locality. */
  version(type: XdsTypeUrl, name: string, version: string, locality?: ClientLocality): XdsResource | undefined {
    const cur = this.get(type, name, locality);
    if (cur?.version === version) return cur;
    for (const e of this.entriesOf(type, name)) {
      if (e.current.version === version) return e.current;
      const h = e.history.find((x) => x.version === version);
      if (h) return h;
    }
    return undefined;
  }

  // ------------------------------------------------------------------ internals

  private *entriesOf(type: XdsTypeUrl, name: string): IterableIterator<Entry> {
    const prefix = `${type} ${name} `;
    for (const [k, e] of this.entries) if (k.startsWith(prefix)) yield e;
  }

  /** The parsed body of a current Plexus resource, parsed once per version. */
  private body<T>(type: ResourceType, id: string): T | undefined {
    const cur = this.cache.get(type, id);
    if (!cur) return undefined;
    const key = `${type} ${id}`;
    const memo = this.bodies.get(key);
    if (memo && memo.version === cur.version) return memo.body as T;
    // Our own canonical JSON, validated when it was built: no need to re-validate here.
    const body = JSON.parse(cur.body.toString('utf8')) as T;
    this.bodies.set(key, { version: cur.version, body });
    return body;
  }

  private onCacheChanges(changes: ResourceChange[]): void {
    const byService = new Map<string, Set<XdsTypeUrl>>();
    for (const c of changes) {
      const types = typesFed(c.type);
      if (types.length === 0) continue;
      let set = byService.get(c.name);
      if (!set) byService.set(c.name, (set = new Set()));
      for (const t of types) set.add(t);
      if (!c.resource) {
        this.bodies.delete(`${c.type} ${c.name}`);
        // Gone: forget what was built from it.
        const host = hostOf(c.name);
        for (const k of [...this.entries.keys()]) {
          const name = k.slice(k.indexOf(' ') + 1);
          if (name.startsWith(host)) this.entries.delete(k);
        }
      }
    }
    if (byService.size === 0) return;
    const out: XdsChange[] = [...byService].map(([service, types]) => ({ service, types: [...types] }));
    for (const l of this.listeners) l(out);
  }
}

function sameDeps(a: PlexusDep[], b: PlexusDep[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.version !== b[i]!.version || a[i]!.type !== b[i]!.type) return false;
  return true;
}
