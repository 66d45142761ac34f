// Test support (not a test): the real Plexus control plane for proxy tests — registry, policy
// and config-push started in-process on one store and bus (memory, or real etcd + NATS), and
// config-push optionally as a child process (services/config-push/main.ts) so a test can kill
// it with SIGKILL and start it again on the same port. Also: sidecars and apps wired to it.
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { BusConfig } from '../../lib/bus/index.js';
import { MemoryBus, MemoryHub } from '../../lib/bus/memory-bus.js';
import { silentLogger } from '../../lib/log.js';
import { testMeshTls } from './fixtures.js';
import { parsePolicy } from '../../lib/policy/document.js';
import type { PolicyKind } from '../../lib/policy/kinds.js';
import { createRuntime, type Runtime } from '../../lib/runtime.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import type { StoreConfig } from '../../lib/store/index.js';
import { parseProxyConfig, type ProxyConfigInput } from '../../proxy/config/proxy-config.js';
import { startSidecar, type Sidecar } from '../../proxy/sidecar.js';
import { configPushOptions } from '../../services/config-push/config.js';
import { startConfigPush, type ConfigPushHandle } from '../../services/config-push/config-push-service.js';
import { startPolicyService, type PolicyServiceHandle } from '../../services/policy/policy-service.js';
import { registryOptions } from '../../services/registry/config.js';
import { startRegistry, type RegistryHandle } from '../../services/registry/registry-service.js';
import { canConnect, ManagedProcess, portOutsideEphemeralRange, waitFor } from '../harness/index.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLUSTER = 'test';

export type Backends = { kind: 'memory' } | { kind: 'real'; store: StoreConfig; bus: BusConfig };

export interface ControlPlane {
  registryAddress: string;
  configPushAddress: string;
  /** Apply a policy document (YAML-shaped object) as an operator would. */
  apply(doc: unknown): Promise<void>;
  remove(kind: PolicyKind, namespace: string, name: string): Promise<void>;
  /** Stop config-push (SIGKILL when it runs as a child process). */
  killConfigPush(): Promise<void>;
  /** Start config-push again on the same port. */
  restartConfigPush(): Promise<void>;
  close(): Promise<void>;
}

export interface ControlPlaneOptions {
  backends: Backends;
  /** Run config-push as a child process (real backends only). */
  configPushProcess?: boolean;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const closers: Array<() => Promise<void>> = [];
  const memStore = opts.backends.kind === 'memory' ? new MemoryStore() : undefined;
  const hub = opts.backends.kind === 'memory' ? new MemoryHub() : undefined;
  let n = 0;

  const runtime = async (service: string): Promise<Runtime> => {
    const instance = `${service}-${++n}`;
    const b = opts.backends;
    const rt = await createRuntime(
      service,
      {
        cluster: CLUSTER,
        zone: 'zone-a',
        instance,
        logLevel: 'silent',
        store: b.kind === 'memory' ? { backend: 'memory' } : b.store,
        bus: b.kind === 'memory' ? { kind: 'memory' } : b.bus,
        admin: { host: '127.0.0.1', port: 0 },
      },
      b.kind === 'memory'
        ? { logger: silentLogger(), store: memStore!, bus: new MemoryBus({ cluster: CLUSTER, source: `${service}/${instance}`, hub: hub! }) }
        : { logger: silentLogger() },
    );
    closers.push(() => rt.lifecycle.shutdown('test done'));
    return rt;
  };

