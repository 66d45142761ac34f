// A 3-node ZooKeeper ensemble on loopback for fault tests. tickTime 200 ms with initLimit 10
// and syncLimit 5: a follower notices a dead leader within about a second and an election
// follows at once. All four-letter words are allowed (`srvr` tells a node's mode).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, waitForRunning, withPortRetry, type Cluster, type ClusterMember } from './cluster.js';
import { portsOutsideEphemeralRange } from '../net.js';
import { tcpAsk, waitFor } from './probes.js';
import { requireBinary } from './managed-process.js';
import { zooKeeperProcess } from './zookeeper-server.js';

export interface ZooKeeperEnsemble extends Cluster<ClusterMember> {
  /** `127.0.0.1:p1,127.0.0.1:p2,...`, the node-zookeeper-client connection string. */
  readonly connectString: string;
  /** Index of the node whose `srvr` says `Mode: leader`, once the running nodes have a quorum. */
  leader(timeoutMs?: number): Promise<number>;
  /** Wait until every running node serves (is leader or follower). */
  healthy(timeoutMs?: number): Promise<void>;
}

export interface ZooKeeperEnsembleOptions {
  size?: number;
  tickTimeMs?: number;
}

/** `leader`, `follower`, or undefined while the node does not serve. */
export async function zooKeeperMode(port: number): Promise<string | undefined> {
  return /Mode: (\w+)/.exec(await tcpAsk(port, 'srvr', 500))?.[1];
}

export function startZooKeeperEnsemble(options: ZooKeeperEnsembleOptions = {}): Promise<ZooKeeperEnsemble> {
  requireBinary('/usr/share/java/zookeeper.jar', 'zookeeper');
  return withPortRetry('zookeeper ensemble', () => startOnce(options));
}

async function startOnce(options: ZooKeeperEnsembleOptions): Promise<ZooKeeperEnsemble> {
  const size = options.size ?? 3;
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const picked = await portsOutsideEphemeralRange(3 * size);
  const ports = ids.map((_, i) => ({ client: picked[3 * i]!, quorum: picked[3 * i + 1]!, election: picked[3 * i + 2]! }));
  const servers = ids.map((id, i) => `server.${id}=127.0.0.1:${ports[i]!.quorum}:${ports[i]!.election}`);
  const members: ClusterMember[] = [];
  for (const [i, id] of ids.entries()) {
    const dir = await mkdtemp(join(tmpdir(), `plexus-zk${id}-`));
    const data = join(dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'myid'), `${id}\n`);
    const cfg = join(dir, 'zoo.cfg');
    const port = ports[i]!.client;
    await writeFile(
      cfg,
      [
        `tickTime=${options.tickTimeMs ?? 200}`,
        'initLimit=10',
        'syncLimit=5',
        `dataDir=${data}`,
        `clientPort=${port}`,
        'clientPortAddress=127.0.0.1',
        'admin.enableServer=false',
        '4lw.commands.whitelist=*',
        'maxClientCnxns=0',
        // Sessions may outlive an election and a short quorum loss.
        'maxSessionTimeout=30000',
        // Each node listens on its own quorum/election ports only on loopback.
        'quorumListenOnAllIPs=false',
        ...servers,
        '',
      ].join('\n'),
    );
    // healthy() waits for the ensemble: a node counts as started before it has a quorum.
    const proc = zooKeeperProcess({ name: `zookeeper${id}`, dir, cfg, port, jvmArgs: ['-Xmx128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] });
    members.push({ name: String(id), process: proc, port });
  }
  return startCluster(members, (controls): ZooKeeperEnsemble => ({
    ...controls,
    connectString: members.map((m) => `127.0.0.1:${m.port}`).join(','),
    healthy: (timeoutMs = 30_000) =>
      waitForRunning('every running ZooKeeper node to serve', members, async (running) => {
        const modes = await Promise.all(running.map((m) => zooKeeperMode(m.port)));
        return modes.every((m) => m === 'leader' || m === 'follower');
      }, { timeoutMs, intervalMs: 100 }),
    leader: async (timeoutMs = 30_000) => {
      let found = -1;
      await waitFor('a ZooKeeper leader', async () => {
        const modes = await Promise.all(members.map((m) => (m.process.running ? zooKeeperMode(m.port) : Promise.resolve(undefined))));
        found = modes.indexOf('leader');
        return found >= 0;
      }, { timeoutMs, intervalMs: 100 });
      return found;
    },
  }), (ensemble) => ensemble.healthy(60_000), 'ZooKeeper ensemble did not form');
}
