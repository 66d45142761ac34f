// Plexus programs (services, proxies, demo apps) as real child processes, on ManagedProcess:
// output kept, a crash during start-up reported at once, killed when the launching process exits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from './managed-process.js';
import { freePort } from '../net.js';
import { canConnect } from './probes.js';

/** The repository root; entry points are named relative to it. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Children run in their own temp dirs, where a bare `tsx` does not resolve: import tsx's loader
// by its resolved URL.
// BENCH_CPU_PROF_DIR=<dir>: every child writes a V8 CPU profile there when it exits (profiling a bench).
const NODE_ARGS = ['--import', import.meta.resolve('tsx'), ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : [])];

export interface NodeProcessSpec {
  name: string;
  /** Entry point relative to the repository root, e.g. `proxy/main.ts`. */
  entry: string;
  env: NodeJS.ProcessEnv;
  ready: () => Promise<boolean>;
  args?: string[];
  readyTimeoutMs?: number;
}

export async function spawnNodeProcess(spec: NodeProcessSpec): Promise<ManagedProcess> {
  const dir = await mkdtemp(join(tmpdir(), `plexus-${spec.name}-`));
  const proc = new ManagedProcess({
    name: spec.name,
    command: process.execPath,
    args: [...NODE_ARGS, join(REPO, spec.entry), ...(spec.args ?? [])],
    debianPackage: 'nodejs',
    dir,
    env: spec.env,
    readyTimeoutMs: spec.readyTimeoutMs ?? 60_000,
    ready: spec.ready,
  });
  try {
    await proc.start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return proc;
}

export interface ServiceProcess {
  process: ManagedProcess;
  port: number;
  /** `127.0.0.1:<gRPC port>` */
  address: string;
  /** `http://127.0.0.1:<admin port>` (/metrics, /readyz). */
  adminUrl: string;
  output(): string;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * services/<service>/main.ts on free gRPC and admin ports, configured by PLEXUS_* variables in
 * `env`; resolves once its gRPC port accepts connections.
 */
export async function spawnService(service: 'registry' | 'policy' | 'config-push' | 'identity', name: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  // A port named in `env` is kept (a service restarted where its clients expect it).
  const port = env.PLEXUS_GRPC__PORT ? Number(env.PLEXUS_GRPC__PORT) : await freePort();
  const admin = await freePort();
  const proc = await spawnNodeProcess({
    name,
    entry: `services/${service}/main.ts`,
    env: { PLEXUS_GRPC__PORT: String(port), PLEXUS_ADMIN__PORT: String(admin), ...env },
    ready: () => canConnect(port),
  });
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    await proc.kill(signal);
    await rm(proc.spec.dir, { recursive: true, force: true });
  };
  return {
    process: proc,
    port,
    address: `127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${admin}`,
    output: () => proc.tail(Number.MAX_SAFE_INTEGER),
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
