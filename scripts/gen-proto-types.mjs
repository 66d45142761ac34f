#!/usr/bin/env node
// Regenerates TypeScript types for every proto under proto/plexus into lib/proto/gen, with the
// same loader options the services use at run time (lib/grpc/proto.ts). Reproducible: the output
// depends only on the .proto files and the pinned @grpc/proto-loader version.
// `--check` regenerates into a temp dir and fails if lib/proto/gen is out of date.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = process.cwd();
const out = join(root, 'lib', 'proto', 'gen');
const check = process.argv.includes('--check');

function walk(dir, acc = []) {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, acc);
    else if (n.endsWith('.proto')) acc.push(relative(join(root, 'proto'), p));
  }
  return acc;
}

const files = walk(join(root, 'proto', 'plexus')).sort();
const target = check ? mkdtempSync(join(tmpdir(), 'plexus-proto-')) : out;
if (!check) rmSync(out, { recursive: true, force: true });
execFileSync(
  join(root, 'node_modules', '.bin', 'proto-loader-gen-types'),
  [
    '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--includeComments',
    '--grpcLib=@grpc/grpc-js', '--importFileExtension=.js', '--targetFileExtension=.ts',
    '-I', 'proto', '-O', target, ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
if (check) {
  const a = walk2(target), b = walk2(out);
  const stale = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
  rmSync(target, { recursive: true, force: true });
  if (stale.length) {
    console.error(`lib/proto/gen is out of date (${stale.slice(0, 5).join(', ')}): run npm run proto:gen`);
    process.exit(1);
  }
  console.log('lib/proto/gen is up to date');
} else {
  console.log(`generated types for ${files.length} proto files into ${relative(root, out)}`);
}

function walk2(dir, base = dir, acc = {}) {
  let names = [];
  try { names = readdirSync(dir); } catch { return acc; }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk2(p, base, acc);
    else acc[relative(base, p)] = readFileSync(p, 'utf8');
  }
  return acc;
}
