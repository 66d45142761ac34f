// The key figures of a bench summary (bench/results/summary.json), read from the JSON each
// scenario wrote: one list both the end-of-run table and `--compare` use, so a comparison with
// an earlier run matches figure by figure (scenario + figure + value label).
import { fmt } from './stats.js';

export interface FigureValue {
  label: string;
  value: number;
  unit: string;
  /** Which way is an improvement (for the comparison's verdict). */
  better: 'lower' | 'higher';
}

export interface Figure {
  scenario: string;
  figure: string;
  values: FigureValue[];
}

/** What of a summary the figures read (older summaries have the same fields). */
export interface SummaryLike {
  floors?: unknown;
  scenarios?: Record<string, unknown>;
  scenarioSeconds?: Record<string, number>;
}

/** A number at a dotted path (NaN when absent: shown as '–'). */
export function num(obj: unknown, path: string): number {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return NaN;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'number' ? cur : NaN;
}

const lower = (label: string, value: number, unit: string): FigureValue => ({ label, value, unit, better: 'lower' });
const higher = (label: string, value: number, unit: string): FigureValue => ({ label, value, unit, better: 'higher' });
const latency = (obj: unknown, at: string): FigureValue[] => [lower('p50', num(obj, `${at}.p50`), 'ms'), lower('p99', num(obj, `${at}.p99`), 'ms')];

export function formatValues(values: readonly FigureValue[]): string {
  return values.map((v) => `${v.label} ${fmt(v.value, digitsFor(v))}${v.unit ? ` ${v.unit}` : ''}`).join(' / ');
}

function digitsFor(v: FigureValue): number {
  return v.unit === 'ms' || v.unit === 'KiB' || v.unit === '%' ? 2 : v.unit === 's' ? 1 : 0;
}

