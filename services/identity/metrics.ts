// Identity service metrics (Prometheus, `plexus_identity_*`). Expiry gauges are computed at
// scrape time from the replica's state (so they count down between issuances).
import { counter, gauge, liveSources } from '../../lib/admin/metrics.js';
import { fingerprint, parseCertificates } from '../../lib/identity/crypto.js';
import type { TrustState } from '../../lib/identity/trust-state.js';
import type { IssuedTracker } from './issued-tracker.js';

const live = liveSources<{ tracker: IssuedTracker; trust: TrustState }>();
/** The replica whose state the expiry gauges read; returns its undo. */
export const registerIdentityState = live.register;

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
      help: 'Seconds until the soonest expiry among unexpired certificates this replica issued and that were not renewed since (absent if none)',
      collect() {
        this.reset();
        const { soonest } = live.current()?.tracker.soonest() ?? {};
        if (soonest) this.set((soonest.notAfter - Date.now()) / 1000);
      },
    }),
    liveIssued: gauge({
      name: 'plexus_identity_workload_certificates_live',
      help: 'Unexpired certificates issued by this replica and not renewed since',
      collect() {
        const source = live.current();
        if (source) this.set(source.tracker.soonest().live);
      },
    }),
    caExpiry: gauge<'kind' | 'fingerprint'>({
      name: 'plexus_identity_ca_expiry_seconds',
      help: 'Seconds until each CA certificate of the trust bundle expires',
      labelNames: ['kind', 'fingerprint'],
      collect() {
        this.reset();
        const b = live.current()?.trust.bundle();
        if (!b) return;
        for (const [kind, pems] of [['root', b.roots], ['intermediate', b.intermediates]] as const) {
          for (const c of pems.flatMap((p) => parseCertificates(p))) this.set({ kind, fingerprint: fingerprint(c).slice(0, 16) }, (c.notAfter.getTime() - Date.now()) / 1000);
        }
      },
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
