// What the console shows, kept current from the control plane's own APIs and nothing else
// (no store access): instances from the registry's Watch, policies from the policy service's
// Watch, proxy sync state from config-push's ProxyStatus (polled: it has no watch), rollouts
// from WaitForRollout (as `plexctl apply --wait` follows them), edge numbers from the proxies'
// metrics, CA certificates and workload expiries from the identity service's CaStatus (polled).
// Every change is announced on `onChange(topic)`; the HTTP side turns that into
// server-sent events and serves the `view(topic)` snapshots.
import type { InstanceWithRevision } from '../../lib/registry-client/index.js';
import type { MergedRollout, ProxyInfo } from '../../lib/discovery-client/status-client.js';
import type { EdgeStats } from './edge-metrics.js';

export const TOPICS = ['topology', 'proxies', 'rollouts', 'policies', 'identity'] as const;
export type Topic = (typeof TOPICS)[number];

/** SYNCED / PENDING / NACKED / STALE as config-push reports them; STALE also when not connected. */
export type ProxyState = 'SYNCED' | 'PENDING' | 'NACKED' | 'STALE';

export interface ProxyRow {
  instance: string;
  service: string;
  address: string;
  zone: string;
  health: string;
  state: ProxyState;
  /** Why STALE/NACKED, in words. */
  detail: string;
  connected: boolean;
  replica: string;
  versions: Record<string, string>;
  lastNack: { at: string; type: string; message: string } | null;
}

export interface PolicyRow {
  kind: string;
  namespace: string;
  name: string;
  revision: number;
  appliedBy: string;
  appliedAt: string;
}

export interface RolloutRow {
  policy: string;
  revision: number;
  startedAt: string;
  progress: MergedRollout | null;
  error: string | null;
}

/** A part of the console that needs a service that may not exist yet (identity, federation). */
export interface OptionalSection {
  configured: boolean;
  message: string;
}

/** What the identity replicas said, merged (console-identity.ts); times are RFC 3339. */
export interface IdentitySnapshot {
  trustDomain: string;
  certificates: Array<{ kind: string; subject: string; fingerprint: string; cluster: string; notBefore: string; notAfter: string }>;
  soonestWorkload: { spiffeId: string; notAfter: string } | null;
  liveCertificates: number;
  revokedTokens: number;
  /** Replicas that answered. */
  replicas: string[];
}

/** A CA certificate as the page shows it: time left as of the snapshot, and whether it is running out. */
export interface CaCertificateRow {
  kind: string;
  subject: string;
  fingerprint: string;
  cluster: string;
  notAfter: string;
  secondsLeft: number;
  /** Under LOW_FRACTION of its lifetime or LOW_SECONDS left (or expired). */
  low: boolean;
}

export type IdentityView =
  | OptionalSection
  | (OptionalSection & {
      configured: true;
      /** Null while no replica answers (then `error` says why) and before the first answer. */
      status: (Omit<IdentitySnapshot, 'certificates' | 'soonestWorkload'> & {
        certificates: CaCertificateRow[];
        soonestWorkload: { spiffeId: string; notAfter: string; secondsLeft: number } | null;
      }) | null;
      error: string | null;
    });

/** A CA certificate is highlighted with less than a quarter of its lifetime or a week left. */
export const LOW_FRACTION = 0.25;
export const LOW_SECONDS = 7 * 86_400;

const MAX_ROLLOUTS = 10;

export class ConsoleModel {
  readonly instances = new Map<string, InstanceWithRevision>();
  proxyStatus: ProxyInfo[] = [];
  statusError: string | null = null;
  statusSeen = false;
  readonly policies = new Map<string, PolicyRow>();
  rollouts: RolloutRow[] = [];
  edges: EdgeStats[] = [];
  identityStatus: IdentitySnapshot | null = null;
  sourceErrors: Partial<Record<'registry' | 'policy' | 'configPush' | 'metrics' | 'identity', string>> = {};
  private readonly listeners = new Set<(topic: Topic) => void>();

  /** `identity.configured` false: no identity address, and the page says `identity.message`. */
  constructor(readonly identity: OptionalSection) {}

