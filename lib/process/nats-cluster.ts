// A 3-server NATS cluster on loopback (routes between every pair). NATS has no leader: a
// client on a killed server reconnects to another from its server list.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, waitForRunning, withPortRetry, type Cluster, type ClusterMember } from './cluster.js';
import { portsOutsideEphemeralRange } from '../net.js';
import { tcpAsk } from './probes.js';
import { ManagedProcess } from './managed-process.js';

export interface NatsClusterServer extends ClusterMember {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** `http://127.0.0.1:<monitoring port>` (/varz, /routez, /connz). */
  readonly monitorUrl: string;
}

export interface NatsCluster extends Cluster<NatsClusterServer> {
  readonly urls: string[];
  /** Wait until every running server has a route to every other running server. */
  routed(timeoutMs?: number): Promise<void>;
  /** Index of the server that has a client connection named `name`, or -1. */
  serverOf(name: string): Promise<number>;
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

export function startNatsCluster(options: { size?: number } = {}): Promise<NatsCluster> {
  return withPortRetry('nats cluster', () => startOnce(options.size ?? 3));
}

async function startOnce(size: number): Promise<NatsCluster> {
  const picked = await portsOutsideEphemeralRange(3 * size);
  const ports = Array.from({ length: size }, (_, i) => ({ client: picked[3 * i]!, route: picked[3 * i + 1]!, monitor: picked[3 * i + 2]! }));
  const members: NatsClusterServer[] = [];
  for (const [i, p] of ports.entries()) {
    const name = `nats${i}`;
    const dir = await mkdtemp(join(tmpdir(), `plexus-${name}-`));
    const routes = ports.filter((_, k) => k !== i).map((o) => `nats://127.0.0.1:${o.route}`).join(',');
    const proc = new ManagedProcess({
      name,
      command: '/usr/sbin/nats-server',
      debianPackage: 'nats-server',
      dir,
      args: [
        '-n', name,
        '-a', '127.0.0.1',
        '-p', String(p.client),
        '-m', String(p.monitor),
        '--cluster_name', 'plexus-test',
        '--cluster', `nats://127.0.0.1:${p.route}`,
        '--routes', routes,
      ],
      ready: async () => (await tcpAsk(p.client, '', 300)).startsWith('INFO'),
    });
    members.push({ name, process: proc, port: p.client, url: `nats://127.0.0.1:${p.client}`, monitorUrl: `http://127.0.0.1:${p.monitor}` });
  }
  return startCluster(members, (controls): NatsCluster => ({
    ...controls,
    urls: members.map((m) => m.url),
    routed: (timeoutMs = 15_000) =>
      waitForRunning('every NATS server to be routed to the others', members, async (running) => {
        const routez = await Promise.all(running.map((m) => getJson<{ num_routes?: number }>(`${m.monitorUrl}/routez`)));
        return routez.every((r) => (r?.num_routes ?? 0) >= running.length - 1);
      }, { timeoutMs, intervalMs: 50 }),
    serverOf: async (name) => {
      for (const [i, m] of members.entries()) {
        if (!m.process.running) continue;
        const connz = await getJson<{ connections?: Array<{ name?: string }> }>(`${m.monitorUrl}/connz?limit=1024`);
        if (connz?.connections?.some((c) => c.name === name)) return i;
      }
      return -1;
    },
  }), (cluster) => cluster.routed());
}
