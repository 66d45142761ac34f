// The demo mesh of the README's first command: the control plane (deploy/dev/control-plane.ts),
// demo apps frontend → catalog (v1, v2) → pricing each behind its own sidecar, and an ingress
// gateway routing to frontend. Everything runs in this process; `close()` drains every proxy
// (deregistering it) before the control plane stops. Each proxy gets a real workload certificate:
// the dev mesh creates a join token per demo workload, as an operator would with
// `plexctl token create`, and the proxy exchanges it with the identity service. The dev root
// lives in `dataDir` (reused across runs); its certificate is also written to
// `<dataDir>/ca.pem`, where plexctl looks by default.
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { IdentityClient } from '../../lib/identity/identity-client.js';
import { WorkloadIdentity, workloadTlsSource } from '../../lib/identity/workload-identity.js';
import { portOutsideEphemeralRange } from '../../lib/net.js';
import type { BusConfig } from '../../lib/bus/index.js';
import type { Logger } from '../../lib/log.js';
import type { StoreConfig } from '../../lib/store/index.js';
import type { TracingConfig } from '../../lib/tracing/tracing.js';
import { startConsole, type ConsoleHandle } from '../../services/console/console-service.js';
import { consoleOptions } from '../../services/console/config.js';
import { parseProxyConfig } from '../../proxy/config/proxy-config.js';
import { parseGatewayConfig } from '../../proxy/config/gateway-config.js';
import { startGateway, type Gateway } from '../../proxy/gateway.js';
import { startSidecar, type Sidecar } from '../../proxy/sidecar.js';
import { startDemoApp, type DemoRole, type RunningDemoApp } from '../demo/demo-app.js';
import { startInventoryFleet, type InventoryFleet } from '../demo/inventory-members.js';
import { startControlPlane, type ControlPlane, type ServicePorts } from './control-plane.js';

export interface DevMeshOptions {
  cluster: string;
  store: StoreConfig;
  bus: BusConfig;
  host: string;
  gatewayPort: number;
  /** Control-plane ports; defaults are the standard ones so plexctl works without flags. */
  ports: ControlPlanePorts;
  logger: Logger;
  /** Lease TTL of the demo proxies' registrations. */
  ttlSeconds?: number;
  /** The web console's port (0: a free one); undefined: no console. */
  consolePort?: number;
  /** OTLP export of every proxy's and service's spans (off without an endpoint). */
  tracing?: Partial<TracingConfig>;
  /** Where the dev root and ca.pem live (default .plexus-dev in the working directory). */
  dataDir?: string;
}

export interface ControlPlanePorts extends ServicePorts {
  /** The web console (services/console). */
  console: number;
}

export const STANDARD_PORTS: Required<ControlPlanePorts> = {
  registry: 7101,
  policy: 7102,
  configPush: 7103,
  identity: 7104,
  registryAdmin: 7111,
  policyAdmin: 7112,
  configPushAdmin: 7113,
  console: 7120,
  identityAdmin: 7114,
  xdsPlaintext: 7130,
};

interface DemoWorkload {
  role: DemoRole;
  version: string;
  zone: string;
  /** Services this app calls, subscribed at start. */
  calls: string[];
}

/** frontend → catalog (v1 and v2) → pricing. */
export const DEMO_WORKLOADS: DemoWorkload[] = [
  { role: 'pricing', version: 'v1', zone: 'zone-a', calls: [] },
  { role: 'catalog', version: 'v1', zone: 'zone-a', calls: ['default/pricing'] },
  { role: 'catalog', version: 'v2', zone: 'zone-a', calls: ['default/pricing'] },
  { role: 'frontend', version: 'v1', zone: 'zone-a', calls: ['default/catalog'] },
];

export interface DemoMember {
  name: string;
  app: RunningDemoApp;
  sidecar: Sidecar;
}

export interface DevMesh {
  controlPlane: ControlPlane;
  members: DemoMember[];
  gateway: Gateway;
  gatewayUrl: string;
  console: ConsoleHandle | undefined;
  /** Proxyless gRPC demo service (xds:///inventory.default), v1 and v2. */
  inventory: InventoryFleet;
  /** The root certificate file plexctl and new proxies verify the control plane with. */
  caFile: string;
  close(): Promise<void>;
}

