// What the three cluster harnesses share: members that can be killed, frozen and brought
// back one at a time, and starting on picked ports with a retry when another process took one
// of them in between (etcd, ZooKeeper and nats-server cannot all bind port 0 and report it).
import type { ManagedProcess } from './managed-process.js';
import { waitFor } from './probes.js';

export interface ClusterMember {
  /** Member name (etcd --name, ZooKeeper myid, nats server name). */
  readonly name: string;
  readonly process: ManagedProcess;
  /** Client port on 127.0.0.1. */
  readonly port: number;
}

export interface Cluster<M extends ClusterMember> {
  readonly members: readonly M[];
  /** Crash one member (SIGKILL) and wait for its exit. */
  kill(i: number): Promise<void>;
  /** Start a killed member again with its data, on the same ports. */
  start(i: number): Promise<void>;
  /** Freeze one member (SIGSTOP): connections stay open, nothing answers. */
  pause(i: number): Promise<void>;
  resume(i: number): void;
  /** Kill every member and remove their temp dirs. */
  stop(): Promise<void>;
}

const MAX_START_ATTEMPTS = 4;

/** Run `attempt` (which picks its ports) again when a member lost a port race. */
export async function withPortRetry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const text = String((err as Error).message);
      if (n >= MAX_START_ATTEMPTS || !/address already in use|EADDRINUSE|BindException/i.test(text)) {
        throw new Error(`${what} did not start: ${text}`, { cause: err });
      }
    }
  }
}

/** Start every process; if one fails, stop all of them (temp dirs too) and rethrow. */
async function startAll(procs: ManagedProcess[]): Promise<void> {
  const results = await Promise.allSettled(procs.map((p) => p.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(procs.map((p) => p.stop()));
    throw failed.reason;
  }
}

/**
 * Start every member, add what one kind of cluster offers to the shared member controls,
 * and wait until `formed` holds. If it does not, every member is stopped; with `failure`
 * the error says that and ends with each member's last output lines.
 */
export async function startCluster<M extends ClusterMember, C extends Cluster<M>>(
  members: M[],
  extend: (controls: Cluster<M>) => C,
  formed: (cluster: C) => Promise<void>,
  failure?: string,
): Promise<C> {
  await startAll(members.map((m) => m.process));
  const cluster = extend({
    members,
    kill: (i) => members[i]!.process.kill(),
    start: (i) => members[i]!.process.start(),
    pause: (i) => members[i]!.process.pause(),
    resume: (i) => members[i]!.process.resume(),
    stop: async () => {
      await Promise.all(members.map((m) => m.process.stop()));
    },
  });
  try {
    await formed(cluster);
  } catch (err) {
    await cluster.stop();
    if (failure === undefined) throw err;
    throw new Error(`${failure}: ${(err as Error).message}\n${members.map((m) => m.process.tail(10)).join('\n')}`);
  }
  return cluster;
}

/** Wait until `holds` is true of the members that run now (killed ones do not count). */
export function waitForRunning<M extends ClusterMember>(
  what: string,
  members: readonly M[],
  holds: (running: M[]) => Promise<boolean>,
  options: { timeoutMs: number; intervalMs: number },
): Promise<void> {
  return waitFor(what, () => holds(members.filter((m) => m.process.running)), options);
}
