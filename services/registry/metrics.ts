// Registry metrics (Prometheus, `plexus_registry_*`). The live-instance gauge is computed at
// scrape time from the instance view of the most recently started replica in this process.
import { counter, counterBy, gauge, histogram, LATENCY_BUCKETS, liveSources } from '../../lib/admin/metrics.js';
import type { InstanceHealth } from '../../lib/model/instance.js';

export interface InstanceCounts {
  /** `<namespace>/<service>` → health → live instances. */
  countsByServiceAndHealth(): Map<string, Map<InstanceHealth, number>>;
}

const live = liveSources<InstanceCounts>();
export const registerInstanceCounts = live.register;

/** The reaper's count of instances kept unconfirmed (reaper.ts unconfirmedSince). */
export interface UnconfirmedCount {
  readonly unconfirmed: number;
}
const liveReaper = liveSources<UnconfirmedCount>();
export const registerUnconfirmedCount = liveReaper.register;

export const registryMetrics = {
  instances: gauge<'service' | 'health'>({
    name: 'plexus_registry_instances',
    help: 'Live registered instances by service (<namespace>/<service>) and health, as this replica sees the store',
    labelNames: ['service', 'health'],
    collect() {
      this.reset();
      const source = live.current();
      if (!source) return;
      for (const [service, byHealth] of source.countsByServiceAndHealth()) {
        for (const [health, n] of byHealth) this.set({ service, health }, n);
      }
    },
  }),
  registrations: counterBy('plexus_registry_registrations_total', 'Successful Register calls by result (created: a new instance; replaced: a new incarnation of a registered id)', ['result']),
  storeCommits: counter({
    name: 'plexus_registry_store_commits_total',
    help: 'Store commits of record writes sent by this replica (concurrent calls share one; see lib/store/commit-batcher.ts)',
  }),
  storeCommitWrites: counter({
    name: 'plexus_registry_store_commit_writes_total',
    help: 'Writes (puts and deletes) carried by those commits',
  }),
  deregistrations: counter({
    name: 'plexus_registry_deregistrations_total',
    help: 'Graceful deregistrations completed by this replica',
  }),
  expirations: counter({
    name: 'plexus_registry_expirations_total',
    help: 'Instance expiries this replica claimed and published (exactly one replica counts each)',
  }),
  unconfirmed: gauge({
    name: 'plexus_registry_unconfirmed_instances',
    help: 'Instances kept although no heartbeat reached the registry for their TTL, not yet judged dead (marked unconfirmed in Get/List); > 0 during and after a registry tier or store outage',
    collect() {
      this.set(liveReaper.current()?.unconfirmed ?? 0);
    },
  }),
  reaped: counter({
    name: 'plexus_registry_reaped_total',
    help: 'Instances this replica removed because no heartbeat reached a healthy registry for their TTL (or TTL + grace after an outage)',
  }),
  heartbeats: counterBy('plexus_registry_heartbeats_total', 'Instance heartbeats by transport (unary|stream) and result (ok|not_found|stale|unavailable|invalid)', ['transport', 'result']),
  heartbeatSeconds: histogram<'transport'>({
    name: 'plexus_registry_heartbeat_duration_seconds',
    help: 'Time to renew one instance lease, by transport',
    labelNames: ['transport'],
    buckets: LATENCY_BUCKETS,
  }),
  publishFailures: counterBy('plexus_registry_publish_failures_total', 'Instance events that could not be published (the store change stands; consumers re-list)', ['kind']),
  malformedRecords: counter({
    name: 'plexus_registry_malformed_records_total',
    help: 'Instance keys whose stored value is not a valid instance record (ignored)',
  }),
};
