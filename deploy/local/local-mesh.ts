// The production topology on one machine: real etcd (or ZooKeeper) and nats-server, every
// control-plane service as its own process with two replicas, the demo apps each behind its own
// sidecar process, and an ingress gateway process. Used by the end-to-end tests and benchmarks,
// and by people who want to see the real topology (`npm run local`). Trust as in production:
// a root in `dataDir` (key files 0600), the identity service as its own replicas, every other
// service on TLS files minted under that root, each proxy with a join token of its own.
// Ports: every Plexus process binds port 0 and reports what it got (lib/process/node-process.ts);
// only fixed ports asked for (gateway, console) and each demo app's port are chosen here.
// One call starts one cluster: a second one is another call with its own `cluster`, `dataDir`
// and ports.
import { randomBytes } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { IdentityClient } from '../../lib/identity/identity-client.js';
import { devCertificateAuthority, issueServiceTls, writeTlsFiles } from '../../lib/identity/service-tls.js';
import { portOutsideEphemeralRange } from '../../lib/net.js';
import { SERVICE_LISTENERS, spawnNodeProcess, withPortRetry, type ManagedProcess } from '../../lib/process/index.js';
import { startBackends, type Backends, type LocalStore } from './backends.js';

export type { LocalStore, Backends, BackendMember, MemberRole } from './backends.js';

export interface LocalMeshOptions {
  store: LocalStore;
  /** Clustered backends: 3 etcd members (or a 3-node ZooKeeper ensemble) and 3 NATS servers. */
  ha?: boolean;
  replicas: number;
  /** The ingress gateway's port; default 0: one the gateway binds and reports (`gatewayUrl`). */
  gatewayPort?: number;
  cluster?: string;
  /** Lease TTL of the proxies' registrations (seconds). */
  ttlSeconds?: number;
  logLevel?: string;
  /** The web console's port; default 0: one the console binds and reports (`npm run local` asks for 7120). */
  consolePort?: number;
  /** Extra PLEXUS_* variables per control-plane service (fault tests: short grace periods). */
  serviceEnv?: Partial<Record<ServiceReplica['service'], NodeJS.ProcessEnv>>;
  /** Root CA, service certificates and ca.pem (default .plexus-local in the working directory). */
  dataDir?: string;
}

export interface ServiceReplica {
  service: 'registry' | 'policy' | 'config-push' | 'identity';
  name: string;
  grpcPort: number;
  adminPort: number;
  process: ManagedProcess;
}

export interface LocalProxy {
  name: string;
  adminPort: number;
  outboundPort: number;
  inboundPort: number;
  process: ManagedProcess;
}

export interface LocalMesh {
  /** The store and bus servers (one each, or clusters of three with `ha`). */
  backends: Backends;
  replicas: ServiceReplica[];
  apps: ManagedProcess[];
  proxies: LocalProxy[];
  gateway: LocalProxy;
  gatewayUrl: string;
  /** An admin token for plexctl (PLEXCTL_TOKEN). */
  token: string;
  /** The web console (its own process, reading with a viewer token). */
  console: { url: string; adminPort: number; process: ManagedProcess };
  /** `host:port,host:port` of each service's replicas. */
  addresses: { registry: string; policy: string; configPush: string; identity: string };
  /** The mesh root certificate (PLEXCTL_CA_FILE). */
  caFile: string;
  /** The environment of a proxy process of this mesh named `name` (more proxies: east-west gateways). */
  proxyEnv(name: string): NodeJS.ProcessEnv;
  /** A join token (a day) for a proxy of `default/<service>`. */
  joinToken(service: string): Promise<string>;
  close(): Promise<void>;
}

const SERVICES = [
  { service: 'identity', entry: 'services/identity/main.ts' },
  { service: 'registry', entry: 'services/registry/main.ts' },
  { service: 'policy', entry: 'services/policy/main.ts' },
  { service: 'config-push', entry: 'services/config-push/main.ts' },
] as const;

async function ready(url: string): Promise<boolean> {
  const res = await fetch(url).catch(() => undefined);
  return res?.status === 200;
}

const PROXY_LISTENERS = { admin: 'PLEXUS_ADMIN__PORT', outbound: 'PLEXUS_OUTBOUND__PORT', inbound: 'PLEXUS_INBOUND__PORT' };
const GATEWAY_LISTENERS = { admin: 'PLEXUS_ADMIN__PORT', gateway: 'PLEXUS_GATEWAY__LISTEN__PORT' };
const CONSOLE_LISTENERS = { admin: 'PLEXUS_ADMIN__PORT', http: 'PLEXUS_HTTP__PORT' };

/** A Plexus process on the ports it reports for `listeners`, ready once its admin /readyz is 200. */
function nodeProcess(name: string, entry: string, env: NodeJS.ProcessEnv, listeners: Record<string, string>): Promise<ManagedProcess> {
  // Restartable: the fault suite kills and restarts services and sidecars where others expect them.
  return spawnNodeProcess({ name, entry, env, listeners, restartable: true, ready: (ports) => ready(`http://127.0.0.1:${ports.admin}/readyz`) });
}

