import { randomBytes } from 'node:crypto';
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
 * (etcd cannot report a port-0 bind), with new ports if one was taken meanwhile. Ready means
 * *this* etcd answers: a member name of its own is checked, since a server another launcher
 * bound on the port between our bind check and etcd's bind would answer /health too, while
 * ours dies of EADDRINUSE, and a test would run on someone else's etcd until that one stops
 * (ECONNREFUSED mid-test).
 */
export function startEtcd(): Promise<EtcdServer> {
  return withPortRetry('etcd', startOnce);
}

async function startOnce(): Promise<EtcdServer> {
  const dir = await mkdtemp(join(tmpdir(), 'plexus-etcd-'));
  const [port, peer] = (await portsOutsideEphemeralRange(2)) as [number, number];
  const endpoint = `http://127.0.0.1:${port}`;
  const name = `plexus-${randomBytes(6).toString('hex')}`;
  const proc = new ManagedProcess({
    name: 'etcd',
    command: '/usr/bin/etcd',
    debianPackage: 'etcd-server',
    dir,
    args: [
      '--name', name,
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `${name}=http://127.0.0.1:${peer}`,
      '--log-level', 'error',
      '--logger', 'zap',
    ],
    // etcd 3.4 on Debian warns that amd64 is the only supported arch on others; harmless.
    env: { ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
    ready: async () => {
      const res = await fetch(`${endpoint}/health`).catch(() => undefined);
      if (!res?.ok) return false;
      const body = (await res.json()) as { health?: string };
      if (body.health !== 'true') return false;
      const members = await fetch(`${endpoint}/v3/cluster/member/list`, { method: 'POST', body: '{}' }).catch(() => undefined);
      const list = members?.ok ? ((await members.json()) as { members?: Array<{ name?: string }> }) : {};
      return (list.members ?? []).some((m) => m.name === name);
    },
  });
  await proc.start();
  return { process: proc, port, endpoint, stop: () => proc.stop() };
}
