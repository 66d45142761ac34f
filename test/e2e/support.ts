// Shared helpers of the end-to-end tests: plexctl as a child process (exactly as a user runs
// it), requests through the gateway, the canary document with chosen weights, and the process
// tree of a child (to prove nothing is left behind), and the dev mesh (`npm start`) on free ports.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ControlPlanePorts } from '../../deploy/dev/dev-mesh.js';
import { BANNER_READY_PREFIX } from '../../deploy/dev/banner.js';
import { waitFor } from '../harness/index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/plexctl.mjs …` from the repository root; never rejects, returns the exit code. */
export function plexctl(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO, 'bin', 'plexctl.mjs'), ...args],
      { cwd: REPO, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Failure text for an assertion on a plexctl run. */
export function describeRun(what: string, r: CliResult): string {
  return `${what} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/**
 * examples/canary.yaml with the v1/v2 weights replaced, written to a temp file; returns its path.
 * The example's other fields (timeout, retries) are kept as they are.
 */
export async function canaryWithWeights(v1: number, v2: number): Promise<string> {
  const doc = parseYaml(readFileSync(join(REPO, 'examples', 'canary.yaml'), 'utf8')) as {
    spec: { rules: Array<{ destinations: Array<{ subset: { version: string }; weight: number }> }> };
  };
  const destinations = doc.spec.rules[0]!.destinations;
  const byVersion = new Map(destinations.map((d) => [d.subset.version, d]));
  if (!byVersion.has('v1') || !byVersion.has('v2')) throw new Error('examples/canary.yaml no longer splits between v1 and v2');
  byVersion.get('v1')!.weight = v1;
  byVersion.get('v2')!.weight = v2;
  const dir = await mkdtemp(join(tmpdir(), 'plexus-e2e-canary-'));
  const file = join(dir, `canary-${v1}-${v2}.yaml`);
  await writeFile(file, stringifyYaml(doc));
  return file;
}

export interface GatewayReply {
  status: number;
  body: string;
  /** catalog.version from the demo frontend's JSON, when the body is that JSON. */
  catalogVersion: string | undefined;
}

/** One GET through the gateway on `agent` (keep-alive when the agent is). */
export function getThrough(url: string, agent?: http.Agent, timeoutMs = 10_000): Promise<GatewayReply> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let catalogVersion: string | undefined;
        try {
          catalogVersion = (JSON.parse(body) as { catalog?: { version?: string } }).catalog?.version;
        } catch {
          catalogVersion = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, catalogVersion });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** A steady request loop through the gateway: `clients` keep-alive clients, each one request at a time. */
export class GatewayLoad {
  readonly failures: string[] = [];
  readonly versions = new Map<string, number>();
  /** Each answered request: when it was sent and which catalog version answered. */
  private readonly answered: Array<{ sentAt: number; version: string }> = [];
  completed = 0;
  private stopped = false;
  private readonly agents: http.Agent[] = [];
  private readonly loops: Array<Promise<void>> = [];

  constructor(url: string, clients: number, private readonly maxRequests: number) {
    for (let i = 0; i < clients; i++) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.push(agent);
      this.loops.push(this.loop(url, agent, i));
    }
  }

  private async loop(url: string, agent: http.Agent, client: number): Promise<void> {
    while (!this.stopped && this.completed < this.maxRequests) {
      const sentAt = Date.now();
      const at = new Date(sentAt).toISOString();
      try {
        const reply = await getThrough(url, agent);
        if (reply.status !== 200) this.failures.push(`${at} client ${client}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
        else {
          this.versions.set(String(reply.catalogVersion), (this.versions.get(String(reply.catalogVersion)) ?? 0) + 1);
          this.answered.push({ sentAt, version: String(reply.catalogVersion) });
        }
      } catch (err) {
        this.failures.push(`${at} client ${client}: ${(err as Error).message}`);
      }
      this.completed++;
    }
  }

  /** Catalog versions that answered the requests sent in [from, to) (epoch ms). */
  versionsSentBetween(from: number, to: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const a of this.answered) if (a.sentAt >= from && a.sentAt < to) out.set(a.version, (out.get(a.version) ?? 0) + 1);
    return out;
  }

  /** Resolves once `n` more requests have completed (or the load ran out of its budget). */
  async more(n: number, what: string): Promise<void> {
    const target = this.completed + n;
    await waitFor(`${n} more requests ${what}`, () => this.completed >= Math.min(target, this.maxRequests), { timeoutMs: 60_000, intervalMs: 20 });
  }

  get exhausted(): boolean {
    return this.completed >= this.maxRequests;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    for (const a of this.agents) a.destroy();
  }
}

/** The fields of /proc/<pid>/stat after the parenthesised command name (state, ppid, …), if it exists. */
function statFields(pid: number | string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  } catch {
    return undefined;
  }
}
// Field 22 of /proc/<pid>/stat (index 19 here): when the process started. A pid is only the same
// process while its start time is: with pid_max 32768 and thousands of processes per test run a
// pid is reused within minutes of a busy run, and killing "every pid we once saw" can SIGKILL
// another test file's server (suspected: east's etcd dying mid-test in
// test/federation/two-cluster-e2e.test.ts, which then failed with ECONNREFUSED).
const START_TIME = 19;
const startTimes = new Map<number, string>();

