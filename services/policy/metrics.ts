// Policy service metrics (Prometheus, `plexus_policy_*`).
import { counter, gauge } from '../../lib/admin/metrics.js';

export function policyMetrics() {
  return {
    writes: counter<'kind' | 'outcome'>({
      name: 'plexus_policy_writes_total',
      help: 'Policy writes by kind and outcome (created, updated, deleted)',
      labelNames: ['kind', 'outcome'],
    }),
    validationFailures: counter({ name: 'plexus_policy_validation_failures_total', help: 'Policy documents rejected by validation' }),
    publishFailures: counter<'kind'>({
      name: 'plexus_policy_publish_failures_total',
      help: 'Policy events that could not be published after a successful write',
      labelNames: ['kind'],
    }),
    requests: counter<'method' | 'code'>({
      name: 'plexus_policy_requests_total',
      help: 'Policy API calls by method and gRPC status code name',
      labelNames: ['method', 'code'],
    }),
    watchers: gauge({ name: 'plexus_policy_watch_streams', help: 'Open Watch streams' }),
  };
}
