// Policy service metrics (Prometheus, `plexus_policy_*`).
import { counter, counterBy, gauge } from '../../lib/admin/metrics.js';

export function policyMetrics() {
  return {
    writes: counterBy('plexus_policy_writes_total', 'Policy writes by kind and outcome (created, updated, deleted)', ['kind', 'outcome']),
    validationFailures: counter({ name: 'plexus_policy_validation_failures_total', help: 'Policy documents rejected by validation' }),
    publishFailures: counterBy('plexus_policy_publish_failures_total', 'Policy events that could not be published after a successful write', ['kind']),
    requests: counterBy('plexus_policy_requests_total', 'Policy API calls by method and gRPC status code name', ['method', 'code']),
    watchers: gauge({ name: 'plexus_policy_watch_streams', help: 'Open Watch streams' }),
  };
}
