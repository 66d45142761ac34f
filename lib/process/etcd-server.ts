import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import { portsOutsideEphemeralRange } from '../net.js';
import { withPortRetry } from './cluster.js';

export interface EtcdServer {
  process: ManagedProcess;
  port: number;
  /** e.g. `http://127.0.0.1:23791`, for the etcd3 client `hosts`. */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Start a single-node etcd in a temp dir on loopback ports from outside the ephemeral range
 * (etcd cannot report a port-0 bind), with new ports if one was taken meanwhile.
 */
export function startEtcd(): Promise<EtcdServer> {
  return withPortRetry('etcd', startOnce);
}

async function startOnce(): Promise<EtcdServer> {
  const dir = await mkdtemp(join(tmpdir(), 'plexus-etcd-'));
  const [port, peer] = (await portsOutsideEphemeralRange(2)) as [number, number];
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = new ManagedProcess({
    name: 'etcd',
    command: '/usr/bin/etcd',
    debianPackage: 'etcd-server',
    dir,
    args: [
      '--name', 'plexus-test',
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `plexus-test=http://127.0.0.1:${peer}`,
      '--log-level', 'error',
      '--logger', 'zap',
    ],
    // etcd 3.4 on Debian warns that amd64 is the only supported arch on others; harmless.
    env: { ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
    ready: async () => {
      const res = await fetch(`${endpoint}/health`).catch(() => undefined);
      if (!res?.ok) return false;
      const body = (await res.json()) as { health?: string };
      return body.health === 'true';
    },
  });
  await proc.start();
  return { process: proc, port, endpoint, stop: () => proc.stop() };
}
