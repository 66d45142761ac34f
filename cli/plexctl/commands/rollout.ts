// plexctl rollout status KIND/NAMESPACE/NAME: did a change reach every proxy it affects?
// Follows config-push's WaitForRollout on every replica (merged), with a live progress line,
// until all affected proxies acked, none is left pending (some NACKed), or the timeout.
// Also the engine of `apply --wait` (waitForApplied).
//
// Replicas: --config-push ADDR[,ADDR…] / PLEXCTL_CONFIG_PUSH_ADDR (global, a list) plus the older
// --replicas ADDR,ADDR… or PLEXCTL_CONFIG_PUSH_REPLICAS, deprecated aliases that add to that list
// (each replica answers for the proxies connected to it; a replica that does not answer is
// reported, not fatal).
import { StatusFleet, type MergedRollout } from '../../../lib/discovery-client/status-client.js';
import { parseDuration } from '../../../lib/policy/index.js';
import type { WaitForRolloutRequest } from '../../../lib/proto/gen/plexus/discovery/v1/WaitForRolloutRequest.js';
import { EXIT, UsageError, type Command, type CommandContext, type ExitCode, type ParsedArgs } from '../command.js';
import { parseKind } from '../kinds.js';
import { toJson } from '../output.js';

const ADDRESS = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;
const DEFAULT_TIMEOUT_MS = 30_000;

/** The --replicas option every config-push command takes. */
export const REPLICAS_OPTION = { replicas: { type: 'string' as const } };

/** Config-push replicas to ask: the configured address plus --replicas / PLEXCTL_CONFIG_PUSH_REPLICAS. */
export function configPushAddresses(ctx: CommandContext, values: ParsedArgs['values']): string[] {
  const extra = (values.replicas as string | undefined) ?? process.env.PLEXCTL_CONFIG_PUSH_REPLICAS ?? '';
  const list = ctx.settings.configPushAddr.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of extra.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!ADDRESS.test(a)) throw new UsageError(`--replicas: '${a}' must be host:port`);
    if (!list.includes(a)) list.push(a);
  }
  return list;
}

export function fleetFor(ctx: CommandContext, values: ParsedArgs['values']): StatusFleet {
  return new StatusFleet(configPushAddresses(ctx, values), ctx.settings.timeoutMs, { credentials: ctx.channel('config-push'), token: ctx.settings.token });
}

/** `Route/default/catalog`, `route/catalog` (namespace default) or `instance/NS/SERVICE/ID`. */
export function parseRolloutTarget(text: string): { request: WaitForRolloutRequest; label: string } {
  const parts = text.split('/');
  if (parts[0]?.toLowerCase() === 'instance') {
    if (parts.length !== 4 || parts.some((p) => p === '')) throw new UsageError(`'${text}': use instance/NAMESPACE/SERVICE/ID`);
    const [, namespace, service, instanceId] = parts as [string, string, string, string];
    return { request: { instance: { namespace, service, instanceId } }, label: `instance ${namespace}/${service}/${instanceId}` };
  }
  if ((parts.length !== 2 && parts.length !== 3) || parts.some((p) => p === '')) {
    throw new UsageError(`'${text}': use KIND/NAMESPACE/NAME, KIND/NAME or instance/NAMESPACE/SERVICE/ID`);
  }
  const kind = parseKind(parts[0]!)!;
  const namespace = parts.length === 3 ? parts[1]! : 'default';
  const name = parts.at(-1)!;
  return { request: { policy: { kind, namespace, name } }, label: `${kind} ${namespace}/${name}` };
}

export function parseTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = parseDuration(String(value));
  if (ms === undefined || ms < 100 || ms > 600_000) throw new UsageError(`--wait-timeout: '${String(value)}' must be a duration between 100ms and 10m (e.g. 30s)`);
  return ms;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function progressLine(label: string, p: MergedRollout): string {
  if (!p.viewReady) return `${label} revision ${p.revision}: waiting for config-push to see the change (${seconds(p.elapsedMs)})`;
  const parts = [`${p.acked}/${p.affected} acked`];
  if (p.nacks.length) parts.push(`${p.nacks.length} rejected`);
  if (p.pendingCount) parts.push(`${p.pendingCount} pending`);
  if (p.disconnected.length) parts.push(`${p.disconnected.length} disconnected`);
  return `${label} revision ${p.revision}: ${parts.join(', ')} (${seconds(p.elapsedMs)})`;
}

