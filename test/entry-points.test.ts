// Every service entry point: refuses a malformed configuration the same way (exit code 2 and one
// message that names each bad field), and when configured well serves /healthz, /readyz,
// /metrics and gRPC health, then shuts down cleanly on SIGTERM with exit code 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { waitFor } from './harness/index.js';
import { parseListeningLines, REPORT_LISTENING_ENV } from '../lib/net.js';
import { ensureDevRoot } from '../lib/identity/ca-material.js';

const require = createRequire(import.meta.url);

const ENTRY_POINTS = ['services/registry/main.ts', 'services/policy/main.ts', 'services/config-push/main.ts', 'services/identity/main.ts'];

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

describe('a service with neither tls nor insecure refuses to start', () => {
  for (const entry of ENTRY_POINTS.filter((e) => !e.includes('identity'))) {
    it(`${entry}: exit 2 naming tls`, async () => {
      const { code, stderr } = await run(entry, { PLEXUS_GRPC__PORT: '0', PLEXUS_ADMIN__PORT: '0', PLEXUS_AUTH__ANONYMOUS: 'viewer' });
      assert.equal(code, 2, stderr);
      assert.match(stderr, /- tls: is required: set tls\.certFile, tls\.keyFile and tls\.caFile .*or insecure: true/);
      assert.doesNotMatch(stderr, /at .*\.ts:\d+/, 'no stack trace');
    });
  }
});

function grpcHealth(address: string, credentials = grpc.credentials.createInsecure()): Promise<string> {
  const def = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), { enums: String });
  const Health = (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as grpc.ServiceClientConstructor;
  const client = new Health(address, credentials);
  return new Promise((resolve, reject) =>
    (client as any).check({ service: '' }, { deadline: Date.now() + 5000 }, (err: Error | null, res: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    }),
  );
}

describe('a well-configured service starts, serves health, and stops on SIGTERM', () => {
  for (const entry of ENTRY_POINTS) {
    it(`${entry}: ready, then SIGTERM → exit 0`, async () => {
      // Port 0 for both listeners; the service reports the ports it got on stdout.
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '',
        [REPORT_LISTENING_ENV]: '1',
        PLEXUS_GRPC__PORT: '0',
        PLEXUS_ADMIN__PORT: '0',
        PLEXUS_LOG_LEVEL: 'warn',
        PLEXUS_INSECURE: 'true',
      };
      if (entry.includes('policy')) env.PLEXUS_AUTH__ANONYMOUS = 'viewer';
      let credentials = grpc.credentials.createInsecure();
      if (entry.includes('identity')) {
        const root = await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-entry-ca-')));
        Object.assign(env, {
          PLEXUS_CA__ROOT_CERT_FILE: root.rootCertFile,
          PLEXUS_CA__ROOT_KEY_FILE: root.rootKeyFile,
          PLEXUS_CA__GENERATE_INTERMEDIATE: 'true',
        });
        credentials = grpc.credentials.createSsl(readFileSync(root.rootCertFile));
      }
      const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const port = (name: string): number | undefined => parseListeningLines(stdout).find((r) => r.name === name)?.port;
      try {
        await waitFor(`${entry} to report its ports`, () => port('grpc') !== undefined && port('admin') !== undefined, { timeoutMs: 30_000 });
        const [grpcPort, adminPort] = [port('grpc')!, port('admin')!];
        const admin = `http://127.0.0.1:${adminPort}`;
        await waitFor(`${entry} /readyz`, async () => (await fetch(`${admin}/readyz`)).status === 200, { timeoutMs: 30_000 });
        assert.equal((await fetch(`${admin}/healthz`)).status, 200);
        assert.match(await (await fetch(`${admin}/metrics`)).text(), /^plexus_process_cpu_seconds_total /m);
        assert.equal(await grpcHealth(`127.0.0.1:${grpcPort}`, credentials), 'SERVING');
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 20_000)))]);
        clearTimeout(timer);
        assert.equal(code, 0, `exit code (stderr: ${stderr.slice(-500)})`);
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});
