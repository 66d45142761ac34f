// The four control-plane services in one process, on one embedded memory store and one
// in-process bus hub (dev mode) — or each on its own connection to real etcd/ZooKeeper and NATS
// when the config says so. The service code paths are the production ones; only backends differ.
// Trust is real too: the identity service (the mesh CA) starts first from a dev root, and
// mints the TLS certificates registry, policy and config-push serve with.
import { readFile } from 'node:fs/promises';
import { MemoryHub, createBus } from '../../lib/bus/index.js';
import type { BusConfig } from '../../lib/bus/index.js';
import type { Logger } from '../../lib/log.js';
import { createRuntime, type Runtime, type RuntimeConfig } from '../../lib/runtime.js';
import { MemoryStore, type StoreConfig } from '../../lib/store/index.js';
import type { TracingConfig } from '../../lib/tracing/tracing.js';
import { configPushOptions } from '../../services/config-push/config.js';
import { startConfigPush, type ConfigPushHandle } from '../../services/config-push/config-push-service.js';
import type { AuthConfig } from '../../lib/auth/operator-auth.js';
import { startPolicyService, type PolicyServiceHandle } from '../../services/policy/policy-service.js';
import { registryOptions } from '../../services/registry/config.js';
import type { DevRootFiles } from '../../lib/identity/ca-material.js';
import { issueServiceTls } from '../../lib/identity/service-tls.js';
import { MutableTlsSource } from '../../lib/grpc/tls.js';
import { startIdentityService, type IdentityServiceHandle } from '../../services/identity/identity-service.js';
import { startRegistry, type RegistryHandle } from '../../services/registry/registry-service.js';

export interface ControlPlaneOptions {
  cluster: string;
  zone: string;
  store: StoreConfig;
  bus: BusConfig;
  host: string;
  /** gRPC and admin ports; 0 picks free ones. */
  ports: ServicePorts;
  /** Operator auth of every service (dev: anonymous admin, loopback only). */
  auth: AuthConfig;
  /** The mesh root the identity service signs under (lib/identity/ca-material.ts ensureDevRoot). */
  root: DevRootFiles;
  logger: Logger;
  /** Lease TTL proxies get by default (seconds). */
  ttlSeconds?: number;
  /** OTLP export of the services' spans (off without an endpoint). */
  tracing?: Partial<TracingConfig>;
}

export interface ControlPlane {
  registry: RegistryHandle;
  policy: PolicyServiceHandle;
  configPush: ConfigPushHandle;
  identity: IdentityServiceHandle;
  runtimes: { registry: Runtime; policy: Runtime; configPush: Runtime; identity: Runtime };
  addresses: { registry: string; policy: string; configPush: string; identity: string; xdsPlaintext: string };
  adminUrls: { registry: string; policy: string; configPush: string; identity: string };
  /** PEM of the mesh root: proxies and plexctl verify the control plane with it. */
  rootPem: string;
  close(): Promise<void>;
}

/** The control-plane services' gRPC and admin ports (0: a free one). */
export interface ServicePorts {
  registry: number;
  policy: number;
  configPush: number;
  identity: number;
  registryAdmin: number;
  policyAdmin: number;
  configPushAdmin: number;
  identityAdmin: number;
  /** Plaintext ADS for proxyless clients on this machine (@grpc/grpc-js-xds has no TLS to its xDS server); default: a free port. */
  xdsPlaintext?: number;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const memoryStore = opts.store.backend === 'memory' ? new MemoryStore({ logger: opts.logger }) : undefined;
  const hub = opts.bus.kind === 'memory' ? new MemoryHub() : undefined;
  const runtimes: Runtime[] = [];