  try {
    const regRt = await runtime('registry');
    const registry: RegistryHandle = await startRegistry(regRt, {
      cluster: CLUSTER,
      zone: 'zone-a',
      instance: 'registry-1',
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      registry: registryOptions({ defaultTtlSeconds: 6 }),
    });
    const polRt = await runtime('policy');
    const policy: PolicyServiceHandle = await startPolicyService(polRt, {
      cluster: CLUSTER,
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      auth: { tokens: [], anonymous: 'admin' },
    });

    // Killed and restarted on the same address (the proxies hold it): a port outside the
    // ephemeral range, which no outgoing connection takes while it is down.
    const cpPort = await portOutsideEphemeralRange();
    let inProcess: { rt: Runtime; handle: ConfigPushHandle } | undefined;
    let child: ManagedProcess | undefined;
    const startPush = async (): Promise<void> => {
      if (opts.configPushProcess) {
        if (opts.backends.kind !== 'real') throw new Error('a config-push process needs real backends');
        const b = opts.backends;
        if (!child) {
          const env: NodeJS.ProcessEnv = {
            ...process.env,
            PLEXUS_LOG_LEVEL: 'warn',
            PLEXUS_CLUSTER: CLUSTER,
            PLEXUS_INSTANCE: 'config-push-child',
            PLEXUS_GRPC__PORT: String(cpPort),
            PLEXUS_INSECURE: 'true',
            PLEXUS_AUTH__ANONYMOUS: 'viewer',
            PLEXUS_ADMIN__PORT: '0',
            PLEXUS_STORE__BACKEND: b.store.backend,
            PLEXUS_BUS__KIND: b.bus.kind,
            PLEXUS_CONFIG_PUSH__DEBOUNCE_MS: '5',
          };
          if (b.store.backend === 'etcd') env.PLEXUS_STORE__ENDPOINTS = JSON.stringify(b.store.endpoints);
          if (b.bus.kind === 'nats') env.PLEXUS_BUS__SERVERS = JSON.stringify(b.bus.servers);
          child = new ManagedProcess({
            name: 'config-push',
            command: process.execPath,
            // The process runs in a temp dir: load tsx by absolute URL.
            args: ['--import', import.meta.resolve('tsx'), join(REPO, 'services', 'config-push', 'main.ts')],
            debianPackage: 'nodejs',
            dir: await mkdtemp(join(tmpdir(), 'plexus-cp-')),
            env,
            ready: () => canConnect(cpPort),
            readyTimeoutMs: 30_000,
          });
          closers.push(() => child!.stop());
        }
        await child.start();
        return;
      }
      const rt = await runtime('config-push');
      const handle = await startConfigPush(rt, {
        cluster: CLUSTER,
        instance: `config-push-${n}`,
        grpc: { host: '127.0.0.1', port: cpPort },
        insecure: true,
        configPush: configPushOptions({ debounceMs: 5, maxDelayMs: 50 }),
      });
      inProcess = { rt, handle };
    };
    await startPush();

    return {
      registryAddress: registry.address,
      configPushAddress: `127.0.0.1:${cpPort}`,
      apply: async (doc) => {
        const parsed = parsePolicy(doc);
        if (!parsed.ok) throw new Error(`bad test policy: ${JSON.stringify(parsed.violations)}`);
        await policy.manager.apply(parsed.policy, 'test');
      },
      remove: async (kind, namespace, name) => {
        await policy.manager.delete(kind, namespace, name, 'test');
      },
      killConfigPush: async () => {
        if (child) {
          await child.kill('SIGKILL');
          return;
        }
        if (inProcess) {
          await inProcess.rt.lifecycle.shutdown('killed by test');
          inProcess = undefined;
        }
      },
      restartConfigPush: async () => {
        await waitFor('config-push port to be free', async () => !(await canConnect(cpPort)));
        await startPush();
      },
      close: async () => {
        for (const c of closers.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

/** A sidecar registered with the control plane, all ports ephemeral on 127.0.0.1. */
export async function startMeshProxy(
  cp: ControlPlane,
  input: Omit<ProxyConfigInput, 'app'> & { appPort: number; app?: Partial<ProxyConfigInput['app']> },
): Promise<Sidecar> {
  const { appPort, app, ...rest } = input;
  const config = parseProxyConfig({
    cluster: CLUSTER,
    admin: { host: '127.0.0.1', port: 0 },
    outbound: { host: '127.0.0.1', port: 0 },
    inbound: { host: '127.0.0.1', port: 0 },
    accessLog: false,
    controlPlane: { registry: [cp.registryAddress], configPush: [cp.configPushAddress], ttlSeconds: 6 },
    ...rest,
    app: { host: '127.0.0.1', port: appPort, ...app },
  });
  // This control plane has no identity service: the workload certificate comes from the test CA.
  const sidecar = await startSidecar(config, { logger: silentLogger(), meshTls: await testMeshTls(config.service, config.namespace) });
  await waitFor(`${sidecar.identity} ready`, () => sidecar.readiness() === undefined, { timeoutMs: 20_000 });
  return sidecar;
}

/** The proxy's /config_dump. */
export async function configDump(sidecar: Sidecar): Promise<{
  controlPlane: { connected: boolean };
  inbound: { version: string; body: { defaultAction: string; rules: unknown[] } } | null;
  services: Record<string, { service: { version: string; body: { routes: unknown[] } } | null; endpoints: { body: { endpoints: Array<{ id: string }> } } | null }>;
}> {
  const res = await fetch(`http://127.0.0.1:${sidecar.ports.admin}/config_dump`);
  return (await res.json()) as never;
}

/**
 * Kill config-push; once `proxy` noticed, run `meanwhile` (the proxy must keep serving), then
 * restart config-push and wait until the proxy is connected again.
 */
export async function whileConfigPushDown(cp: ControlPlane, proxy: Sidecar, meanwhile: () => Promise<void>): Promise<void> {
  await cp.killConfigPush();
  await waitFor('the proxy to notice', async () => !(await configDump(proxy)).controlPlane.connected);
  await meanwhile();
  await cp.restartConfigPush();
  await waitFor('the proxy to reconnect', async () => (await configDump(proxy)).controlPlane.connected, { timeoutMs: 20_000 });
}
