#!/usr/bin/env node
// Runs every *.test.ts under lib/, services/, proxy/, cli/, test/ with node's test runner
// (via tsx). Servers are shared per test file, so files run two at a time on 2 cores.
// Usage: node scripts/run-tests.mjs [--unit] [path-filter ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['lib', 'services', 'proxy', 'cli', 'test', 'deploy'];
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(process.cwd(), p));
  }
}

let files = [];
for (const r of roots) walk(r, files);
if (unitOnly) files = files.filter((f) => f.endsWith('.unit.test.ts'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.PLEXUS_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, PLEXUS_LOG_LEVEL: process.env.PLEXUS_LOG_LEVEL ?? 'silent' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