  const runtimeFor = async (service: string, adminPort: number): Promise<Runtime> => {
    const config: RuntimeConfig = {
      cluster: opts.cluster,
      zone: opts.zone,
      instance: `${service}-dev`,
      logLevel: opts.logger.level,
      store: opts.store,
      bus: opts.bus,
      admin: { host: opts.host, port: adminPort },
      ...(opts.tracing ? { tracing: opts.tracing } : {}),
    };
    const logger = opts.logger.child({ service });
    const rt = await createRuntime(service, config, {
      logger,
      ...(memoryStore ? { store: new MemoryStore({ sharedWith: memoryStore }) } : {}),
      ...(hub ? { bus: await createBus({ kind: 'memory' }, { cluster: opts.cluster, service, replica: config.instance }, logger, { hub }) } : {}),
    });
    runtimes.push(rt);
    return rt;
  };

  const closeAll = async (): Promise<void> => {
    for (const rt of runtimes.reverse()) {
      await rt.lifecycle.shutdown('dev mesh stopping');
      if (memoryStore) await rt.store.close();
      if (hub) await rt.bus.close();
    }
    await memoryStore?.close();
  };

  try {
    const identityRt = await runtimeFor('identity', opts.ports.identityAdmin);
    const identity = await startIdentityService(identityRt, {
      cluster: opts.cluster,
      grpc: { host: opts.host, port: opts.ports.identity },
      auth: opts.auth,
      ca: { rootCertFile: opts.root.rootCertFile, rootKeyFile: opts.root.rootKeyFile, generateIntermediate: true, intermediateTtlSeconds: 30 * 86_400, tokenKeyFile: opts.root.tokenKeyFile },
      identity: { serverNames: [...new Set(['localhost', '127.0.0.1', opts.host])] },
    });
    identityRt.lifecycle.add('identity', () => identity.close());
    const rootPem = await readFile(opts.root.rootCertFile, 'utf8');
    const tlsFor = async (service: 'registry' | 'policy' | 'config-push'): Promise<MutableTlsSource> =>
      new MutableTlsSource(await issueServiceTls(identity.ca, rootPem, service, { hostNames: [...new Set(['localhost', '127.0.0.1', opts.host])] }));

    const registryRt = await runtimeFor('registry', opts.ports.registryAdmin);
    const registry = await startRegistry(registryRt, {
      cluster: opts.cluster,
      zone: opts.zone,
      instance: 'registry-dev',
      grpc: { host: opts.host, port: opts.ports.registry },
      tlsSource: await tlsFor('registry'),
      auth: opts.auth,
      registry: registryOptions(opts.ttlSeconds === undefined ? {} : { defaultTtlSeconds: opts.ttlSeconds }),
    });
    registryRt.lifecycle.add('registry', () => registry.close());

    const policyRt = await runtimeFor('policy', opts.ports.policyAdmin);
    const policy = await startPolicyService(policyRt, { cluster: opts.cluster, grpc: { host: opts.host, port: opts.ports.policy }, tlsSource: await tlsFor('policy'), auth: opts.auth });
    policyRt.lifecycle.add('policy', () => policy.close());

    const configPushRt = await runtimeFor('config-push', opts.ports.configPushAdmin);
    const configPush = await startConfigPush(configPushRt, {
      cluster: opts.cluster,
      instance: 'config-push-dev',
      grpc: { host: opts.host, port: opts.ports.configPush },
      tlsSource: await tlsFor('config-push'),
      auth: opts.auth,
      configPush: configPushOptions(),
      // Dev mode: on the TLS port xDS clients need a workload certificate, as proxies do; the
      // plaintext ADS listener serves anonymous proxyless clients, but only from this machine.
      xds: { plaintext: { host: opts.host, port: opts.ports.xdsPlaintext ?? 0 } },
    });
    configPushRt.lifecycle.add('config-push', () => configPush.close());

    return {
      registry,
      policy,
      configPush,
      identity,
      rootPem,
      runtimes: { registry: registryRt, policy: policyRt, configPush: configPushRt, identity: identityRt },
      addresses: {
        registry: registry.address,
        policy: policy.address,
        configPush: configPush.address,
        identity: identity.address,
        xdsPlaintext: `${opts.host}:${configPush.xdsPlaintextPort ?? 0}`,
      },
      adminUrls: { registry: registryRt.admin.url, policy: policyRt.admin.url, configPush: configPushRt.admin.url, identity: identityRt.admin.url },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
