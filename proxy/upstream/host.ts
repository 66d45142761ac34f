// One upstream endpoint as the proxy sees it: the identity and placement from the Endpoints
// resource plus live state (active requests, outlier-detection counters). Host objects survive
// endpoint updates that keep the same id, address and port, so that state is not lost.
import type { Endpoint } from '../../lib/mesh/resources.js';

export class Host {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: Endpoint['protocol'];
  /** `address:port`, unique within a cluster. */
  readonly key: string;
  zone: string;
  cluster: string;
  weight: number;
  labels: Record<string, string>;
  /** Kept by the control plane's self-preservation: used only when no confirmed host is left. */
  unconfirmed: boolean;

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

  constructor(ep: Endpoint) {
    this.id = ep.id;
    this.address = ep.address;
    this.port = ep.port;
    this.protocol = ep.protocol;
    this.key = `${ep.address}:${ep.port}`;
    this.zone = ep.zone;
    this.cluster = ep.cluster;
    this.weight = ep.weight;
    this.labels = ep.labels;
    this.unconfirmed = ep.unconfirmed === true;
  }

  /** Same network identity (state may be carried over). */
  sameAs(ep: Endpoint): boolean {
    return this.id === ep.id && this.address === ep.address && this.port === ep.port && this.protocol === ep.protocol;
  }

  update(ep: Endpoint): void {
    this.zone = ep.zone;
    this.cluster = ep.cluster;
    this.weight = ep.weight;
    this.labels = ep.labels;
    this.unconfirmed = ep.unconfirmed === true;
  }

  hasLabels(selector: Record<string, string>): boolean {
    for (const k in selector) if (this.labels[k] !== selector[k]) return false;
    return true;
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      address: this.key,
      protocol: this.protocol,
      zone: this.zone,
      cluster: this.cluster,
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
