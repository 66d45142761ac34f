// Registry metrics (Prometheus, `plexus_registry_*`). The live-instance gauge is computed at
// scrape time from the instance view of the most recently started replica in this process.
import { counter, gauge, histogram, LATENCY_BUCKETS } from '../../lib/admin/metrics.js';
import type { InstanceHealth } from '../../lib/model/instance.js';

export interface InstanceCounts {
  /** `<namespace>/<service>` → health → live instances. */
  countsByServiceAndHealth(): Map<string, Map<InstanceHealth, number>>;
}

const sources: InstanceCounts[] = [];

export function registerInstanceCounts(source: InstanceCounts): () => void {
  sources.push(source);
  return () => {
    const i = sources.indexOf(source);
    if (i >= 0) sources.splice(i, 1);
  };
}

export const registryMetrics = {
  instances: gauge<'service' | 'health'>({
    name: 'plexus_registry_instances',
    help: 'Live registered instances by service (<namespace>/<service>) and health, as this replica sees the store',
    labelNames: ['service', 'health'],
    collect() {
      this.reset();
      const source = sources[sources.length - 1];
      if (!source) return;
      for (const [service, byHealth] of source.countsByServiceAndHealth()) {
        for (const [health, n] of byHealth) this.set({ service, health }, n);
      }
    },
  }),
  registrations: counter<'result'>({
    name: 'plexus_registry_registrations_total',
    help: 'Successful Register calls by result (created: a new instance; replaced: a new incarnation of a registered id)',
    labelNames: ['result'],
  }),
  deregistrations: counter({
    name: 'plexus_registry_deregistrations_total',
    help: 'Graceful deregistrations completed by this replica',
  }),
  expirations: counter({
    name: 'plexus_registry_expirations_total',
    help: 'Instance expiries this replica claimed and published (exactly one replica counts each)',
  }),
  heartbeats: counter<'transport' | 'result'>({
    name: 'plexus_registry_heartbeats_total',
    help: 'Instance heartbeats by transport (unary|stream) and result (ok|not_found|stale|unavailable|invalid)',
    labelNames: ['transport', 'result'],
  }),
  heartbeatSeconds: histogram<'transport'>({
    name: 'plexus_registry_heartbeat_duration_seconds',
    help: 'Time to renew one instance lease, by transport',
    labelNames: ['transport'],
    buckets: LATENCY_BUCKETS,
  }),
  publishFailures: counter<'kind'>({
    name: 'plexus_registry_publish_failures_total',
    help: 'Instance events that could not be published (the store change stands; consumers re-list)',
    labelNames: ['kind'],
  }),
  malformedRecords: counter({
    name: 'plexus_registry_malformed_records_total',
    help: 'Instance keys whose stored value is not a valid instance record (ignored)',
  }),
};
