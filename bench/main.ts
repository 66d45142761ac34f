// `npm run bench [-- --quick]`: measures the physical floors (etcd put→watch, NATS
// request-reply) and runs each scenario script in its own process, then prints one table and
// writes bench/results/summary.json. Scenario scripts write their own JSON beside it; the final
// table is read back from the JSON of the scenarios that ran (and succeeded) in THIS run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureFloors } from './floors.js';
import { fmt, printTable } from './stats.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const resultsDir = join(process.cwd(), 'bench', 'results');

/** Scenario scripts, each runnable alone (`tsx bench/<name>.ts [--quick]`). */
const SCENARIOS = ['registry', 'convergence', 'ha', 'xds', 'churn', 'efficiency', 'dataplane', 'identity', 'federation'] as const;

const started = new Date();
// Other work on the machine skews every figure: the 1-minute load average goes in the summary.
const loadAtStart = loadavg()[0]!;
console.log(`plexus bench${quick ? ' (quick)' : ''}: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);

const floors = await measureFloors(quick ? 300 : 1000);
printTable('Floors (this machine, this run)', ['measure', 'p50 ms', 'p99 ms', 'n'], [
  ['etcd put → watch event', fmt(floors.etcdPutToWatchMs.p50), fmt(floors.etcdPutToWatchMs.p99), floors.etcdPutToWatchMs.n],
  ['etcd put (sequential)', fmt(floors.etcdPutMs.p50), fmt(floors.etcdPutMs.p99), floors.etcdPutMs.n],
  ['NATS request-reply', fmt(floors.natsRequestReplyMs.p50), fmt(floors.natsRequestReplyMs.p99), floors.natsRequestReplyMs.n],
]);

const scenarios: Record<string, unknown> = {};
const durations: Record<string, number> = {};
let failed = 0;
for (const name of SCENARIOS) {
  if (only && !only.includes(name)) continue;
  const script = join('bench', `${name}.ts`);
  const t0 = Date.now();
  if (!existsSync(script)) {
    console.log(`\n[${name}] not present, skipped`);
    continue;
  }
  console.log(`\n[${name}] running ${script}${quick ? ' --quick' : ''}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', script, ...(quick ? ['--quick'] : [])], {
    stdio: 'inherit',
    env: { ...process.env, PLEXUS_LOG_LEVEL: process.env.PLEXUS_LOG_LEVEL ?? 'silent' },
  });
  const out = join(resultsDir, `${name}.json`);
  durations[name] = (Date.now() - t0) / 1000;
  console.log(`[${name}] ${res.status === 0 ? 'done' : 'failed'} in ${durations[name].toFixed(1)} s`);
  if (res.status !== 0) {
    failed++;
    console.log(`[${name}] FAILED (exit ${res.status ?? res.signal})`);
  } else if (existsSync(out)) {
    scenarios[name] = JSON.parse(readFileSync(out, 'utf8'));
  }
}

const totalSeconds = (Date.now() - started.getTime()) / 1000;
const summary = {
  date: started.toISOString(),
  quick,
  machine: { cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0]! } },
  totalSeconds,
  scenarioSeconds: durations,
  floors,
  scenarios,
};
writeFileSync(join(resultsDir, 'summary.json'), JSON.stringify(summary, null, 2));

printTable(
  `Summary — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${summary.machine.cores} cores, ${summary.machine.memGiB} GiB, ${summary.machine.cpu}, node ${process.version}, load ${fmt(loadAtStart, 1)}→${fmt(summary.machine.loadAverage1m.atEnd, 1)}${quick ? ', quick' : ''}, ${totalSeconds.toFixed(0)} s`,
  ['scenario', 'figure', 'value'],
  summaryRows(),
);
console.log(`\nwrote bench/results/summary.json${failed ? `; ${failed} scenario(s) failed` : ''}`);
process.exit(failed ? 1 : 0);

/** A number at a dotted path of a scenario's JSON (NaN when absent: the table shows '–'). */
function num(obj: unknown, path: string): number {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return NaN;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'number' ? cur : NaN;
}

function ms(p50: number, p99: number): string {
  return `p50 ${fmt(p50)} / p99 ${fmt(p99)} ms`;
}

