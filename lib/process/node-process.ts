// Plexus programs (services, proxies, demo apps) as real child processes, on ManagedProcess:
// output kept, a crash during start-up reported at once, killed when the launching process exits.
// Ports: the child binds port 0 for each listener it is asked about and reports the port it got
// on stdout (lib/net.ts reportListening); the launcher reads the reports and never picks a port
// itself, so no other process can take one in between. A restart asks for the same ports again,
// and a port from port 0 is in the ephemeral range, where an outgoing connection may have taken
// it meanwhile: a child that will be restarted (`restartable`) instead gets bind-checked ports
// from outside that range up front, and its start is retried on new ones if one was taken.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from './managed-process.js';
import { portsOutsideEphemeralRange, REPORT_LISTENING_ENV } from '../net.js';
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
  /**
   * Listeners the child reports, by name (`grpc`, `admin`, `outbound`, `inbound`, `gateway`,
   * `http`), each with the PLEXUS_* variable that sets its port. The variable is set to 0
   * unless `env` gives a port; after the start it is pinned to the reported port.
   */
  listeners?: Record<string, string>;
  /** Polled once every listener has been reported, with their ports. */
  ready: (ports: Record<string, number>) => Promise<boolean>;
  args?: string[];
  readyTimeoutMs?: number;
  /**
   * The launcher may restart it (fault tests, supervisors): listeners without a port in `env`
   * get ports from outside the ephemeral range, so a restart can bind them again.
   */
  restartable?: boolean;
}

/** The ports a started child reported for `names`. */
export function reportedPorts(proc: ManagedProcess, names: readonly string[]): Record<string, number> | undefined {
  const ports: Record<string, number> = {};
  for (const name of names) {
    const port = proc.listening(name);
    if (port === undefined) return undefined;
    ports[name] = port;
  }
  return ports;
}

const MAX_RESTARTABLE_STARTS = 4;

export async function spawnNodeProcess(spec: NodeProcessSpec): Promise<ManagedProcess> {
  if (!spec.restartable) return spawnOnce(spec, {});
  const free = Object.values(spec.listeners ?? {}).filter((variable) => spec.env[variable] === undefined);
  for (let attempt = 1; ; attempt++) {
    const ports = await portsOutsideEphemeralRange(free.length);
    try {
      return await spawnOnce(spec, Object.fromEntries(free.map((variable, i) => [variable, String(ports[i])])));
    } catch (err) {
      if (attempt >= MAX_RESTARTABLE_STARTS || !/EADDRINUSE|address already in use/i.test(String((err as Error).message))) throw err;
    }
  }
}

async function spawnOnce(spec: NodeProcessSpec, picked: NodeJS.ProcessEnv): Promise<ManagedProcess> {
  const dir = await mkdtemp(join(tmpdir(), `plexus-${spec.name}-`));
  const listeners = Object.entries(spec.listeners ?? {});
  const env: NodeJS.ProcessEnv = { ...spec.env, ...picked, [REPORT_LISTENING_ENV]: '1' };
  for (const [, variable] of listeners) env[variable] ??= '0';
  const names = listeners.map(([name]) => name);
  const proc: ManagedProcess = new ManagedProcess({
    name: spec.name,
    command: process.execPath,
    args: [...NODE_ARGS, join(REPO, spec.entry), ...(spec.args ?? [])],
    debianPackage: 'nodejs',
    dir,
    env,
    readyTimeoutMs: spec.readyTimeoutMs ?? 60_000,
    ready: async () => {
      const ports = reportedPorts(proc, names);
      return ports !== undefined && spec.ready(ports);
    },
  });
  try {
    await proc.start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  proc.pinEnv(Object.fromEntries(listeners.map(([name, variable]) => [variable, String(proc.listening(name))])));
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

/** The listeners of a control-plane service child (services/<name>/main.ts over lib/runtime.ts). */
export const SERVICE_LISTENERS = { grpc: 'PLEXUS_GRPC__PORT', admin: 'PLEXUS_ADMIN__PORT' } as const;

/**
 * services/<service>/main.ts on gRPC and admin ports it binds and reports, configured by
 * PLEXUS_* variables in `env`; resolves once its gRPC port accepts connections.
 */
export async function spawnService(service: 'registry' | 'policy' | 'config-push' | 'identity', name: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const proc = await spawnNodeProcess({
    name,
    entry: `services/${service}/main.ts`,
    env,
    listeners: SERVICE_LISTENERS,
    // Tests kill and restart services where their clients expect them.
    restartable: true,
    ready: (ports) => canConnect(ports.grpc!),
  });
  const port = proc.listening('grpc')!;
  const admin = proc.listening('admin')!;
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
