// Test support (not a test): starts an in-process policy service on real backends and gives
// clients per role. Shared by the policy service tests and plexctl's tests.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { PolicyClient } from '../../lib/policy-client/index.js';
import type { BusConfig } from '../../lib/bus/index.js';
import { createRuntime, type Runtime } from '../../lib/runtime.js';
import type { StoreConfig } from '../../lib/store/index.js';
import type { Role } from '../../lib/auth/operator-auth.js';
import { startPolicyService, type PolicyServiceHandle } from '../../services/policy/policy-service.js';

export const TEST_TOKENS: Record<Role, string> = {
  viewer: 'viewer-token-0000000000001',
  editor: 'editor-token-0000000000001',
  admin: 'admin-token-00000000000001',
};

export interface PolicyTestEnv {
  runtime: Runtime;
  service: PolicyServiceHandle;
  address: string;
  /** Parsed pino lines written by this replica (audit lines have `audit: true`). */
  logLines: Array<Record<string, unknown>>;
  client(role?: Role | 'anonymous' | { token: string }): PolicyClient;
  close(): Promise<void>;
}

export interface PolicyTestEnvOptions {
  store: StoreConfig;
  bus: BusConfig;
  cluster?: string;
  instance?: string;
  historyLimit?: number;
}

/** A pino logger that keeps its lines in memory, for audit assertions. */
export function capturingLogger(lines: Array<Record<string, unknown>>): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

export async function startPolicyTestEnv(options: PolicyTestEnvOptions): Promise<PolicyTestEnv> {
  const cluster = options.cluster ?? 'test';
  const logLines: Array<Record<string, unknown>> = [];
  const runtime = await createRuntime(
    'policy',
    {
      cluster,
      zone: 'z1',
      instance: options.instance ?? 'policy-test',
      logLevel: 'info',
      store: options.store,
      bus: options.bus,
      admin: { host: '127.0.0.1', port: 0 },
    },
    { logger: capturingLogger(logLines) },
  );
  const service = await startPolicyService(runtime, {
    cluster,
    grpc: { host: '127.0.0.1', port: 0 },
    insecure: true,
    auth: {
      tokens: (Object.keys(TEST_TOKENS) as Role[]).map((role) => ({ name: `${role}-user`, token: TEST_TOKENS[role], role })),
      anonymous: 'none',
    },
    policy: { historyLimit: options.historyLimit ?? 50 },
  });
  const clients: PolicyClient[] = [];
  return {
    runtime,
    service,
    address: service.address,
    logLines,
    client(role = 'admin') {
      const token = role === 'anonymous' ? undefined : typeof role === 'object' ? role.token : TEST_TOKENS[role];
      const c = new PolicyClient(service.address, token === undefined ? {} : { token });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await runtime.lifecycle.shutdown('test done');
    },
  };
}
