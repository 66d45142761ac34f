// Config-push metrics (Prometheus, `plexus_config_push_*`). Gauges that describe live state
// (connected proxies, queue depths) are computed at scrape time from the most recently started
// server in this process.
import { counter, counterBy, gauge, histogram, LATENCY_BUCKETS, liveSources } from '../../lib/admin/metrics.js';

export interface LiveState {
  connectedProxies(): number;
  /** Names waiting to be sent, summed over proxies, per type. */
  queuedByType(): Map<string, number>;
  /** Responses awaiting an ACK, summed over proxies, per type. */
  inflightByType(): Map<string, number>;
  /** Resources waiting for recomputation in the cache. */
  dirtyResources(): number;
  viewRevision(): number;
  /** Instances kept unconfirmed by self-preservation. */
  unconfirmedEndpoints?(): number;
}

const live = liveSources<LiveState>();
export const registerLiveState = live.register;
const current = live.current;

/** Buckets for change → ACK: from 1 ms to 60 s. */
const CONVERGENCE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const configPushMetrics = {
  unconfirmed: gauge({
    name: 'plexus_config_push_unconfirmed_endpoints',
    help: 'Instances kept by self-preservation although their record expired (served marked unconfirmed); > 0 while self-preservation is active',
    collect() {
      this.set(current()?.unconfirmedEndpoints?.() ?? 0);
    },
  }),
  connected: gauge({
    name: 'plexus_config_push_connected_proxies',
    help: 'Proxies with an open discovery stream on this replica',
    collect() {
      this.set(current()?.connectedProxies() ?? 0);
    },
  }),
  queued: gauge<'type'>({
    name: 'plexus_config_push_queued_resources',
    help: 'Resource names with a change waiting to be sent, summed over proxies (newest version only, per proxy and name)',
    labelNames: ['type'],
    collect() {
      this.reset();
      for (const [type, n] of current()?.queuedByType() ?? []) this.set({ type }, n);
    },
  }),
  inflight: gauge<'type'>({
    name: 'plexus_config_push_inflight_responses',
    help: 'Responses sent and not yet acknowledged, summed over proxies',
    labelNames: ['type'],
    collect() {
      this.reset();
      for (const [type, n] of current()?.inflightByType() ?? []) this.set({ type }, n);
    },
  }),
  dirty: gauge({
    name: 'plexus_config_push_dirty_resources',
    help: 'Resources marked for recomputation (waiting for the debounce)',
    collect() {
      this.set(current()?.dirtyResources() ?? 0);
    },
  }),
  viewRevision: gauge({
    name: 'plexus_config_push_view_revision',
    help: 'Highest store revision the mesh view has seen',
    collect() {
      this.set(current()?.viewRevision() ?? 0);
    },
  }),
  streams: counterBy('plexus_config_push_streams_total', 'Discovery streams opened (result: accepted) or refused (invalid)', ['result']),
  pushes: counterBy('plexus_config_push_pushes_total', 'Discovery responses sent, by resource type', ['type']),
  pushBytes: counterBy('plexus_config_push_push_bytes_total', 'Serialized bytes of discovery responses sent, by resource type', ['type']),
  resourcesSent: counterBy('plexus_config_push_resources_sent_total', 'Resources carried by discovery responses (a removal counts as one)', ['type']),
  acks: counterBy('plexus_config_push_acks_total', 'ACKs received, by resource type', ['type']),
  nacks: counterBy('plexus_config_push_nacks_total', 'NACKs received (responses rejected by a proxy), by resource type', ['type']),
  eventToPush: histogram({
    name: 'plexus_config_push_event_to_push_seconds',
    help: 'From a change reaching this replica (event or watch) to the first response carrying it being written',
    buckets: LATENCY_BUCKETS,
  }),
  convergence: histogram({
    name: 'plexus_config_push_convergence_seconds',
    help: 'From a change reaching this replica to a proxy acknowledging a response that carries it',
    buckets: CONVERGENCE_BUCKETS,
  }),
  relists: counterBy('plexus_config_push_relists_total', 'Mesh view re-listings from the store, by reason (start, bus-gap, watch-resync, anti-entropy, event-refetch, retry, rollout)', ['reason']),
  repairs: counterBy('plexus_config_push_view_repairs_total', 'Keys a re-listing found different from the view (changes the events and watch had not delivered)', ['reason']),
  viewChanges: counterBy('plexus_config_push_view_changes_total', 'Changes offered to the mesh view, by source (bus, watch) and outcome (applied, stale, invalid, refetch)', ['source', 'outcome']),
  invalidValues: counter({
    name: 'plexus_config_push_invalid_values_total',
    help: 'Stored values the mesh view could not use (treated as absent)',
  }),
  recomputeErrors: counter({
    name: 'plexus_config_push_recompute_errors_total',
    help: 'Resource builds that threw (the previous version keeps being served)',
  }),
};
