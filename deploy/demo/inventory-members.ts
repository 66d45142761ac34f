// The dev mesh's proxyless gRPC service: inventory v1 and v2 (deploy/demo/inventory.ts), each
// registering itself with the registry the way a sidecar would register its app (no sidecar:
// gRPC clients reach the instances directly, routed by xDS from config-push).
import type { Logger } from 'pino';
import { controlPlaneChannel, type ClientSecurity } from '../../lib/grpc/tls.js';
import { RegistryPool } from '../../lib/registry-client/registry-pool.js';
import { Registration } from '../../lib/registry-client/registration.js';
import { startInventory, type RunningInventory } from './inventory.js';

export interface InventoryMember {
  name: string;
  version: string;
  app: RunningInventory;
  registration: Registration;
}

export interface InventoryFleet {
  members: InventoryMember[];
  close(): Promise<void>;
}

export interface InventoryFleetOptions {
  registry: string[];
  host: string;
  zone: string;
  ttlSeconds?: number;
  /** How it reaches the registry: its own workload certificate (mTLS), or plaintext (insecure registry). */
  security?: ClientSecurity;
  logger: Logger;
}

export async function startInventoryFleet(opts: InventoryFleetOptions): Promise<InventoryFleet> {
  const pool = new RegistryPool(opts.registry, { credentials: controlPlaneChannel(opts.security ?? { insecure: true }, 'registry') });
  const members: InventoryMember[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.registration.deregister().catch(() => undefined)));
    await Promise.all(members.map((m) => m.app.close()));
    pool.close();
  };
  try {
    for (const version of ['v1', 'v2']) {
      const name = `inventory-${version}`;
      const app = await startInventory({ version, instance: name, host: opts.host });
      const registration = await Registration.start(
        pool,
        {
          namespace: 'default',
          service: 'inventory',
          id: name,
          address: opts.host,
          port: app.port,
          protocol: 'grpc',
          zone: opts.zone,
          labels: { version, app: 'inventory' },
          ...(opts.ttlSeconds === undefined ? {} : { ttlSeconds: opts.ttlSeconds }),
        },
        { logger: opts.logger.child({ app: name }) },
      );
      members.push({ name, version, app, registration });
    }
    return { members, close };
  } catch (err) {
    await close();
    throw err;
  }
}