export async function startDevMesh(opts: DevMeshOptions): Promise<DevMesh> {
  const dataDir = opts.dataDir ?? '.plexus-dev';
  const root = await ensureDevRoot(join(dataDir, 'ca'));
  const caFile = join(dataDir, 'ca.pem');
  await copyFile(root.rootCertFile, caFile);
  const controlPlane = await startControlPlane({
    cluster: opts.cluster,
    zone: 'zone-a',
    store: opts.store,
    bus: opts.bus,
    host: opts.host,
    ports: opts.ports,
    // Dev mode is a local sandbox: anonymous operators are admins, so plexctl needs no token
    // (it still verifies the servers with ca.pem). Workloads are never anonymous.
    auth: { tokens: [], anonymous: 'admin' },
    root,
    logger: opts.logger,
    ...(opts.ttlSeconds === undefined ? {} : { ttlSeconds: opts.ttlSeconds }),
    ...(opts.tracing ? { tracing: opts.tracing } : {}),
  });
  const members: DemoMember[] = [];
  let gateway: Gateway | undefined;
  let console: ConsoleHandle | undefined;
  const tracing = opts.tracing ?? {};
  let inventory: InventoryFleet | undefined;
  let inventoryIdentity: WorkloadIdentity | undefined;

  const close = async (): Promise<void> => {
    await console?.close();
    // Proxies first, gracefully: each marks itself DRAINING, finishes requests, deregisters.
    await inventory?.close();
    inventoryIdentity?.stop();
    await gateway?.drain();
    await Promise.all(members.map((m) => m.sidecar.drain()));
    await Promise.all(members.map((m) => m.app.close()));
    await controlPlane.close();
  };

  try {
    const controlPlaneAddrs = { registry: [controlPlane.addresses.registry], configPush: [controlPlane.addresses.configPush] };
    const tokens = new IdentityClient(controlPlane.addresses.identity, { roots: [controlPlane.rootPem] });
    const identityFor = async (service: string) => ({
      addresses: [controlPlane.addresses.identity],
      caFile,
      joinToken: (await tokens.createJoinToken({ namespace: 'default', service, ttlSeconds: 3600 })).token,
    });
    for (const w of DEMO_WORKLOADS) {
      const name = `${w.role}-${w.version}`;
      // The app needs its sidecar's outbound address first: a port outbound connections never draw.
      const outboundPort = await portOutsideEphemeralRange(opts.host);
      const app = await startDemoApp({ role: w.role, version: w.version, instance: name, host: opts.host, outboundProxy: `http://${opts.host}:${outboundPort}` });
      const config = parseProxyConfig({
        cluster: opts.cluster,
        zone: w.zone,
        namespace: 'default',
        service: w.role,
        instance: name,
        labels: { version: w.version, app: w.role },
        app: { host: opts.host, port: app.port },
        admin: { host: opts.host, port: 0 },
        outbound: { host: opts.host, port: outboundPort },
        inbound: { host: opts.host, port: 0 },
        advertiseAddress: opts.host,
        controlPlane: { ...controlPlaneAddrs, ...(opts.ttlSeconds === undefined ? {} : { ttlSeconds: opts.ttlSeconds }) },
        identity: await identityFor(w.role),
        dependencies: w.calls,
        drainTimeoutMs: 5000,
        accessLog: false,
        tracing,
        logLevel: opts.logger.level as 'info',
      });
      const sidecar = await startSidecar(config, { logger: opts.logger.child({ proxy: name }) });
      members.push({ name, app, sidecar });
    }
    gateway = await startGateway(
      parseGatewayConfig({
        cluster: opts.cluster,
        zone: 'zone-a',
        namespace: 'default',
        service: 'ingress-gateway',
        instance: 'ingress-gateway',
        admin: { host: opts.host, port: 0 },
        advertiseAddress: opts.host,
        gateway: { listen: { host: opts.host, port: opts.gatewayPort }, routes: [{ pathPrefix: '/', service: 'default/frontend' }] },
        controlPlane: { ...controlPlaneAddrs, ...(opts.ttlSeconds === undefined ? {} : { ttlSeconds: opts.ttlSeconds }) },
        identity: await identityFor('ingress-gateway'),
        drainTimeoutMs: 5000,
        accessLog: false,
        tracing,
        logLevel: opts.logger.level as 'info',
      }),
      { logger: opts.logger.child({ proxy: 'ingress-gateway' }) },
    );
    // The inventory servers register themselves, as an app without a sidecar would: with a
    // workload certificate of their own service, obtained with a join token like a proxy's.
    inventoryIdentity = new WorkloadIdentity({
      address: [controlPlane.addresses.identity],
      bootstrapRoots: [controlPlane.rootPem],
      joinToken: (await tokens.createJoinToken({ namespace: 'default', service: 'inventory', ttlSeconds: 3600 })).token,
      namespace: 'default',
      service: 'inventory',
      logger: opts.logger.child({ app: 'inventory' }),
    });
    await inventoryIdentity.start();
    tokens.close();
    inventory = await startInventoryFleet({
      security: { tls: workloadTlsSource(inventoryIdentity) },
      registry: [controlPlane.addresses.registry],
      host: opts.host,
      zone: 'zone-a',
      logger: opts.logger,
      ...(opts.ttlSeconds === undefined ? {} : { ttlSeconds: opts.ttlSeconds }),
    });
    if (opts.consolePort !== undefined) {
      // The console reads the control plane over its APIs like any operator (dev mode: anonymous
      // callers may read), never the store it shares in this process.
      console = await startConsole(
        consoleOptions({
          http: { host: opts.host, port: opts.consolePort },
          controlPlane: {
            registry: [controlPlane.addresses.registry],
            policy: [controlPlane.addresses.policy],
            configPush: [controlPlane.addresses.configPush],
            identity: [controlPlane.addresses.identity],
            caFile,
          },
        }),
        opts.logger.child({ service: 'console' }),
      );
    }
    return { controlPlane, members, gateway, gatewayUrl: `http://${opts.host}:${gateway.port}`, console, inventory, caFile, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
