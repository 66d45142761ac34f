// `npm run bench [-- --quick]`: measures the physical floors (etcd put→watch, NATS
// request-reply) and runs each scenario script in its own process, then prints one table and
// writes bench/results/summary.json. Scenario scripts write their own JSON beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureFloors } from './floors.js';
import { fmt, printTable } from './stats.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const resultsDir = join(process.cwd(), 'bench', 'results');

/** Scenario scripts, each runnable alone (`tsx bench/<name>.ts [--quick]`). */
const SCENARIOS = ['registry', 'convergence', 'dataplane'] as const;

const started = new Date();
console.log(`plexus bench${quick ? ' (quick)' : ''}: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);

const floors = await measureFloors(quick ? 300 : 1000);
printTable('Floors (this machine, this run)', ['measure', 'p50 ms', 'p99 ms', 'n'], [
  ['etcd put → watch event', fmt(floors.etcdPutToWatchMs.p50), fmt(floors.etcdPutToWatchMs.p99), floors.etcdPutToWatchMs.n],
  ['etcd put (sequential)', fmt(floors.etcdPutMs.p50), fmt(floors.etcdPutMs.p99), floors.etcdPutMs.n],
  ['NATS request-reply', fmt(floors.natsRequestReplyMs.p50), fmt(floors.natsRequestReplyMs.p99), floors.natsRequestReplyMs.n],
]);

const scenarios: Record<string, unknown> = {};
let failed = 0;
for (const name of SCENARIOS) {
  if (only && !only.includes(name)) continue;
  const script = join('bench', `${name}.ts`);
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
  if (res.status !== 0) {
    failed++;
    console.log(`[${name}] FAILED (exit ${res.status ?? res.signal})`);
  } else if (existsSync(out)) {
    scenarios[name] = JSON.parse(readFileSync(out, 'utf8'));
  }
}

const summary = { date: started.toISOString(), quick, machine: { cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, floors, scenarios };
writeFileSync(join(resultsDir, 'summary.json'), JSON.stringify(summary, null, 2));
console.log(`\nwrote bench/results/summary.json${failed ? `; ${failed} scenario(s) failed` : ''}`);
process.exit(failed ? 1 : 0);
