// Shared helpers of the end-to-end tests: plexctl as a child process (exactly as a user runs
// it), requests through the gateway (one at a time, or a steady keep-alive loop), the canary
// document with chosen weights, and the process tree of a child (to prove nothing is left
// behind).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
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
      const at = new Date().toISOString();
      try {
        const reply = await getThrough(url, agent);
        if (reply.status !== 200) this.failures.push(`${at} client ${client}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
        else this.versions.set(String(reply.catalogVersion), (this.versions.get(String(reply.catalogVersion)) ?? 0) + 1);
      } catch (err) {
        this.failures.push(`${at} client ${client}: ${(err as Error).message}`);
      }
      this.completed++;
    }
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

/** Every descendant pid of `pid` (from /proc), children first. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.replace(/^.*\) /s, '').split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      /* exited meanwhile */
    }
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
  return out;
}

/** True while a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}
