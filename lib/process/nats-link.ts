// A nats-server for one cluster of a federation: JetStream in its own domain (peers reach its
// streams as `$JS.<domain>.API`), and leaf-node links to the other clusters' servers. A hub
// listens for leaf connections; a spoke dials hubs. The operator configures these links; the
// federation service only uses them (DESIGN.md "Federation").
//
// Credentials (`leafTls`): the link runs TLS and a spoke proves who it is with a client
// certificate; the hub maps the certificate's URI SAN (its SPIFFE ID) to a user in the
// top-level `authorization` block, which it includes from `leafUsersFile`. Why this shape, on
// nats-server 2.9.10 (README "Federation", rotating a peer's credentials):
// - a `leafnodes {}` change (remotes, leaf `authorization`, `pinned_certs`) is refused by a
//   reload ("config reload not supported for LeafNode"), but the TLS files of the hub's leaf
//   listener and of a remote, and the top-level users, are reloadable (server/reload.go);
// - without a leaf `authorization` block, the hub checks a leaf against the top-level users
//   (server/auth.go isLeafNodeAuthorized → isClientAuthorized), with `verify_and_map` by the
//   certificate's URI SAN;
// - a reload re-checks clients but not leaf connections (reloadAuthorization walks s.clients,
//   not s.leafs): an established link stays up on the identity it dialled with, and switches
//   to the new certificate at its next dial. A removed identity cannot dial again.
// A remote's `credentials` file would be re-read on each dial too, but it carries a user JWT,
// which a hub only checks in operator (JWT) mode.
// Loopback clients (the federation service) connect without credentials: `no_auth_user`, a user
// allowed STANDARD connections only; leaf identities are allowed LEAFNODE connections only.
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { portOutsideEphemeralRange } from '../net.js';
import { startNats, type NatsServer } from './nats-server.js';
import { waitFor } from './probes.js';

export interface LeafTlsFiles {
  certFile: string;
  keyFile: string;
  /** Roots that sign the other side's certificate. */
  caFile: string;
}

export interface LeafRemote {
  /** `nats-leaf://127.0.0.1:<port>` */
  url: string;
  /** This server's client certificate for the link, and the roots of the hub's. */
  tls?: Partial<LeafTlsFiles> & Pick<LeafTlsFiles, 'caFile'>;
}

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
  /**
   * Hub: leaf connections need TLS and a client certificate signed under `caFile`, whose URI
   * SAN is listed in `leafUsersFile` (writeLeafUsers). Both are re-read on reload().
   */
  leafTls?: LeafTlsFiles & { leafUsersFile: string };
  /** Hubs to dial: `nats-leaf://127.0.0.1:<port>`, or with the client certificate to present. */
  leafRemotes?: Array<string | LeafRemote>;
}

export interface LinkedNatsServer extends NatsServer {
  domain: string;
  /** The leaf-node listen port (hubs only). */
  leafPort: number | undefined;
  /** `nats-leaf://127.0.0.1:<leafPort>` (hubs only). */
  leafUrl: string | undefined;
  /** `http://127.0.0.1:<port>`: the server's monitoring endpoint (/varz, /leafz). */
  monitorUrl: string;
  /**
   * Re-read the config and the files it names (`nats-server --signal reload=<pid>`, i.e.
   * SIGHUP); resolves once the server reports the new config loaded, rejects if it refused it.
   */
  reload(): Promise<void>;
}

const DOMAIN_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** The user of loopback clients that send no credentials (STANDARD connections only). */
export const LOCAL_NATS_USER = 'plexus-local';

const quote = (s: string): string => JSON.stringify(s);
const tlsBlock = (t: Partial<LeafTlsFiles>, extra: string[] = []): string => {
  const files = [t.certFile && `cert_file: ${quote(t.certFile)}`, t.keyFile && `key_file: ${quote(t.keyFile)}`, t.caFile && `ca_file: ${quote(t.caFile)}`];
  return `tls { ${[...files.filter((f) => f), ...extra].join(', ')} }`;
};

