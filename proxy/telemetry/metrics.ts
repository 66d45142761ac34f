// The proxy's Prometheus metrics. Each proxy has its own set (several proxies may share a
// process in tests and dev mode); /metrics serves it together with the process metrics. Written
// with the small exposition writer of lib/metrics, not prom-client, which would cost the proxy
// ~5 MB of resident memory. The per-request series are counted in plain numbers
// (request-series.ts) and become Prometheus series at scrape time.
import { LATENCY_BUCKETS } from '../../lib/metrics/buckets.js';
import { EXPOSITION_CONTENT_TYPE, MetricSet, type Counter, type Gauge } from '../../lib/metrics/exposition.js';
import { renderProcessMetrics } from '../../lib/metrics/process-metrics.js';
import { RequestSeries, type Direction } from './request-series.js';

export type { Direction } from './request-series.js';

const DURATION = {
  name: 'plexus_proxy_request_duration_seconds',
  help: 'Time from the request arriving to the response finishing, by reporter, source workload and destination service',
};

export class ProxyMetrics {
  private readonly set = new MetricSet();

  // Request series use Istio's standard label names (see README "Observability"): `reporter` is
  // `source` on the caller's side (outbound, gateway) and `destination` on the callee's (inbound);
  // workloads and services are Plexus identities `<namespace>/<service>`.
  private readonly perRequest = new RequestSeries(LATENCY_BUCKETS);
  readonly requests: Counter<'reporter' | 'source_workload' | 'destination_service' | 'response_code' | 'response_flags'> = this.set.counter(
    'plexus_proxy_requests_total',
    'Requests handled, by reporter (source = outbound side, destination = inbound side), source workload, destination service, response code and response flags',
    ['reporter', 'source_workload', 'destination_service', 'response_code', 'response_flags'],
    () => this.perRequest.flushCounts((labels, delta) => this.requests.inc(labels, delta)),
  );
  readonly retries = this.set.counter('plexus_proxy_retries_total', 'Retries made, by destination service', ['destination']);
  readonly ejections = this.set.counter('plexus_proxy_outlier_ejections_total', 'Hosts ejected by outlier detection, by destination service', ['destination']);
  readonly ejectedHosts = this.set.gauge('plexus_proxy_ejected_hosts', 'Hosts currently ejected by outlier detection, by destination service', ['destination']);
  readonly circuitOpen = this.set.gauge('plexus_proxy_circuit_open', '1 while a circuit-breaking limit of a destination is being hit, else 0', ['destination', 'limit']);
  readonly overflows = this.set.counter('plexus_proxy_circuit_overflows_total', 'Requests or retries refused by a circuit-breaking limit', ['destination', 'limit']);
  /** Seconds until the workload certificate expires (NaN before the first one). */
  certificateExpirySource: () => number = () => Number.NaN;
  readonly certificateExpiry: Gauge = this.set.gauge(
    'plexus_proxy_certificate_expiry_seconds',
    'Seconds until the workload certificate expires; a proxy that cannot renew keeps serving until then',
    [],
    () => this.certificateExpiry.set(this.certificateExpirySource()),
  );
  readonly certificateRenewFailures = this.set.counter(
    'plexus_proxy_certificate_renew_failures_total',
    'Failed renewals of the workload certificate (the current one is kept while valid)',
  );
  /** Where the in-flight counts come from (read at scrape time, so the hot path bumps a number). */
  activeSource: () => Record<Direction, number> = () => ({ outbound: 0, inbound: 0 });
  readonly activeRequests: Gauge<'direction'> = this.set.gauge('plexus_proxy_active_requests', 'Requests in flight, by direction', ['direction'], () => {
    const a = this.activeSource();
    this.activeRequests.set({ direction: 'outbound' }, a.outbound);
    this.activeRequests.set({ direction: 'inbound' }, a.inbound);
  });
  readonly configVersion = this.set.gauge('plexus_proxy_config_version_info', 'The version of each config resource in use (value 1); removed when the resource goes away', ['type', 'name', 'version']);
  readonly configUpdates = this.set.counter('plexus_proxy_config_updates_total', 'Config responses received, by resource type and result (ack or nack)', ['type', 'result']);
  readonly controlPlaneConnected = this.set.gauge('plexus_proxy_control_plane_connected', '1 while the discovery stream to config-push is open');

  private readonly versionLabels = new Map<string, { type: string; name: string; version: string }>();

  recordRequest(direction: Direction, source: string, destination: string, code: number, flags: string, seconds: number): void {
    this.perRequest.record(direction, source, destination, code, flags, seconds);
  }

  setConfigVersion(type: string, name: string, version: string | undefined): void {
    const key = `${type}|${name}`;
    const prev = this.versionLabels.get(key);
    if (prev) this.configVersion.remove(prev);
    if (version === undefined) {
      this.versionLabels.delete(key);
      return;
    }
    const labels = { type, name, version };
    this.versionLabels.set(key, labels);
    this.configVersion.set(labels, 1);
  }

  render(): Promise<{ contentType: string; text: string }> {
    const duration = this.perRequest.renderHistogram(DURATION.name, DURATION.help);
    return Promise.resolve({ contentType: EXPOSITION_CONTENT_TYPE, text: `${this.set.render()}${duration}${renderProcessMetrics()}` });
  }
}
