// plexctl proxy-status: every proxy connected to config-push (all replicas given), with per type
// its sync state — SYNCED, PENDING, NACKED, STALE — what it holds, and its last rejection.
import type { ProxyInfo } from '../../../lib/discovery-client/status-client.js';
import { RESOURCE_TYPES } from '../../../lib/mesh/resources.js';
import type { Timestamp__Output } from '../../../lib/proto/gen/google/protobuf/Timestamp.js';
import { SERVICE_LIST_OPTIONS, serviceListArgs, writeList } from '../command-args.js';
import { EXIT, type Command } from '../command.js';
import { fleetFor, REPLICAS_OPTION } from './rollout.js';

export function isoTime(t: Timestamp__Output | null | undefined): string | null {
  if (!t) return null;
  return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6)).toISOString();
}

/** Plain data for YAML/JSON: timestamps as ISO strings. */
export function proxyInfoData(p: ProxyInfo): Record<string, unknown> {
  return {
    instance: p.node?.instanceId,
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

export const proxyStatusCommand: Command = {
  name: 'proxy-status',
  summary: 'Show connected proxies and whether each holds the current config',
  usage: 'proxy-status [-n NAMESPACE] [--service NAME] [--replicas ADDR,…] [-o table|yaml|json]',
  options: {
    ...SERVICE_LIST_OPTIONS,
    ...REPLICAS_OPTION,
  },
  async run(ctx, args) {
    const { values } = args;
    const { format, namespace, service } = serviceListArgs(args);
    const fleet = fleetFor(ctx, values);
    try {
      const { proxies, unreachable } = await fleet.proxyStatus({ namespace, service });
      for (const u of unreachable) ctx.stderr.write(`warning: config-push ${u.address} did not answer: ${u.error}\n`);
      writeList(ctx, format, proxies.map(proxyInfoData), {
        count: proxies.length,
        empty: 'no proxies connected',
        header: ['INSTANCE', 'NAMESPACE/SERVICE', 'REPLICA', ...RESOURCE_TYPES.map((t) => t.toUpperCase()), 'LAST NACK'],
        cells: () => proxies.map((p) => [p.node?.instanceId ?? '?', `${p.node?.namespace}/${p.node?.service}`, p.replica, ...RESOURCE_TYPES.map((t) => cell(p, t)), lastNack(p)]),
      });
      return unreachable.length > 0 ? EXIT.UNAVAILABLE : EXIT.OK;
    } finally {
      fleet.close();
    }
  },
};
