// A 3-member etcd cluster on loopback for fault tests, with short raft timings
// (heartbeat 100 ms, election 1000 ms) so a lost leader is replaced in about a second.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, waitForRunning, withPortRetry, type Cluster, type ClusterMember } from './cluster.js';
import { portsOutsideEphemeralRange } from '../net.js';
import { waitFor } from './probes.js';
import { ManagedProcess } from './managed-process.js';

export interface EtcdMemberServer extends ClusterMember {
  /** `http://127.0.0.1:<client port>` */
  readonly endpoint: string;
}

export interface EtcdCluster extends Cluster<EtcdMemberServer> {
  /** Client URLs of every member, for EtcdStore `endpoints`. */
  readonly endpoints: string[];
  /** Index of the member that is leader now, as the members that answer (a majority) agree; waits for one. */
  leader(timeoutMs?: number): Promise<number>;
  /** Wait until every running member is healthy (has a leader and answers). */
  healthy(timeoutMs?: number): Promise<void>;
}

export interface EtcdClusterOptions {
  size?: number;
  heartbeatMs?: number;
  electionMs?: number;
}

interface MemberStatus {
  header?: { member_id?: string };
  leader?: string;
}

async function status(endpoint: string): Promise<MemberStatus | undefined> {
  try {
    const res = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(500) });
    return res.ok ? ((await res.json()) as MemberStatus) : undefined;
  } catch {
    return undefined;
  }
}

async function isHealthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

export function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  return withPortRetry('etcd cluster', () => startOnce(options));
}

async function startOnce(options: EtcdClusterOptions): Promise<EtcdCluster> {
  const size = options.size ?? 3;
  const names = Array.from({ length: size }, (_, i) => `etcd${i}`);
  const ports = await portsOutsideEphemeralRange(2 * size);
  const clientPorts = ports.slice(0, size);
  const peerPorts = ports.slice(size);
  const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${peerPorts[i]}`).join(',');
  const members: EtcdMemberServer[] = [];
  for (const [i, name] of names.entries()) {
    const dir = await mkdtemp(join(tmpdir(), `plexus-${name}-`));
    const endpoint = `http://127.0.0.1:${clientPorts[i]}`;
    const peer = `http://127.0.0.1:${peerPorts[i]}`;
    const proc = new ManagedProcess({
      name,
      command: '/usr/bin/etcd',
      debianPackage: 'etcd-server',
      dir,
      args: [
        '--name', name,
        '--data-dir', join(dir, 'data'),
        '--listen-client-urls', endpoint,
        '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `plexus-${clientPorts[0]}`,
        '--heartbeat-interval', String(options.heartbeatMs ?? 100),
        '--election-timeout', String(options.electionMs ?? 1000),
        '--log-level', 'error',
        '--logger', 'zap',
      ],
      env: { ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
      // A member answers Status as soon as it serves clients, with or without a quorum, so a
      // restart during quorum loss does not hang here; healthy() waits for the cluster.
      ready: async () => (await status(endpoint)) !== undefined,
    });
    members.push({ name, process: proc, port: clientPorts[i]!, endpoint });
  }
  return startCluster(members, (controls): EtcdCluster => ({
    ...controls,
    endpoints: members.map((m) => m.endpoint),
    healthy: (timeoutMs = 20_000) =>
      waitForRunning('every running etcd member to be healthy', members, async (running) =>
        (await Promise.all(running.map((m) => isHealthy(m.endpoint)))).every(Boolean),
      { timeoutMs, intervalMs: 50 }),
    leader: async (timeoutMs = 20_000) => {
      let found = -1;
      await waitFor('an etcd leader the running members agree on', async () => {
        const running = members.map((m, i) => ({ m, i })).filter(({ m }) => m.process.running);
        // A frozen member does not answer; the majority that does must agree.
        const statuses = await Promise.all(running.map(({ m }) => status(m.endpoint)));
        const answered = statuses.filter((s) => s !== undefined);
        if (answered.length <= members.length / 2) return false;
        const leaders = new Set(answered.map((s) => s.leader ?? '0'));
        if (leaders.size !== 1 || leaders.has('0')) return false;
        const [leader] = leaders;
        found = running.find((_, k) => statuses[k]?.header?.member_id === leader)?.i ?? -1;
        return found >= 0;
      }, { timeoutMs, intervalMs: 50 });
      return found;
    },
  }), (cluster) => cluster.healthy(), 'etcd cluster did not become healthy');
}
