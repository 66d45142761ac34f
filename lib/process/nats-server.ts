import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import { portOutsideEphemeralRange } from '../net.js';
import { withPortRetry } from './cluster.js';
import { tcpAsk } from './probes.js';

export interface NatsServer {
  process: ManagedProcess;
  port: number;
  /** `nats://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

export interface NatsOptions {
  jetstream?: boolean;
  /** More arguments, e.g. `-c <file>` written into the server's dir (nats-link.ts). */
  extraArgs?: (dir: string) => Promise<string[]>;
}

/** nats-server on a loopback port from outside the ephemeral range, new ports if it was taken. */
export function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  return withPortRetry('nats-server', () => startOnce(options));
}

async function startOnce(options: NatsOptions): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'plexus-nats-'));
  const port = await portOutsideEphemeralRange();
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (options.jetstream) args.push('-js', '-sd', join(dir, 'js'));
  if (options.extraArgs) args.push(...(await options.extraArgs(dir)));
  const proc = new ManagedProcess({
    name: 'nats-server',
    command: '/usr/sbin/nats-server',
    debianPackage: 'nats-server',
    dir,
    args,
    ready: async () => (await tcpAsk(port, '', 300)).startsWith('INFO'),
  });
  await proc.start();
  return { process: proc, port, url: `nats://127.0.0.1:${port}`, stop: () => proc.stop() };
}