  onChange(listener: (topic: Topic) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(topic: Topic): void {
    for (const l of this.listeners) l(topic);
  }

  startRollout(policy: string, revision: number): RolloutRow {
    const row: RolloutRow = { policy, revision, startedAt: new Date().toISOString(), progress: null, error: null };
    this.rollouts = [row, ...this.rollouts.filter((r) => !(r.policy === policy && r.revision === revision))].slice(0, MAX_ROLLOUTS);
    return row;
  }

  proxies(): ProxyRow[] {
    const rows = new Map<string, ProxyRow>();
    const byId = new Map(this.proxyStatus.map((p) => [p.node?.instanceId ?? '', p]));
    for (const { record } of this.instances.values()) {
      const info = byId.get(record.id);
      rows.set(record.id, row(record.id, `${record.namespace}/${record.service}`, `${record.address}:${record.port}`, record.zone, record.health, info, this.statusSeen));
    }
    for (const [id, info] of byId) {
      if (!id || rows.has(id)) continue;
      const n = info.node;
      rows.set(id, row(id, `${n?.namespace ?? '?'}/${n?.service ?? '?'}`, info.peer, n?.zone ?? '', 'UNREGISTERED', info, true));
    }
    return [...rows.values()].sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
  }

  view(topic: Topic): unknown {
    switch (topic) {
      case 'topology': {
        const services = new Map<string, { name: string; instances: number }>();
        for (const { record } of this.instances.values()) {
          const name = `${record.namespace}/${record.service}`;
          const s = services.get(name) ?? { name, instances: 0 };
          s.instances++;
          services.set(name, s);
        }
        for (const e of this.edges) {
          for (const name of [e.source, e.destination]) if (!services.has(name)) services.set(name, { name, instances: 0 });
        }
        return { services: [...services.values()].sort((a, b) => a.name.localeCompare(b.name)), edges: this.edges, error: this.sourceErrors.metrics ?? this.sourceErrors.registry ?? null };
      }
      case 'proxies':
        return { proxies: this.proxies(), error: this.statusError ?? this.sourceErrors.registry ?? null };
      case 'rollouts':
        return { rollouts: this.rollouts };
      case 'policies':
        return {
          policies: [...this.policies.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
          error: this.sourceErrors.policy ?? null,
        };
      case 'identity':
        return this.identityView(Date.now());
    }
  }

  identityView(now: number): IdentityView {
    if (!this.identity.configured) return this.identity;
    const s = this.identityStatus;
    const left = (iso: string): number => Math.floor((Date.parse(iso) - now) / 1000);
    return {
      ...this.identity,
      configured: true,
      status: s && {
        ...s,
        certificates: s.certificates.map((c) => {
          const secondsLeft = left(c.notAfter);
          const lifetime = (Date.parse(c.notAfter) - Date.parse(c.notBefore)) / 1000;
          return { kind: c.kind, subject: c.subject, fingerprint: c.fingerprint, cluster: c.cluster, notAfter: c.notAfter, secondsLeft, low: secondsLeft < LOW_SECONDS || secondsLeft < lifetime * LOW_FRACTION };
        }),
        soonestWorkload: s.soonestWorkload && { ...s.soonestWorkload, secondsLeft: left(s.soonestWorkload.notAfter) },
      },
      error: this.sourceErrors.identity ?? null,
    };
  }
}

function row(instance: string, service: string, address: string, zone: string, health: string, info: ProxyInfo | undefined, statusKnown: boolean): ProxyRow {
  const versions: Record<string, string> = {};
  let state: ProxyState = 'SYNCED';
  let detail = '';
  let lastNack: ProxyRow['lastNack'] = null;
  if (!info) {
    state = 'STALE';
    detail = statusKnown ? 'registered but not connected to config-push: its config may be out of date' : 'sync state not known yet';
  } else {
    for (const t of info.types) {
      if (t.ackedVersion) versions[t.type] = t.ackedVersion;
      if (t.lastNack?.error) {
        const at = t.lastNack.at ? new Date(Number(t.lastNack.at.seconds) * 1000).toISOString() : '';
        if (!lastNack || at > lastNack.at) lastNack = { at, type: t.type, message: t.lastNack.error.message };
      }
      const s = t.state as ProxyState;
      if (s === 'NACKED') state = 'NACKED';
      else if (s === 'PENDING' && state !== 'NACKED') state = 'PENDING';
      else if (s === 'STALE' && state === 'SYNCED') state = 'STALE';
    }
    if (state === 'NACKED') detail = lastNack?.message ?? 'rejected a config version';
    else if (state === 'STALE') detail = 'holds a version older than the current one';
  }
  return { instance, service, address, zone, health, state, detail, connected: info !== undefined, replica: info?.replica ?? '', versions, lastNack };
}
