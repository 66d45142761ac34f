// `npm run bench [-- --quick] [-- --only=a,b] [-- --compare FILE [--with FILE2]]`: checks (and
// installs, when it can) the tools the scenarios need, measures the physical floors (etcd
// put→watch, NATS request-reply) and runs each scenario script in its own process, then prints
// one table and writes bench/results/summary.json with the commit, machine and load it ran
// under. Scenario scripts write their own JSON beside it; the final table is read back from the
// JSON of the scenarios that ran (and succeeded) in THIS run. `--compare FILE` then prints every
// figure beside the same figure of an earlier summary.json; with `--with FILE2` it compares two
// saved summaries without running anything.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { ensureBenchTools } from './bench-tools.js';
import { compareFigures, figuresOf, formatValues, type SummaryLike } from './figures.js';
import { measureFloors } from './floors.js';
import { fmt, printTable } from './stats.js';

const quick = process.argv.includes('--quick');
const only = option('only')?.split(',');
const compareWith = option('compare');
const resultsDir = join(process.cwd(), 'bench', 'results');

/** Scenario scripts, each runnable alone (`tsx bench/<name>.ts [--quick]`). */
const SCENARIOS = ['registry', 'convergence', 'ha', 'xds', 'churn', 'efficiency', 'restart-storm', 'mesh-wide', 'dataplane', 'identity', 'federation'] as const;

/** `--name VALUE` or `--name=VALUE`. */
function option(name: string): string | undefined {
  const argv = process.argv;
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function readSummary(file: string): SummaryLike & { date?: string; commit?: { sha?: string } | null } {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SummaryLike;
  } catch (err) {
    console.error(`bench: cannot read ${file}: ${(err as Error).message}`);
    process.exit(2);
  }
}

function printComparison(beforeFile: string, before: ReturnType<typeof readSummary>, after: ReturnType<typeof readSummary>, afterName: string): void {
  const label = (s: ReturnType<typeof readSummary>): string => `${s.date?.slice(0, 16) ?? '?'} ${s.commit?.sha?.slice(0, 9) ?? ''}`.trim();
  printTable(`Change: ${beforeFile} (${label(before)}) → ${afterName} (${label(after)})`, ['scenario', 'figure', 'before', 'after', 'change', ''], compareFigures(before, after));
}

// Only compare two saved results.
const withFile = option('with');
if (compareWith && withFile) {
  printComparison(compareWith, readSummary(compareWith), readSummary(withFile), withFile);
  process.exit(0);
}
const earlier = compareWith ? readSummary(compareWith) : undefined;

/** The commit the bench measures (and whether the tree differs from it). */
function commitInfo(): { sha: string; branch: string; dirty: boolean } | null {
  const git = (...args: string[]): string | null => {
    const r = spawnSync('git', args, { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const sha = git('rev-parse', 'HEAD');
  if (sha === null) return null;
  return { sha, branch: git('rev-parse', '--abbrev-ref', 'HEAD') ?? '', dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '' };
}

const load = (): { '1m': number; '5m': number; '15m': number } => {
  const [a, b, c] = loadavg();
  return { '1m': a!, '5m': b!, '15m': c! };
};

const started = new Date();
const selected = SCENARIOS.filter((n) => !only || only.includes(n));
const tools = ensureBenchTools(selected);
if (tools.fatal) {
  console.error(`bench: cannot measure the floors without ${tools.missing.join(', ')}; install with:\n  ${tools.command}`);
  process.exit(1);
}
// Other work on the machine skews every figure: the load averages go in the summary.
const loadAtStart = load();
const commit = commitInfo();
console.log(
  `plexus bench${quick ? ' (quick)' : ''}: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ` +
    `commit ${commit ? `${commit.sha.slice(0, 9)}${commit.dirty ? ' (modified)' : ''}` : 'unknown'}, load ${fmt(loadAtStart['1m'], 1)}`,
);

const floors = await measureFloors(quick ? 300 : 1000);
printTable('Floors (this machine, this run)', ['measure', 'p50 ms', 'p99 ms', 'n'], [
  ['etcd put → watch event', fmt(floors.etcdPutToWatchMs.p50), fmt(floors.etcdPutToWatchMs.p99), floors.etcdPutToWatchMs.n],
  ['etcd put (sequential)', fmt(floors.etcdPutMs.p50), fmt(floors.etcdPutMs.p99), floors.etcdPutMs.n],
  ['NATS request-reply', fmt(floors.natsRequestReplyMs.p50), fmt(floors.natsRequestReplyMs.p99), floors.natsRequestReplyMs.n],
]);

const scenarios: Record<string, unknown> = {};
const durations: Record<string, number> = {};
/** Load (1 min) when each scenario started: a noisy neighbour shows here. */
const scenarioLoad: Record<string, number> = {};
const skipped: Record<string, string> = {};
let failed = 0;
for (const name of selected) {
  const script = join('bench', `${name}.ts`);
  if (!existsSync(script)) {
    console.log(`\n[${name}] not present, skipped`);
    continue;
  }
  const lacks = tools.skipReason(name);
  if (lacks) {
    skipped[name] = lacks;
    console.log(`\n[${name}] SKIPPED: ${lacks}`);
    continue;
  }
  const t0 = Date.now();
  scenarioLoad[name] = loadavg()[0]!;
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
const loadAtEnd = load();
const summary = {
  date: started.toISOString(),
  quick,
  commit,
  machine: {
    hostname: hostname(),
    os: `${type()} ${release()}`,
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    // Kept here too for summaries read by older tooling.
    loadAverage1m: { atStart: loadAtStart['1m'], atEnd: loadAtEnd['1m'] },
  },
  load: { atStart: loadAtStart, atEnd: loadAtEnd, perScenario1m: scenarioLoad },
  totalSeconds,
  scenarioSeconds: durations,
  skipped,
  floors,
  scenarios,
};
writeFileSync(join(resultsDir, 'summary.json'), JSON.stringify(summary, null, 2));

printTable(
  `Summary — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${commit ? commit.sha.slice(0, 9) : 'no commit'}${commit?.dirty ? '+modified' : ''}, ` +
    `${summary.machine.cores} cores, ${summary.machine.memGiB} GiB, ${summary.machine.cpu}, node ${process.version}, ` +
    `load ${fmt(loadAtStart['1m'], 1)}→${fmt(loadAtEnd['1m'], 1)}${quick ? ', quick' : ''}, ${totalSeconds.toFixed(0)} s`,
  ['scenario', 'figure', 'value'],
  [...figuresOf(summary).map((f) => [f.scenario, f.figure, formatValues(f.values)]), ...Object.entries(skipped).map(([name, why]) => [name, 'SKIPPED', why])],
);
if (earlier && compareWith) printComparison(compareWith, earlier, summary, 'this run');
const skippedNote = Object.keys(skipped).length > 0 ? `; skipped ${Object.keys(skipped).join(', ')} (missing tools, see above)` : '';
console.log(`\nwrote bench/results/summary.json${failed ? `; ${failed} scenario(s) failed` : ''}${skippedNote}`);
process.exit(failed ? 1 : 0);
