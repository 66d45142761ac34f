import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess, requireBinary } from './managed-process.js';
import { portOutsideEphemeralRange } from '../net.js';
import { withPortRetry } from './cluster.js';
import { tcpAsk } from './probes.js';

export interface ZooKeeperServer {
  process: ManagedProcess;
  port: number;
  /** `127.0.0.1:<port>`, the node-zookeeper-client connection string. */
  connectString: string;
  stop(): Promise<void>;
}

export interface ZooKeeperOptions {
  /** Small ticks allow short session timeouts (a session lasts 2–20 ticks). Default 200 ms. */
  tickTimeMs?: number;
}

/**
 * Start a standalone ZooKeeper from Debian's `zookeeper` jars with Java, on a port from outside
 * the ephemeral range (new ports if it was taken meanwhile).
 */
export function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  requireBinary('/usr/share/java/zookeeper.jar', 'zookeeper');
  return withPortRetry('zookeeper', () => startOnce(options));
}

async function startOnce(options: ZooKeeperOptions): Promise<ZooKeeperServer> {
  const dir = await mkdtemp(join(tmpdir(), 'plexus-zk-'));
  const port = await portOutsideEphemeralRange();
  const cfg = join(dir, 'zoo.cfg');
  await writeFile(
    cfg,
    [
      `tickTime=${options.tickTimeMs ?? 200}`,
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat',
      'maxClientCnxns=0',
      '',
    ].join('\n'),
  );
  const proc = zooKeeperProcess({ name: 'zookeeper', dir, cfg, port, jvmArgs: ['-Xmx256m'] });
  await proc.start();
  return { process: proc, port, connectString: `127.0.0.1:${port}`, stop: () => proc.stop() };
}

/**
 * A ZooKeeper node (QuorumPeerMain over the config file `cfg`) from Debian's jars. `ruok`
 * answers once the node runs, quorum or not (an ensemble node restarted during quorum loss
 * must count as started); an ensemble waits for its quorum itself.
 */
export function zooKeeperProcess(spec: { name: string; dir: string; cfg: string; port: number; jvmArgs: string[] }): ManagedProcess {
  const { dir, port } = spec;
  return new ManagedProcess({
    name: spec.name,
    command: '/usr/bin/java',
    debianPackage: 'zookeeper',
    dir,
    args: [
      ...spec.jvmArgs,
      '-Dzookeeper.log.dir=' + dir,
      '-Dzookeeper.root.logger=WARN,CONSOLE',
      '-cp', '/usr/share/java/*:/etc/zookeeper/conf',
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      spec.cfg,
    ],
    readyTimeoutMs: 60_000,
    ready: async () => (await tcpAsk(port, 'ruok', 500)).includes('imok'),
  });
}