export function finalLines(label: string, p: MergedRollout): string[] {
  const lines: string[] = [];
  switch (p.outcome) {
    case 'COMPLETE':
      lines.push(`${label} revision ${p.revision}: rolled out to ${p.acked}/${p.affected} proxies in ${seconds(p.elapsedMs)}`);
      break;
    case 'NACKED':
      lines.push(`${label} revision ${p.revision}: REJECTED by ${p.nacks.length} of ${p.affected} proxies (${p.acked} acked)`);
      break;
    case 'DEADLINE_EXCEEDED':
      lines.push(`${label} revision ${p.revision}: NOT COMPLETE after ${seconds(p.elapsedMs)}: ${p.acked}/${p.affected} acked, ${p.pendingCount} pending, ${p.disconnected.length} disconnected${p.viewReady ? '' : ' (config-push has not seen the change)'}`);
      break;
    case 'NO_PROXIES':
      lines.push(`${label} revision ${p.revision}: NOT CONFIRMED: no connected or known proxy holds it, although ${p.registered} instance(s) of the target are registered`);
      break;
    default:
      lines.push(`${label} revision ${p.revision}: ${p.outcome} (${p.acked}/${p.affected} acked)`);
  }
  for (const n of p.nacks) lines.push(`  rejected by ${n.instanceId}: ${n.type} ${n.name} version ${n.version || '(removal)'}: ${n.error?.message ?? ''}`);
  for (const id of p.pending.slice(0, 20)) lines.push(`  pending: ${id}`);
  if (p.pendingCount > 20) lines.push(`  … and ${p.pendingCount - 20} more pending`);
  for (const id of p.disconnected.slice(0, 20)) lines.push(`  disconnected: ${id} (registered, no stream to any config-push replica)`);
  if (p.disconnected.length > 20) lines.push(`  … and ${p.disconnected.length - 20} more disconnected`);
  for (const f of p.failedReplicas) lines.push(`  config-push ${f.address} did not answer: ${f.error}`);
  return lines;
}

/** 0 complete · 9 rejected · 10 not complete (timed out, disconnected, no proxies). */
export function exitCodeOfRollout(p: MergedRollout): ExitCode {
  if (p.outcome === 'COMPLETE') return EXIT.OK;
  if (p.outcome === 'NACKED') return EXIT.REJECTED;
  return EXIT.INCOMPLETE;
}

/**
 * Follow one rollout, printing progress (a rewritten line on a terminal, one line per change
 * otherwise, nothing for JSON) and the outcome. Returns the merged final progress.
 */
export async function followRollout(
  ctx: CommandContext,
  fleet: StatusFleet,
  target: { request: WaitForRolloutRequest; label: string },
  options: { revision?: number; timeoutMs: number; json: boolean },
): Promise<MergedRollout> {
  const live = !options.json && process.stdout.isTTY === true;
  let lastLine = '';
  const final = await fleet.waitForRollout({ ...target.request, revision: options.revision ?? 0, timeoutMs: options.timeoutMs }, (p) => {
    if (options.json || p.done) return;
    const line = progressLine(target.label, p);
    if (line === lastLine) return;
    lastLine = line;
    ctx.stdout.write(live ? `\r\x1b[2K${line}` : `${line}\n`);
  });
  if (live && lastLine) ctx.stdout.write('\r\x1b[2K');
  if (options.json) ctx.stdout.write(toJson({ target: target.label, ...final }));
  else {
    const lines = finalLines(target.label, final);
    (final.outcome === 'COMPLETE' ? ctx.stdout : ctx.stderr).write(lines.join('\n') + '\n');
  }
  return final;
}

/** `apply --wait`: follow the rollout of every applied policy; the worst exit code wins. */
export async function waitForApplied(
  ctx: CommandContext,
  values: ParsedArgs['values'],
  applied: Array<{ kind: string; namespace: string; name: string; revision: number }>,
): Promise<ExitCode> {
  const timeoutMs = parseTimeout(values['wait-timeout']);
  const fleet = fleetFor(ctx, values);
  try {
    let code: ExitCode = EXIT.OK;
    for (const p of applied) {
      const final = await followRollout(
        ctx,
        fleet,
        { request: { policy: { kind: p.kind, namespace: p.namespace, name: p.name } }, label: `${p.kind} ${p.namespace}/${p.name}` },
        { revision: p.revision, timeoutMs, json: false },
      );
      if (code === EXIT.OK) code = exitCodeOfRollout(final);
    }
    return code;
  } finally {
    fleet.close();
  }
}

export const rolloutStatusCommand: Command = {
  name: 'rollout status',
  summary: 'Follow a change until every affected proxy has acknowledged it',
  usage: 'rollout status KIND/NAMESPACE/NAME|instance/NAMESPACE/SERVICE/ID [--revision N] [--wait-timeout 30s] [--replicas ADDR,…] [-o text|json]',
  options: {
    revision: { type: 'string' },
    'wait-timeout': { type: 'string' },
    output: { type: 'string', short: 'o' },
    ...REPLICAS_OPTION,
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'a target is required, e.g. Route/default/catalog' : `unexpected argument '${positionals[1]}'`);
    const target = parseRolloutTarget(positionals[0]!);
    const format = (values.output as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`-o must be text or json (got '${format}')`);
    let revision: number | undefined;
    if (values.revision !== undefined) {
      revision = Number(values.revision);
      if (!Number.isSafeInteger(revision) || revision < 1) throw new UsageError('--revision must be a whole number ≥ 1');
    }
    const fleet = fleetFor(ctx, values);
    try {
      const final = await followRollout(ctx, fleet, target, { ...(revision === undefined ? {} : { revision }), timeoutMs: parseTimeout(values['wait-timeout']), json: format === 'json' });
      return exitCodeOfRollout(final);
    } finally {
      fleet.close();
    }
  },
};