/** The config text; exported for tests of the launcher. */
export function linkedNatsConfig(dir: string, options: LinkedNatsOptions, leafPort: number | undefined, monitorPort?: number): string {
  if (!DOMAIN_RE.test(options.domain)) throw new Error(`JetStream domain "${options.domain}" must be letters, digits, _ or -`);
  const lines = [`jetstream { domain: ${options.domain}, store_dir: ${quote(join(dir, 'js'))} }`];
  if (monitorPort !== undefined) lines.push(`http: "127.0.0.1:${monitorPort}"`);
  const remotes = (options.leafRemotes ?? []).map((r) => (typeof r === 'string' ? { url: r } : r));
  const hubTls = leafPort !== undefined ? options.leafTls : undefined;
  if (hubTls) {
    // Relative to this file: nats-server joins an include path onto the including file's dir.
    lines.push(`no_auth_user: ${quote(LOCAL_NATS_USER)}`, `include ${quote(relative(dir, hubTls.leafUsersFile))}`);
  }
  if (leafPort !== undefined || remotes.length > 0) {
    lines.push('leafnodes {');
    if (leafPort !== undefined) lines.push(`  listen: "127.0.0.1:${leafPort}"`);
    if (options.leafAdvertise !== undefined) lines.push(`  advertise: ${quote(options.leafAdvertise)}`);
    if (hubTls) lines.push(`  ${tlsBlock(hubTls, ['verify_and_map: true', 'timeout: 2'])}`);
    // A remote re-dials on its own after a partition (every second by default).
    if (remotes.length > 0) lines.push(`  remotes: [ ${remotes.map((r) => `{ url: ${quote(r.url)}${r.tls ? `, ${tlsBlock(r.tls)}` : ''} }`).join(', ')} ]`);
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The hub's accepted leaf identities (URI SANs of spoke certificates), as the `authorization`
 * block its config includes. Write it whole (rename over), then reload() the hub.
 */
export async function writeLeafUsers(file: string, identities: string[]): Promise<void> {
  for (const id of identities) if (!/^spiffe:\/\/[A-Za-z0-9.\-_/]+$/.test(id)) throw new Error(`leaf identity "${id}" must be a spiffe:// URI`);
  const users = [
    `    { user: ${quote(LOCAL_NATS_USER)}, allowed_connection_types: ["STANDARD"] }`,
    ...identities.map((id) => `    { user: ${quote(id)}, allowed_connection_types: ["LEAFNODE"] }`),
  ];
  const aside = join(dirname(file), `.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
  await writeFile(aside, `authorization {\n  users: [\n${users.join(',\n')}\n  ]\n}\n`, { mode: 0o600 });
  await rename(aside, file);
}

async function configLoadTime(monitorUrl: string): Promise<string | undefined> {
  const res = await fetch(`${monitorUrl}/varz`).catch(() => undefined);
  if (!res?.ok) return undefined;
  return ((await res.json()) as { config_load_time?: string }).config_load_time;
}

export async function startLinkedNats(options: LinkedNatsOptions): Promise<LinkedNatsServer> {
  const leafPort = options.leafListen ? (options.leafPort ?? (await portOutsideEphemeralRange())) : undefined;
  let monitorPort = 0;
  const server = await startNats({
    extraArgs: async (dir) => {
      monitorPort = await portOutsideEphemeralRange();
      const file = join(dir, 'nats.conf');
      await writeFile(file, linkedNatsConfig(dir, options, leafPort, monitorPort));
      return ['-c', file];
    },
  });
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  const reload = async (): Promise<void> => {
    const before = await configLoadTime(monitorUrl);
    const pid = server.process.pid;
    if (before === undefined || pid === undefined || !server.process.running) throw new Error(`nats-server (${options.domain}) is not running`);
    const failuresBefore = countReloadFailures(server.process.tail(200));
    process.kill(pid, 'SIGHUP');
    let refused = false;
    await waitFor(`nats-server (${options.domain}) to load its new config`, async () => {
      refused = countReloadFailures(server.process.tail(200)) > failuresBefore;
      return refused || (await configLoadTime(monitorUrl)) !== before;
    }, { timeoutMs: 10_000, intervalMs: 25 });
    if (refused) throw new Error(`nats-server (${options.domain}) refused its new config:\n${server.process.tail(5)}`);
  };
  return { ...server, domain: options.domain, leafPort, leafUrl: leafPort === undefined ? undefined : `nats-leaf://127.0.0.1:${leafPort}`, monitorUrl, reload };
}

function countReloadFailures(output: string): number {
  return output.split('Failed to reload server configuration').length - 1;
}
