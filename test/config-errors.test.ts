// Every entry point refuses a malformed configuration the same way: exit code 2 and one message
// that names each bad field, before opening any port or connection.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ENTRY_POINTS = ['services/registry/main.ts', 'services/policy/main.ts', 'services/config-push/main.ts'];

function run(entry: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('malformed configuration stops start-up with one clear message', () => {
  for (const entry of ENTRY_POINTS) {
    it(`${entry}: bad env values → exit 2 naming every field`, async () => {
      assert.ok(existsSync(entry), `${entry} exists`);
      const { code, stderr } = await run(entry, {
        PLEXUS_CLUSTER: 'Bad_Cluster',
        PLEXUS_GRPC__PORT: '70000',
        PLEXUS_STORE__BACKEND: 'consul',
      });
      assert.equal(code, 2, stderr);
      assert.match(stderr, /invalid configuration/);
      assert.match(stderr, /- cluster: /);
      assert.match(stderr, /- grpc\.port: /);
      assert.match(stderr, /- store\.backend: /);
      assert.doesNotMatch(stderr, /at .*\.ts:\d+/, 'no stack trace');
    });

    it(`${entry}: unknown key in the config file → exit 2 naming it`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'plexus-badcfg-'));
      const file = join(dir, 'config.yaml');
      writeFileSync(file, 'grpc:\n  prot: 1\nlogLevel: loud\n');
      const { code, stderr } = await run(entry, {}, ['--config', file]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /- grpc: .*prot/);
      assert.match(stderr, /- logLevel: /);
    });
  }
});
