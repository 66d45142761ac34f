// An xDS client's protocol state expressed in Plexus resources, so ProxyStatus, ProxyConfig and
// WaitForRollout treat it like any proxy. Computed when asked (status is rare, rollouts evaluate
// at most every 20 ms): for each Plexus resource, the version the client holds is the OLDEST
// Plexus version among the xDS resources it acknowledged that were built from it (a Route change
// counts once the client acked its RouteConfiguration, Listener and Clusters as of that change).
import type { ResourceCache } from '../../../lib/mesh/resource-cache.js';
import type { ResourceType } from '../../../lib/mesh/resources.js';
import type { Policy } from '../../../lib/policy/index.js';
import { ABSENT, TypeState, type DeltaSession, type Inflight } from '../delta-session.js';
import { serviceOfXdsName, type PlexusDep, type XdsResource, type XdsResources } from './xds-resources.js';
import { XDS_TYPE_URLS, type XdsTypeUrl } from './xds-proto.js';
import type { ClientLocality } from './xds-translate.js';

const FEEDS: Record<ResourceType, XdsTypeUrl[]> = {
  Service: XDS_TYPE_URLS,
  Endpoints: XDS_TYPE_URLS.filter((t) => t.endsWith('ClusterLoadAssignment')),
  Inbound: [],
};

export class XdsPlexusView {
  constructor(
    private readonly xds: DeltaSession<XdsTypeUrl, XdsResource>,
    private readonly resources: XdsResources,
    private readonly cache: ResourceCache<Policy>,
    private readonly locality: ClientLocality | undefined,
  ) {}

  state(type: ResourceType): TypeState {
    const out = new TypeState(type);
    const acked = new Map<string, string[]>();
    for (const kind of FEEDS[type]) {
      const xs = this.xds.state(kind);
      if (!xs.started) continue;
      out.started = true;
      if (xs.wildcard) out.wildcard = true;
      if (xs.respondEmpty) out.respondEmpty = true;
      for (const name of xs.names) {
        const svc = serviceOfXdsName(kind, name);
        if (svc) out.names.add(svc);
      }
      for (const [name, version] of xs.acked) {
        for (const d of this.deps(kind, name, version, type)) {
          let list = acked.get(d.name);
          if (!list) acked.set(d.name, (list = []));
          list.push(d.version);
        }
      }
      for (const [name, version] of xs.sent) for (const d of this.deps(kind, name, version, type)) out.sent.set(d.name, d.version);
      for (const [name, version] of xs.nacked) {
        if (version === ABSENT) {
          const svc = serviceOfXdsName(kind, name);
          if (svc) out.setNacked(svc, ABSENT);
        } else for (const d of this.deps(kind, name, version, type)) out.setNacked(d.name, d.version);
      }
      for (const name of xs.dirty) {
        const svc = serviceOfXdsName(kind, name);
        if (svc) out.markDirty(svc);
      }
      for (const [nonce, f] of xs.inflight) {
        const mapped: Inflight = { nonce, resources: new Map(), removed: [], sentAt: f.sentAt, changedAt: new Map() };
        for (const [name, version] of f.resources) for (const d of this.deps(kind, name, version, type)) mapped.resources.set(d.name, d.version);
        for (const name of f.removed) {
          const svc = serviceOfXdsName(kind, name);
          if (svc) mapped.removed.push(svc);
        }
        out.addInflight(mapped, `${kind} ${nonce}`);
      }
      if (xs.lastNack && (!out.lastNack || xs.lastNack.at >= out.lastNack.at)) {
        out.lastNack = { ...xs.lastNack, rejected: xs.lastNack.rejected.map((r) => ({ name: `${kind.slice(kind.lastIndexOf('.') + 1)} ${r.name}`, version: r.version })) };
      }
      if (xs.lastAckAt && (!out.lastAckAt || xs.lastAckAt > out.lastAckAt)) out.lastAckAt = xs.lastAckAt;
    }
    for (const [name, versions] of acked) out.acked.set(name, this.oldest(type, name, versions));
    return out;
  }

  /** The Plexus deps of type `type` of an xDS resource version the client holds. */
  private deps(kind: XdsTypeUrl, name: string, version: string, type: ResourceType): PlexusDep[] {
    if (version === ABSENT) return [];
    const res = this.resources.version(kind, name, version, this.locality);
    return res ? res.deps.filter((d) => d.type === type) : [];
  }

  private oldest(type: ResourceType, name: string, versions: string[]): string {
    let best = versions[0]!;
    let bestGen = Infinity;
    for (const v of versions) {
      const gen = this.cache.lastCurrentGen(type, name, v) ?? -1;
      if (gen < bestGen) {
        best = v;
        bestGen = gen;
      }
    }
    return best;
  }
}
