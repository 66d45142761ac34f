// A server process owned by its launcher (a test, or deploy/local): start, wait until ready,
// kill / pause / restart for fault tests, and stop with its temp dir removed. Every process
// started here is also killed when the launching process exits, so nothing is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { parseListeningLines } from '../net.js';
import { waitFor } from './probes.js';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  /** Debian package that provides `command`, named in the error when it is missing. */
  debianPackage: string;
  /** Temp dir owned by this process; removed on stop(). */
  dir: string;
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const live = new Set<ChildProcess>();
function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
// The test runner cancels a timed-out file with SIGTERM; leave no server behind then either.
// Only inside the test runner (it sets NODE_TEST_CONTEXT): a launcher such as deploy/local
// that reuses this class handles its own signals to stop gracefully.
for (const signal of process.env.NODE_TEST_CONTEXT ? (['SIGTERM', 'SIGINT', 'SIGHUP'] as const) : []) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
  });
}

function allThreadsStopped(pid: number): boolean {
  const tasks = readdirSync(`/proc/${pid}/task`);
  // The state is the first field after the parenthesised command name.
  return tasks.every((t) => readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').replace(/^.*\) /s, '')[0] === 'T');
}

export function requireBinary(path: string, debianPackage: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} not found: install the Debian package '${debianPackage}' (apt-get install -y ${debianPackage})`);
  }
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private paused = false;
  /** Listener name → port, from the child's LISTENING_PREFIX lines (lib/net.ts) of this run. */
  private readonly reported = new Map<string, number>();

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
  /** The port the child reported for listener `name` in this run (first report wins). */
  listening(name: string): number | undefined {
    return this.reported.get(name);
  }

  /**
   * Merge `env` into the environment of later starts: a restart asks for the ports the first
   * run was given by the kernel, so the addresses others were handed stay right.
   */
  pinEnv(env: NodeJS.ProcessEnv): void {
    this.spec.env = { ...this.spec.env, ...env };
  }

  /** The last lines the server printed (for failure messages). */
  tail(lines = 30): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  async start(): Promise<void> {
    requireBinary(this.spec.command, this.spec.debianPackage);
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.dir,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.paused = false;
    live.add(child);
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    this.reported.clear();
    let partial = '';
    child.stdout?.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const end = text.lastIndexOf('\n');
      partial = text.slice(end + 1).slice(-4096);
      for (const r of parseListeningLines(text.slice(0, end + 1))) if (!this.reported.has(r.name)) this.reported.set(r.name, r.port);
    });
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => live.delete(child));
    // A child that dies during start-up is reported at once, not after the ready timeout.
    let onExit!: () => void;
    const died = new Promise<never>((_, reject) => {
      onExit = () => reject(new Error(`${this.spec.name} exited early (code ${child.exitCode ?? child.signalCode}):\n${this.tail()}`));
      child.once('exit', onExit);
    });
    died.catch(() => undefined);
    try {
      await Promise.race([
        // A dead child ends the polling too; `died` has already rejected the race by then.
        waitFor(`${this.spec.name} to be ready`, async () => !this.running || this.spec.ready(), { timeoutMs: this.spec.readyTimeoutMs ?? 30_000, intervalMs: 50 }),
        died,
      ]);
      child.off('exit', onExit);
    } catch (err) {
      await this.kill();
      throw new Error(`${this.spec.name} did not start: ${(err as Error).message}\n${this.tail()}`);
    }
  }

  /** Kill with a signal (default SIGKILL, like a crash) and wait for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    if (this.paused) child.kill('SIGCONT');
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
  }

  /**
   * Freeze the process (SIGSTOP): connections stay open but nothing answers. Resolves once
   * /proc shows every thread stopped — kill() returns before that, and on a loaded machine a
   * thread can still answer a request in between.
   */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child || !this.running || this.paused) return;
    child.kill('SIGSTOP');
    this.paused = true;
    const pid = child.pid!;
    await waitFor(`${this.spec.name} to be stopped`, () => {
      if (allThreadsStopped(pid)) return true;
      child.kill('SIGSTOP');
      return false;
    }, { timeoutMs: 10_000, intervalMs: 5 });
  }
  resume(): void {
    if (this.child && this.running && this.paused) {
      this.child.kill('SIGCONT');
      this.paused = false;
    }
  }

  /** Kill (if running) and start again on the same ports and data dir. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  /** Stop gracefully (SIGTERM, then SIGKILL after 5 s) and remove the temp dir. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.running) {
      if (this.paused) this.resume();
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.spec.dir, { recursive: true, force: true });
  }
}
