// plexctl proxy-status: every proxy connected to config-push (all replicas given), with per type
// its sync state — SYNCED, PENDING, NACKED, STALE — what it holds, and its last rejection; then
// every registered instance whose proxy has no stream to any replica: DISCONNECTED, or STALE
// once that has lasted longer than --stale-after (default 30s), with the time since.
import type { DisconnectedProxy, ProxyInfo } from '../../../lib/discovery-client/status-client.js';
import { parseDuration } from '../../../lib/policy/index.js';
import { RESOURCE_TYPES } from '../../../lib/mesh/resources.js';
import type { Timestamp__Output } from '../../../lib/proto/gen/google/protobuf/Timestamp.js';
import { SERVICE_LIST_OPTIONS, serviceListArgs, writeList } from '../command-args.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { fleetFor, REPLICAS_OPTION } from './rollout.js';

export function isoTime(t: Timestamp__Output | null | undefined): string | null {
  if (!t) return null;
  return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6)).toISOString();
}

/** Plain data for YAML/JSON: timestamps as ISO strings. */
export function proxyInfoData(p: ProxyInfo): Record<string, unknown> {
  return {
    instance: p.node?.instanceId,
    type: p.kind || 'plexus',
    service: `${p.node?.namespace}/${p.node?.service}`,
    zone: p.node?.zone,
    labels: p.node?.labels,
    proxyVersion: p.node?.proxyVersion,
    replica: p.replica,
    peer: p.peer,
    connectedAt: isoTime(p.connectedAt),
    types: p.types.map((t) => ({
      type: t.type,
      state: t.state,
      wildcard: t.wildcard,
      subscribed: t.subscribed,
      ackedResources: t.ackedResources,
      ackedVersion: t.ackedVersion,
      pendingNonce: t.pendingNonce || null,
      queued: t.queued,
      lastAckAt: isoTime(t.lastAckAt),
      lastNack: t.lastNack
        ? { nonce: t.lastNack.nonce, code: t.lastNack.error?.code, message: t.lastNack.error?.message, at: isoTime(t.lastNack.at), rejected: t.lastNack.rejected.map((r) => `${r.name}@${r.version || '(removal)'}`) }
        : null,
    })),
  };
}

function cell(p: ProxyInfo, type: string): string {
  const t = p.types.find((x) => x.type === type);
  if (!t) return '-';
  return `${t.state} (${t.ackedResources}${t.wildcard ? ', *' : ''})`;
}

function lastNack(p: ProxyInfo): string {
  const nacks = p.types.filter((t) => t.lastNack).map((t) => ({ type: t.type, n: t.lastNack! }));
  if (nacks.length === 0) return '-';
  nacks.sort((a, b) => (a.n.at?.seconds ?? 0) - (b.n.at?.seconds ?? 0));
  const { type, n } = nacks.at(-1)!;
  const msg = n.error?.message ?? '';
  return `${type}: ${msg.length > 60 ? `${msg.slice(0, 57)}...` : msg}`;
}

const DEFAULT_STALE_AFTER_MS = 30_000;

/** DISCONNECTED, or STALE once the stream has been down longer than `staleAfterMs`. */
export function disconnectedState(d: DisconnectedProxy, staleAfterMs: number, now = Date.now()): { state: string; since: string } {
  if (d.disconnectedAt === undefined) return { state: 'DISCONNECTED', since: 'unknown' };
  const ms = Math.max(0, now - d.disconnectedAt);
  return { state: ms > staleAfterMs ? 'STALE' : 'DISCONNECTED', since: `${Math.round(ms / 1000)}s` };
}

export const proxyStatusCommand: Command = {
  name: 'proxy-status',
  summary: 'Show connected proxies and whether each holds the current config',
  usage: 'proxy-status [-n NAMESPACE] [--service NAME] [--stale-after 30s] [--replicas ADDR,…] [-o table|yaml|json]',
  options: {
    ...SERVICE_LIST_OPTIONS,
    'stale-after': { type: 'string' },
    ...REPLICAS_OPTION,
  },
  async run(ctx, args) {
    const { values } = args;
    const { format, namespace, service } = serviceListArgs(args);
    const staleText = values['stale-after'] as string | undefined;
    const staleAfterMs = staleText === undefined ? DEFAULT_STALE_AFTER_MS : parseDuration(staleText);
    if (staleAfterMs === undefined) throw new UsageError(`--stale-after: '${staleText}' must be a duration (e.g. 30s)`);
    const fleet = fleetFor(ctx, values);
    try {
      const { proxies, unreachable, disconnected } = await fleet.proxyStatus({ namespace, service });
      for (const u of unreachable) ctx.stderr.write(`warning: config-push ${u.address} did not answer: ${u.error}\n`);
      const absentData = disconnected.map((d) => {
        const { state, since } = disconnectedState(d, staleAfterMs);
        return { instance: d.instanceId, service: `${d.namespace}/${d.service}`, state, disconnectedAt: d.disconnectedAt === undefined ? null : new Date(d.disconnectedAt).toISOString(), since };
      });
      writeList(ctx, format, [...proxies.map(proxyInfoData), ...absentData], {
        count: proxies.length + absentData.length,
        empty: 'no proxies connected',
        header: ['INSTANCE', 'TYPE', 'NAMESPACE/SERVICE', 'ZONE', 'REPLICA', ...RESOURCE_TYPES.map((t) => t.toUpperCase()), 'LAST NACK'],
        cells: () => [
          ...proxies.map((p) => [p.node?.instanceId ?? '?', p.kind || 'plexus', `${p.node?.namespace}/${p.node?.service}`, p.node?.zone || '-', p.replica, ...RESOURCE_TYPES.map((t) => cell(p, t)), lastNack(p)]),
          ...absentData.map((d) => [d.instance, 'plexus', d.service, '-', '-', ...RESOURCE_TYPES.map(() => `${d.state} (${d.since})`), '-']),
        ],
      });
      // A replica that refused the connection has no listener, so no proxy streams either: the
      // merged answer of the others is complete. Any other silence (a timeout, a handshake that
      // failed) may hide proxies connected to it, so the listing may be incomplete: exit 4.
      return unreachable.some((u) => !/ECONNREFUSED/.test(u.error)) ? EXIT.UNAVAILABLE : EXIT.OK;
    } finally {
      fleet.close();
    }
  },
};