/** Every key figure the summary holds, in table order. */
export function figuresOf(summary: SummaryLike): Figure[] {
  const out: Figure[] = [];
  const add = (scenario: string, figure: string, ...values: FigureValue[]): void => void out.push({ scenario, figure, values });
  const s = summary.scenarios ?? {};
  const floors = summary.floors;
  if (floors) {
    add('floors', 'etcd put → watch', ...latency(floors, 'etcdPutToWatchMs'));
    add('floors', 'NATS request-reply', ...latency(floors, 'natsRequestReplyMs'));
  }
  const reg = s.registry as { results?: Array<{ backend: string }> } | undefined;
  for (const [i, r] of (reg?.results ?? []).entries()) {
    add('registry', `${r.backend}: registrations/s (1 replica)`, higher('', num(reg, `results.${i}.throughput.perSecond`), '/s'));
    add('registry', `${r.backend}: Register RTT (sequential)`, ...latency(reg, `results.${i}.eventLatencySequentialMs.registerRtt`));
  }
  const conv = s.convergence as { sizes?: Array<{ proxies: number }> } | undefined;
  for (const [i, sz] of (conv?.sizes ?? []).entries()) {
    add('convergence', `N=${sz.proxies}: Apply → ACK`, ...latency(conv, `sizes.${i}.convergenceMs`));
    add('convergence', `N=${sz.proxies}: mesh-wide change → every proxy ACK`, ...latency(conv, `sizes.${i}.meshWideMs`));
    add('convergence', `N=${sz.proxies}: config-push heap per proxy`, lower('', num(conv, `sizes.${i}.memoryPerProxy.heapBytes`) / 1024, 'KiB'));
  }
  if (conv) {
    add('convergence', 'one endpoint change / whole-mesh push', lower('change', num(conv, 'bytes.endpointChangeBytes'), 'B'), lower('full', num(conv, 'bytes.fullPushWholeMeshBytes'), 'B'));
    add('convergence', 'one endpoint change / the proxy\'s own full push', lower('', num(conv, 'bytes.ratioToOwnFullPushPercent'), '%'));
  }
  const ha = s.ha as { results?: Array<{ store: string; convergence: { proxies: number } }> } | undefined;
  for (const [i, r] of (ha?.results ?? []).entries()) {
    add('ha', `${r.store}: registrations/s (1 replica)`, higher('', num(ha, `results.${i}.registry.perSecond`), '/s'));
    add('ha', `${r.store}: Register RTT (sequential)`, ...latency(ha, `results.${i}.registry.registerRttMs`));
    add('ha', `${r.store}: Apply → ACK, ${r.convergence.proxies} proxies`, ...latency(ha, `results.${i}.convergence.applyToAckMs`));
  }
  const xds = s.xds as { sizes?: Array<{ clients: number }> } | undefined;
  for (const [i, sz] of (xds?.sizes ?? []).entries()) {
    add('xds', `N=${sz.clients}: Route apply → xDS client ACK`, ...latency(xds, `sizes.${i}.xdsApplyToAckMs`));
    add('xds', `N=${sz.clients}: same run, Plexus proxy ACK`, ...latency(xds, `sizes.${i}.plexusApplyToAckMs`));
  }
  const churn = s.churn;
  if (churn) {
    add('churn', 'register+deregister ops/s (2 replicas)', higher('', num(churn, 'throughput.opsPerSecond'), '/s'), lower('errors', num(churn, 'throughput.errors'), ''));
    add('churn', 'Register return → proxy Endpoints', ...latency(churn, 'registerReturnToEndpointsMs'));
    add('churn', 'Register send → proxy Endpoints', ...latency(churn, 'registerSendToEndpointsMs'));
    if (num(churn, 'zookeeper.throughput.opsPerSecond') >= 0) {
      add('churn', 'ZooKeeper: register+deregister ops/s (2 replicas)', higher('', num(churn, 'zookeeper.throughput.opsPerSecond'), '/s'), lower('errors', num(churn, 'zookeeper.throughput.errors'), ''));
      add('churn', 'ZooKeeper: Register send → proxy Endpoints', ...latency(churn, 'zookeeper.registerSendToEndpointsMs'));
    }
  }
  const eff = s.efficiency;
  if (eff) {
    add('efficiency', 'one endpoint change → subscribed proxy', lower('', num(eff, 'subscribedProxy.changeBytes'), 'B'), lower('of own full push', num(eff, 'subscribedProxy.changeVsOwnPushPercent'), '%'));
    add('efficiency', 'same, older proxy (no endpoint deltas)', lower('', num(eff, 'legacyProxy.changeBytes'), 'B'));
    add('efficiency', `full-state push (${fmt(num(eff, 'setup.services'), 0)} services)`, lower('', num(eff, 'wildcardProxy.fullStatePushBytes'), 'B'));
    add('efficiency', 'change → unsubscribed proxies', lower('', num(eff, 'unsubscribedProxies.changeBytesTotal'), 'B'));
  }
  const mw = s['mesh-wide'] as { sizes?: Array<{ proxies: number; configPushReplicas: number }> } | undefined;
  for (const [i, sz] of (mw?.sizes ?? []).entries()) {
    add('mesh-wide', `N=${sz.proxies} over ${sz.configPushReplicas} config-push: Mesh change → every proxy ACK`, ...latency(mw, `sizes.${i}.meshWideMs`));
    add('mesh-wide', `N=${sz.proxies}: config-push heap per proxy`, lower('', num(mw, `sizes.${i}.heapPerProxyBytes`) / 1024, 'KiB'));
  }
  const storm = s['restart-storm'];
  if (storm) {
    const n = fmt(num(storm, 'setup.proxies'), 0);
    add('restart-storm', `${n} proxies resume on a restarted config-push`, ...latency(storm, 'unchanged.resumeMs'));
    add('restart-storm', 'nothing changed: resumption bytes / full state', lower('', num(storm, 'unchanged.bytes'), 'B'), lower('share', num(storm, 'unchanged.percentOfFullState'), '%'));
    add('restart-storm', 'one change per service meanwhile: resumption bytes', lower('', num(storm, 'oneChangePerService.bytes'), 'B'), lower('share', num(storm, 'oneChangePerService.percentOfFullState'), '%'));
  }
  const dp = s.dataplane;
  if (dp) {
    add('dataplane', 'req/s direct / plexus pair / nginx pair', ...['direct', 'plexus', 'nginx'].map((k) => higher(k, num(dp, `scenarios.${k}.throughput.rps`), '/s')));
    add('dataplane', 'added latency, plexus pair', lower('p50', num(dp, 'ratios.plexusAddedLatency.p50Ms'), 'ms'), lower('p99', num(dp, 'ratios.plexusAddedLatency.p99Ms'), 'ms'));
    add('dataplane', 'added latency, nginx pair', lower('p50', num(dp, 'ratios.nginxAddedLatency.p50Ms'), 'ms'), lower('p99', num(dp, 'ratios.nginxAddedLatency.p99Ms'), 'ms'));
    add('dataplane', 'req/s plexus mTLS pair / nginx TLS pair', ...['plexusMtls', 'nginxTls'].map((k) => higher(k, num(dp, `scenarios.${k}.throughput.rps`), '/s')));
    add('dataplane', 'added latency, plexus mTLS pair', lower('p50', num(dp, 'ratios.plexusMtlsAddedLatency.p50Ms'), 'ms'), lower('p99', num(dp, 'ratios.plexusMtlsAddedLatency.p99Ms'), 'ms'));
  }
  const fed = s.federation;
  if (fed) {
    add('federation', 'register in east → west Endpoints', ...latency(fed, 'propagationMs.register'));
    add('federation', 'deregister in east → west Endpoints', ...latency(fed, 'propagationMs.deregister'));
  }
  const id = s.identity;
  if (id) {
    add('identity', 'CSR signings/s (1 replica, 16 open mTLS channels)', higher('', num(id, 'signing.perSecond'), '/s'), lower('errors', num(id, 'signing.errors'), ''));
    add('identity', 'RenewCertificate under that load', ...latency(id, 'signing.renewRttUnderLoadMs'));
    add('identity', '1,000 proxies renewing: identity CPU', lower('', num(id, 'renewals.identityCpuMs') / 1000, 's'), lower('each', num(id, 'renewals.cpuMsPerRenewal'), 'ms'));
  }
  for (const [name, secs] of Object.entries(summary.scenarioSeconds ?? {})) add('(time)', name, lower('', secs, 's'));
  return out;
}

