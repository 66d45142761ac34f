// Identity service metrics (Prometheus, `plexus_identity_*`).
import { counter, gauge } from '../../lib/admin/metrics.js';

export function identityMetrics() {
  return {
    requests: counter<'method' | 'code'>({
      name: 'plexus_identity_requests_total',
      help: 'Identity API calls by method and gRPC status code name',
      labelNames: ['method', 'code'],
    }),
    issued: counter<'how'>({
      name: 'plexus_identity_certificates_issued_total',
      help: 'Workload certificates signed, by how the caller was authenticated (token, renewal)',
      labelNames: ['how'],
    }),
    tokensCreated: counter({ name: 'plexus_identity_join_tokens_created_total', help: 'Join tokens created' }),
    tokensRevoked: counter({ name: 'plexus_identity_join_tokens_revoked_total', help: 'Join tokens revoked' }),
    soonestExpiry: gauge({
      name: 'plexus_identity_workload_soonest_expiry_seconds',
      help: 'Seconds until the soonest expiry among unexpired certificates this replica issued (absent if none)',
    }),
    liveIssued: gauge({ name: 'plexus_identity_workload_certificates_live', help: 'Unexpired certificates issued by this replica' }),
    caExpiry: gauge<'kind' | 'fingerprint'>({
      name: 'plexus_identity_ca_expiry_seconds',
      help: 'Seconds until each CA certificate of the trust bundle expires',
      labelNames: ['kind', 'fingerprint'],
    }),
    revokedTokens: gauge({ name: 'plexus_identity_revoked_tokens', help: 'Revoked join token ids known to this replica' }),
    caReloads: counter<'result'>({
      name: 'plexus_identity_ca_reloads_total',
      help: 'Changes of the CA files: applied (new roots or intermediate in use) or rejected (unusable; the current material kept)',
      labelNames: ['result'],
    }),
    bundleWatchers: gauge({ name: 'plexus_identity_bundle_watch_streams', help: 'Open WatchTrustBundle streams' }),
  };
}
export type IdentityMetrics = ReturnType<typeof identityMetrics>;