/** The key figures of every scenario that ran, read from its JSON. */
function summaryRows(): string[][] {
  const rows: string[][] = [
    ['floors', 'etcd put → watch', ms(floors.etcdPutToWatchMs.p50, floors.etcdPutToWatchMs.p99)],
    ['floors', 'NATS request-reply', ms(floors.natsRequestReplyMs.p50, floors.natsRequestReplyMs.p99)],
  ];
  const reg = scenarios.registry as { results?: Array<{ backend: string }> } | undefined;
  for (const [i, r] of (reg?.results ?? []).entries()) {
    const at = `results.${i}.`;
    rows.push(['registry', `${r.backend}: registrations/s (1 replica)`, fmt(num(reg, `${at}throughput.perSecond`), 0)]);
    rows.push(['registry', `${r.backend}: Register RTT (sequential)`, ms(num(reg, `${at}eventLatencySequentialMs.registerRtt.p50`), num(reg, `${at}eventLatencySequentialMs.registerRtt.p99`))]);
  }
  const conv = scenarios.convergence as { sizes?: Array<{ proxies: number }> } | undefined;
  for (const [i, s] of (conv?.sizes ?? []).entries()) {
    const at = `sizes.${i}.`;
    rows.push(['convergence', `N=${s.proxies}: Apply → ACK`, ms(num(conv, `${at}convergenceMs.p50`), num(conv, `${at}convergenceMs.p99`))]);
    rows.push(['convergence', `N=${s.proxies}: config-push heap per proxy`, `${fmt(num(conv, `${at}memoryPerProxy.heapBytes`) / 1024, 1)} KiB`]);
  }
  if (conv) rows.push(['convergence', 'one endpoint change / whole-mesh push', `${fmt(num(conv, 'bytes.endpointChangeBytes'), 0)} / ${fmt(num(conv, 'bytes.fullPushWholeMeshBytes'), 0)} bytes`]);
  const ha = scenarios.ha as { results?: Array<{ store: string; convergence: { proxies: number } }> } | undefined;
  for (const [i, r] of (ha?.results ?? []).entries()) {
    const at = `results.${i}.`;
    rows.push(['ha', `${r.store}: registrations/s (1 replica)`, fmt(num(ha, `${at}registry.perSecond`), 0)]);
    rows.push(['ha', `${r.store}: Register RTT (sequential)`, ms(num(ha, `${at}registry.registerRttMs.p50`), num(ha, `${at}registry.registerRttMs.p99`))]);
    rows.push(['ha', `${r.store}: Apply → ACK, ${r.convergence.proxies} proxies`, ms(num(ha, `${at}convergence.applyToAckMs.p50`), num(ha, `${at}convergence.applyToAckMs.p99`))]);
  }
  const xds = scenarios.xds as { sizes?: Array<{ clients: number }> } | undefined;
  for (const [i, s] of (xds?.sizes ?? []).entries()) {
    const at = `sizes.${i}.`;
    rows.push(['xds', `N=${s.clients}: Route apply → xDS client ACK`, ms(num(xds, `${at}xdsApplyToAckMs.p50`), num(xds, `${at}xdsApplyToAckMs.p99`))]);
    rows.push(['xds', `N=${s.clients}: same run, Plexus proxy ACK`, ms(num(xds, `${at}plexusApplyToAckMs.p50`), num(xds, `${at}plexusApplyToAckMs.p99`))]);
  }
  const churn = scenarios.churn;
  if (churn) {
    rows.push(['churn', 'register+deregister ops/s (2 replicas)', `${fmt(num(churn, 'throughput.opsPerSecond'), 0)} (${fmt(num(churn, 'throughput.errors'), 0)} errors)`]);
    rows.push(['churn', 'Register return → proxy Endpoints', ms(num(churn, 'registerReturnToEndpointsMs.p50'), num(churn, 'registerReturnToEndpointsMs.p99'))]);
    rows.push(['churn', 'Register send → proxy Endpoints', ms(num(churn, 'registerSendToEndpointsMs.p50'), num(churn, 'registerSendToEndpointsMs.p99'))]);
  }
  const eff = scenarios.efficiency;
  if (eff) {
    rows.push(['efficiency', 'one endpoint change → subscribed proxy', `${fmt(num(eff, 'subscribedProxy.changeBytes'), 0)} bytes`]);
    rows.push(['efficiency', `full-state push (${fmt(num(eff, 'setup.services'), 0)} services)`, `${fmt(num(eff, 'wildcardProxy.fullStatePushBytes'), 0)} bytes`]);
    rows.push(['efficiency', 'change → unsubscribed proxies', `${fmt(num(eff, 'unsubscribedProxies.changeBytesTotal'), 0)} bytes`]);
  }
  const fed = scenarios.federation;
  if (fed) rows.push(['federation', 'register in east → west Endpoints', ms(num(fed, 'propagationMs.register.p50'), num(fed, 'propagationMs.register.p99'))]);
  const dp = scenarios.dataplane;
  if (dp) {
    rows.push(['dataplane', 'req/s direct / plexus pair / nginx pair', ['direct', 'plexus', 'nginx'].map((k) => fmt(num(dp, `scenarios.${k}.throughput.rps`), 0)).join(' / ')]);
    rows.push(['dataplane', 'added latency, plexus pair', ms(num(dp, 'ratios.plexusAddedLatency.p50Ms'), num(dp, 'ratios.plexusAddedLatency.p99Ms'))]);
    rows.push(['dataplane', 'added latency, nginx pair', ms(num(dp, 'ratios.nginxAddedLatency.p50Ms'), num(dp, 'ratios.nginxAddedLatency.p99Ms'))]);
  }
  const id = scenarios.identity;
  if (id) {
    rows.push(['identity', 'CSR signings/s (1 replica, 16 open mTLS channels)', `${fmt(num(id, 'signing.perSecond'), 0)} (${fmt(num(id, 'signing.errors'), 0)} errors)`]);
    rows.push(['identity', 'RenewCertificate under that load', ms(num(id, 'signing.renewRttUnderLoadMs.p50'), num(id, 'signing.renewRttUnderLoadMs.p99'))]);
    rows.push(['identity', '1,000 proxies renewing: identity CPU', `${fmt(num(id, 'renewals.identityCpuMs') / 1000, 2)} s (${fmt(num(id, 'renewals.cpuMsPerRenewal'))} ms each)`]);
  }
  for (const [name, secs] of Object.entries(durations)) rows.push(['(time)', name, `${secs.toFixed(1)} s`]);
  return rows;
}