/** Every descendant pid of `pid` (from /proc), children first; each remembered with its start time (alive()). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields) parentOf.set(Number(entry), Number(fields[1]));
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  for (const child of out) {
    const start = statFields(child)?.[START_TIME];
    if (start !== undefined) startTimes.set(child, start);
  }
  return out;
}

/**
 * True while a process with this pid exists (and is not a zombie) and, for a pid descendants()
 * returned, is still that process (same start time), not a later one given the reused pid.
 */
export function alive(pid: number): boolean {
  const fields = statFields(pid);
  if (!fields || fields[0] === 'Z') return false;
  const seen = startTimes.get(pid);
  return seen === undefined || fields[START_TIME] === seen;
}

/** The control plane's ports and the gateway's. */
export type DevMeshPorts = ControlPlanePorts & { gateway: number };

export interface DevMesh {
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ports: DevMeshPorts;
  /** The plexctl flags that reach this mesh. */
  flags: string[];
  gatewayUrl: string;
  /** Spawn to banner, in ms. */
  startupMs: number;
  /** Its process tree once up; stop() kills what is left of it. */
  tree: number[];
  /** All it printed so far; the last 20 kB of stderr. */
  stdout: string;
  stderr: string;
  /** Send `signal` (SIGKILL after 20 s), wait for the exit, and kill whatever of its tree is left. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * The ports the banner of `npm start` says its servers listen on (every server bound port 0 and
 * the banner prints the bound addresses); undefined while a line is missing.
 */
export function bannerPorts(text: string): DevMeshPorts | undefined {
  const grpcAndAdmin = (service: string): [number, number] | undefined => {
    const m = new RegExp(`^  ${service} +gRPC 127\\.0\\.0\\.1:(\\d+) +admin http://127\\.0\\.0\\.1:(\\d+)`, 'm').exec(text);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  };
  const registry = grpcAndAdmin('registry');
  const policy = grpcAndAdmin('policy');
  const configPush = grpcAndAdmin('config-push');
  const identity = grpcAndAdmin('identity');
  const consolePort = /^  console +http:\/\/127\.0\.0\.1:(\d+)/m.exec(text)?.[1];
  const gateway = /^  ingress gateway http:\/\/127\.0\.0\.1:(\d+)/m.exec(text)?.[1];
  if (!registry || !policy || !configPush || !identity || consolePort === undefined || gateway === undefined) return undefined;
  return {
    registry: registry[0],
    registryAdmin: registry[1],
    policy: policy[0],
    policyAdmin: policy[1],
    configPush: configPush[0],
    configPushAdmin: configPush[1],
    identity: identity[0],
    identityAdmin: identity[1],
    console: Number(consolePort),
    gateway: Number(gateway),
  };
}

/**
 * Start deploy/dev/main.ts as a newcomer would, every server on port 0 (no port picked here that
 * another process could take first), and wait for its whole banner; the ports are read from it.
 */
export async function startDevMesh(boundMs: number): Promise<DevMesh> {
  const ports: DevMeshPorts = { registry: 0, policy: 0, configPush: 0, registryAdmin: 0, policyAdmin: 0, configPushAdmin: 0, console: 0, identity: 0, identityAdmin: 0, gateway: 0 };
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', 'deploy/dev/main.ts',
      '--gateway-port', String(ports.gateway),
      '--ports.registry', String(ports.registry),
      '--ports.policy', String(ports.policy),
      '--ports.config-push', String(ports.configPush),
      '--ports.registry-admin', String(ports.registryAdmin),
      '--ports.policy-admin', String(ports.policyAdmin),
      '--ports.config-push-admin', String(ports.configPushAdmin),
      '--ports.console', String(ports.console),
      '--ports.identity', String(ports.identity),
      '--ports.identity-admin', String(ports.identityAdmin),
      '--ports.xds-plaintext', '0',
    ],
    // PLEXUS_* from the caller's environment would reconfigure the mesh; start it as a newcomer would.
    { cwd: REPO, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLEXUS_'))), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const mesh: DevMesh = {
    child,
    exit,
    ports,
    flags: [],
    gatewayUrl: '',
    startupMs: 0,
    tree: [],
    stdout: '',
    stderr: '',
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exit;
        clearTimeout(timer);
      }
      for (const pid of mesh.tree) if (alive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (mesh.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (mesh.stderr = (mesh.stderr + d).slice(-20_000)));
  try {
    await waitFor(
      'the dev mesh banner',
      () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dev mesh exited early (${child.exitCode ?? child.signalCode})\n${mesh.stdout}\n${mesh.stderr}`);
        return mesh.stdout.includes(BANNER_READY_PREFIX);
      },
      { timeoutMs: boundMs, intervalMs: 50 },
    );
    mesh.startupMs = Date.now() - started;
    // The banner is written in one piece; wait for its last line before reading it.
    await waitFor('the end of the banner', () => mesh.stdout.includes('Ctrl-C stops everything'), { timeoutMs: 5000 });
    const bound = bannerPorts(mesh.stdout);
    if (!bound) throw new Error(`the dev mesh banner does not name every port:\n${mesh.stdout}`);
    Object.assign(ports, bound);
    mesh.flags = ['--server', `127.0.0.1:${ports.policy}`, '--registry', `127.0.0.1:${ports.registry}`, '--config-push', `127.0.0.1:${ports.configPush}`];
    mesh.gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    mesh.tree = descendants(child.pid!);
    return mesh;
  } catch (err) {
    await mesh.stop('SIGKILL');
    throw err;
  }
}
