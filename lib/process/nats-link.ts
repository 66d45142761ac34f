// A nats-server for one cluster of a federation: JetStream in its own domain (peers reach its
// streams as `$JS.<domain>.API`), and leaf-node links to the other clusters' servers. A hub
// listens for leaf connections; a spoke dials hubs. The operator configures these links; the
// federation service only uses them (DESIGN.md "Federation").
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { portOutsideEphemeralRange } from '../net.js';
import { startNats, type NatsServer } from './nats-server.js';

export interface LinkedNatsOptions {
  /** JetStream domain, by convention the cluster name. */
  domain: string;
  /** Listen for leaf-node connections from other clusters (this server is a hub). */
  leafListen?: boolean;
  /** The hub's leaf-node port (default: a free one). */
  leafPort?: number;
  /**
   * `host:port` the hub tells spokes to reconnect to (a load balancer, or a test's cuttable
   * forwarder); without it spokes learn the hub's own listen address and bypass whatever sits
   * between.
   */
  leafAdvertise?: string;
  /** Leaf-node URLs of hubs to dial, `nats-leaf://127.0.0.1:<port>`. */
  leafRemotes?: string[];
}

export interface LinkedNatsServer extends NatsServer {
  domain: string;
  /** The leaf-node listen port (hubs only). */
  leafPort: number | undefined;
  /** `nats-leaf://127.0.0.1:<leafPort>` (hubs only). */
  leafUrl: string | undefined;
}

const DOMAIN_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The config text; exported for tests of the launcher. */
export function linkedNatsConfig(dir: string, options: LinkedNatsOptions, leafPort: number | undefined): string {
  if (!DOMAIN_RE.test(options.domain)) throw new Error(`JetStream domain "${options.domain}" must be letters, digits, _ or -`);
  const lines = [`jetstream { domain: ${options.domain}, store_dir: ${JSON.stringify(join(dir, 'js'))} }`];
  const remotes = options.leafRemotes ?? [];
  if (leafPort !== undefined || remotes.length > 0) {
    lines.push('leafnodes {');
    if (leafPort !== undefined) lines.push(`  listen: "127.0.0.1:${leafPort}"`);
    if (options.leafAdvertise !== undefined) lines.push(`  advertise: ${JSON.stringify(options.leafAdvertise)}`);
    // A remote re-dials on its own after a partition (every second by default).
    if (remotes.length > 0) lines.push(`  remotes: [ ${remotes.map((u) => `{ url: ${JSON.stringify(u)} }`).join(', ')} ]`);
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

export async function startLinkedNats(options: LinkedNatsOptions): Promise<LinkedNatsServer> {
  const leafPort = options.leafListen ? (options.leafPort ?? (await portOutsideEphemeralRange())) : undefined;
  const server = await startNats({
    extraArgs: async (dir) => {
      const file = join(dir, 'nats.conf');
      await writeFile(file, linkedNatsConfig(dir, options, leafPort));
      return ['-c', file];
    },
  });
  return { ...server, domain: options.domain, leafPort, leafUrl: leafPort === undefined ? undefined : `nats-leaf://127.0.0.1:${leafPort}` };
}
