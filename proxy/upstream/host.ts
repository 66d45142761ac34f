// One upstream endpoint as the proxy sees it: the identity and placement from the Endpoints
// resource plus live state (active requests, outlier-detection counters). Host objects survive
// endpoint updates that keep the same id, address and port, so that state is not lost.
// An endpoint imported from another cluster may be reached through that cluster's east-west
// gateway: the host then dials the gateway and names the service in the authority.
import type { Endpoint } from '../../lib/mesh/resources.js';

/** Virtual subset labels: they select by the host's placement, never by a registered label. */
export const CLUSTER_LABEL = 'plexus.dev/cluster';
export const ZONE_LABEL = 'plexus.dev/zone';

export class Host {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: Endpoint['protocol'];
  /** `address:port` dialled (the gateway's for an endpoint behind one); the connection pools' key. */
  readonly key: string;
  /** Through an east-west gateway: the authority sent (`<service>.<namespace>`); else undefined. */
  readonly authority: string | undefined;
  /** The instance's own address in its cluster (differs from `address` behind a gateway). */
  readonly instanceAddress: string;
  zone: string;
  cluster: string;
  weight: number;
  labels: Record<string, string>;
  /** Kept by the control plane's self-preservation: used only when no confirmed host is left. */
  unconfirmed: boolean;
  /** Imported from a cluster whose link is down: used only when no fresh host is left. */
  stale: boolean;
  /** Among other clusters' hosts, lower is preferred. */
  priority: number;

  /** Requests in flight to this host (least-request balancing, /endpoints). */
  active = 0;
  totalRequests = 0;
  totalFailures = 0;

  // Passive outlier detection (upstream/outlier-detector.ts).
  consecutive5xx = 0;
  consecutiveConnectErrors = 0;
  ejected = false;
  ejectedUntil = 0;
  /** Grows with each ejection (ejection time = base × count) and decays while healthy. */
  ejectionCount = 0;

  /** `gatewayAuthority`: what to send through a gateway, `<service>.<namespace>` of the destination. */
  constructor(ep: Endpoint, gatewayAuthority = '') {
    this.id = ep.id;
    this.instanceAddress = ep.address;
    this.address = ep.gateway ? ep.gateway.address : ep.address;
    this.port = ep.gateway ? ep.gateway.port : ep.port;
    this.authority = ep.gateway ? gatewayAuthority : undefined;
    this.protocol = ep.protocol;
    this.key = `${this.address}:${this.port}`;
    this.zone = ep.zone;
    this.cluster = ep.cluster;
    this.weight = ep.weight;
    this.labels = ep.labels;
    this.unconfirmed = ep.unconfirmed === true;
    this.stale = ep.stale === true;
    this.priority = ep.priority ?? 0;
  }

  /** Same network identity (state may be carried over). */
  sameAs(ep: Endpoint): boolean {
    return (
      this.id === ep.id &&
      this.instanceAddress === ep.address &&
      this.address === (ep.gateway?.address ?? ep.address) &&
      this.port === (ep.gateway?.port ?? ep.port) &&
      this.protocol === ep.protocol
    );
  }

  update(ep: Endpoint): void {
    this.zone = ep.zone;
    this.cluster = ep.cluster;
    this.weight = ep.weight;
    this.labels = ep.labels;
    this.unconfirmed = ep.unconfirmed === true;
    this.stale = ep.stale === true;
    this.priority = ep.priority ?? 0;
  }

  /** Every selector entry holds; the virtual labels compare the host's cluster and zone. */
  hasLabels(selector: Record<string, string>): boolean {
    for (const k in selector) {
      const v = k === CLUSTER_LABEL ? this.cluster : k === ZONE_LABEL ? this.zone : this.labels[k];
      if (v !== selector[k]) return false;
    }
    return true;
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      address: this.key,
      ...(this.authority !== undefined ? { instanceAddress: this.instanceAddress, authority: this.authority } : {}),
      protocol: this.protocol,
      zone: this.zone,
      cluster: this.cluster,
      priority: this.priority,
      stale: this.stale,
      weight: this.weight,
      labels: this.labels,
      health: this.ejected ? 'EJECTED' : 'HEALTHY',
      unconfirmed: this.unconfirmed,
      ejected: this.ejected,
      ejectedUntil: this.ejected ? new Date(this.ejectedUntil).toISOString() : null,
      ejectionCount: this.ejectionCount,
      activeRequests: this.active,
      totalRequests: this.totalRequests,
      totalFailures: this.totalFailures,
      consecutive5xx: this.consecutive5xx,
      consecutiveConnectErrors: this.consecutiveConnectErrors,
    };
  }
}