/**
 * Rows comparing two summaries figure by figure: before, after, the relative change, and
 * whether it is better or worse (changes within ±5 % are noise on a shared box: 'same').
 */
export function compareFigures(before: SummaryLike, after: SummaryLike): string[][] {
  const old = new Map<string, FigureValue>();
  for (const f of figuresOf(before)) for (const v of f.values) old.set(`${f.scenario}|${f.figure}|${v.label}`, v);
  const rows: string[][] = [];
  for (const f of figuresOf(after)) {
    for (const v of f.values) {
      const key = `${f.scenario}|${f.figure}|${v.label}`;
      const b = old.get(key);
      old.delete(key);
      const name = v.label ? `${f.figure} (${v.label})` : f.figure;
      rows.push([f.scenario, name, b ? formatValues([{ ...b, label: '' }]).trim() : 'absent', formatValues([{ ...v, label: '' }]).trim(), ...verdict(b?.value, v)]);
    }
  }
  for (const [key, b] of old) {
    const [scenario, figure, label] = key.split('|') as [string, string, string];
    rows.push([scenario, label ? `${figure} (${label})` : figure, formatValues([{ ...b, label: '' }]).trim(), 'absent', '', '']);
  }
  return rows;
}

function verdict(before: number | undefined, after: FigureValue): [string, string] {
  if (before === undefined || !Number.isFinite(before) || !Number.isFinite(after.value)) return ['', ''];
  if (before === 0) return after.value === 0 ? ['0 %', 'same'] : ['', after.better === 'lower' ? 'worse' : 'better'];
  const change = (after.value - before) / Math.abs(before);
  const pct = `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %`;
  if (Math.abs(change) < 0.05) return [pct, 'same'];
  const improved = after.better === 'lower' ? change < 0 : change > 0;
  return [pct, improved ? 'better' : 'worse'];
}