/** A port a child reported (spawnNodeProcess waits for every listener asked about). */
function portOf(proc: ManagedProcess, listener: string): number {
  const port = proc.listening(listener);
  if (port === undefined) throw new Error(`${proc.spec.name} did not report its ${listener} port`);
  return port;
}

export async function startLocalMesh(opts: LocalMeshOptions): Promise<LocalMesh> {
  const cluster = opts.cluster ?? 'local';
  const logLevel = opts.logLevel ?? 'warn';
  const token = randomBytes(18).toString('base64url');
  const viewerToken = randomBytes(18).toString('base64url');
  const started: Array<{ stop(): Promise<void> }> = [];
  const replicas: ServiceReplica[] = [];
  const apps: ManagedProcess[] = [];
  const proxies: LocalProxy[] = [];

  const close = async (): Promise<void> => {
    // Proxies drain and deregister on SIGTERM; then apps, the control plane, the servers.
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
  };

  try {
    const dataDir = resolve(opts.dataDir ?? '.plexus-local');
    const root = await ensureDevRoot(join(dataDir, 'ca'));
    const caFile = join(dataDir, 'ca.pem');
    await copyFile(root.rootCertFile, caFile);
    const { ca, rootsPem } = await devCertificateAuthority(root, cluster);
    const tlsEnv: Record<string, NodeJS.ProcessEnv> = {
      identity: {
        PLEXUS_CA__ROOT_CERT_FILE: root.rootCertFile,
        PLEXUS_CA__ROOT_KEY_FILE: root.rootKeyFile,
        PLEXUS_CA__GENERATE_INTERMEDIATE: 'true',
        PLEXUS_CA__TOKEN_KEY_FILE: root.tokenKeyFile,
      },
    };
    for (const service of ['registry', 'policy', 'config-push'] as const) {
      const files = await writeTlsFiles(join(dataDir, 'tls', service), await issueServiceTls(ca, rootsPem, service));
      tlsEnv[service] = { PLEXUS_TLS__CERT_FILE: files.certFile, PLEXUS_TLS__KEY_FILE: files.keyFile, PLEXUS_TLS__CA_FILE: files.caFile };
    }
    const backends = await startBackends(opts.store, opts.ha ?? false);
    started.push(backends);
    // Every service is given every member of the store and of the bus.
    const common: NodeJS.ProcessEnv = {
      PLEXUS_CLUSTER: cluster,
      PLEXUS_LOG_LEVEL: logLevel,
      ...backends.bus.env,
      ...backends.store.env,
    };

    for (const svc of SERVICES) {
      const starting = [];
      for (let i = 1; i <= opts.replicas; i++) {
        starting.push(
          (async () => {
            const name = `${svc.service}-${i}`;
            const env: NodeJS.ProcessEnv = {
              ...common,
              PLEXUS_INSTANCE: name,
              ...tlsEnv[svc.service],
              PLEXUS_AUTH__TOKENS: JSON.stringify([{ name: 'local-admin', token, role: 'admin' }, { name: 'console', token: viewerToken, role: 'viewer' }]),
              ...(svc.service === 'registry' && opts.ttlSeconds ? { PLEXUS_REGISTRY__DEFAULT_TTL_SECONDS: String(opts.ttlSeconds) } : {}),
              ...opts.serviceEnv?.[svc.service],
            };
            const proc = await nodeProcess(name, svc.entry, env, SERVICE_LISTENERS);
            started.push(proc);
            replicas.push({ service: svc.service, name, grpcPort: portOf(proc, 'grpc'), adminPort: portOf(proc, 'admin'), process: proc });
          })(),
        );
      }
      await Promise.all(starting);
    }
    // Replicas start concurrently; list them in a stable order (registry-1, registry-2, …).
    replicas.sort((a, b) => SERVICES.findIndex((s) => s.service === a.service) - SERVICES.findIndex((s) => s.service === b.service) || a.name.localeCompare(b.name));
    const addrs = (service: ServiceReplica['service']): string =>
      replicas.filter((r) => r.service === service).map((r) => `127.0.0.1:${r.grpcPort}`).join(',');
    const addresses = { registry: addrs('registry'), policy: addrs('policy'), configPush: addrs('config-push'), identity: addrs('identity') };
    const tokens = new IdentityClient(addresses.identity.split(',')[0]!, { roots: [rootsPem], token });
    started.push({ stop: async () => tokens.close() });
    const joinToken = async (service: string): Promise<string> => (await tokens.createJoinToken({ namespace: 'default', service, ttlSeconds: 86_400 })).token;

    const proxyEnv = (name: string): NodeJS.ProcessEnv => ({
          PLEXUS_CLUSTER: cluster,
          PLEXUS_LOG_LEVEL: logLevel,
          PLEXUS_INSTANCE: name,
          PLEXUS_ZONE: 'zone-a',
          PLEXUS_INBOUND__HOST: '127.0.0.1',
          PLEXUS_CONTROL_PLANE__REGISTRY: addresses.registry,
          PLEXUS_CONTROL_PLANE__CONFIG_PUSH: addresses.configPush,
          PLEXUS_IDENTITY__ADDRESSES: addresses.identity,
          PLEXUS_IDENTITY__CA_FILE: caFile,
          PLEXUS_ACCESS_LOG: 'false',
          PLEXUS_DRAIN_TIMEOUT_MS: '3000',
          ...(opts.ttlSeconds ? { PLEXUS_CONTROL_PLANE__TTL_SECONDS: String(opts.ttlSeconds) } : {}),
    });

    const workloads = [
      { role: 'pricing', version: 'v1', calls: '' },
      { role: 'catalog', version: 'v1', calls: 'default/pricing' },
      { role: 'catalog', version: 'v2', calls: 'default/pricing' },
      { role: 'frontend', version: 'v1', calls: 'default/catalog' },
    ];
    // The app must know its sidecar's outbound port and the sidecar its app's port: the sidecar
    // binds and reports its ports, the app gets one from outside the ephemeral range (bind
    // checked); if something took it before the app bound it, both start again on new ports.
    const startWorkload = async (w: (typeof workloads)[number]): Promise<void> => {
      const name = `${w.role}-${w.version}`;
      const appPort = await portOutsideEphemeralRange();
      const proc = await nodeProcess(`proxy-${name}`, 'proxy/main.ts', {
        ...proxyEnv(name),
        PLEXUS_SERVICE: w.role,
        PLEXUS_NAMESPACE: 'default',
        PLEXUS_IDENTITY__JOIN_TOKEN: await joinToken(w.role),
        PLEXUS_APP__PORT: String(appPort),
        PLEXUS_LABELS: JSON.stringify({ version: w.version, app: w.role }),
        ...(w.calls ? { PLEXUS_DEPENDENCIES: w.calls } : {}),
      }, PROXY_LISTENERS);
      const outboundPort = portOf(proc, 'outbound');
      let app: ManagedProcess;
      try {
        app = await spawnNodeProcess({
          name: `app-${name}`,
          entry: 'deploy/demo/main.ts',
          env: {},
          args: ['--role', w.role, '--version', w.version, '--instance', name, '--cluster', cluster, '--port', String(appPort), '--outbound', `http://127.0.0.1:${outboundPort}`],
          ready: () => ready(`http://127.0.0.1:${appPort}/healthz`),
        });
      } catch (err) {
        await proc.stop();
        throw err;
      }
      apps.push(app);
      started.push(app, proc);
      proxies.push({ name, adminPort: portOf(proc, 'admin'), outboundPort, inboundPort: portOf(proc, 'inbound'), process: proc });
    };
    for (const w of workloads) await withPortRetry(`workload ${w.role}-${w.version}`, () => startWorkload(w));

    const { PLEXUS_INBOUND__HOST: _h, ...gwEnv } = proxyEnv('ingress-gateway');
    const gatewayProc = await nodeProcess('ingress-gateway', 'proxy/gateway-main.ts', {
      ...gwEnv,
      PLEXUS_SERVICE: 'ingress-gateway',
      PLEXUS_NAMESPACE: 'default',
      PLEXUS_IDENTITY__JOIN_TOKEN: await joinToken('ingress-gateway'),
      PLEXUS_GATEWAY__LISTEN__PORT: String(opts.gatewayPort ?? 0),
      PLEXUS_GATEWAY__ROUTES: JSON.stringify([{ pathPrefix: '/', service: 'default/frontend' }]),
    }, GATEWAY_LISTENERS);
    started.push(gatewayProc);
    const gatewayPort = portOf(gatewayProc, 'gateway');
    const gateway: LocalProxy = { name: 'ingress-gateway', adminPort: portOf(gatewayProc, 'admin'), outboundPort: gatewayPort, inboundPort: gatewayPort, process: gatewayProc };

    const consoleProc = await nodeProcess('console', 'services/console/main.ts', {
      PLEXUS_CLUSTER: cluster,
      PLEXUS_LOG_LEVEL: logLevel,
      PLEXUS_HTTP__PORT: String(opts.consolePort ?? 0),
      PLEXUS_CONTROL_PLANE__REGISTRY: addresses.registry,
      PLEXUS_CONTROL_PLANE__POLICY: addresses.policy,
      PLEXUS_CONTROL_PLANE__CONFIG_PUSH: addresses.configPush,
      PLEXUS_CONTROL_PLANE__IDENTITY: addresses.identity,
      PLEXUS_CONTROL_PLANE__TOKEN: viewerToken,
      PLEXUS_CONTROL_PLANE__CA_FILE: caFile,
    }, CONSOLE_LISTENERS);
    started.push(consoleProc);

    return {
      backends,
      replicas,
      apps,
      proxies,
      gateway,
      gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
      token,
      console: { url: `http://127.0.0.1:${portOf(consoleProc, 'http')}`, adminPort: portOf(consoleProc, 'admin'), process: consoleProc },
      addresses,
      caFile,
      proxyEnv,
      joinToken,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
