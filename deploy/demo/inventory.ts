// The dev mesh's gRPC demo service: plexus.demo.v1.Inventory (GetItem answers with the stock of
// an item and which version and instance answered) plus grpc.health.v1. Proxyless: it has no
// sidecar; gRPC clients reach it through xDS from config-push (xds:///inventory.default).
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { loadPackageDefinition } from '../../lib/grpc/proto.js';
import type { GetItemRequest__Output } from '../../lib/proto/gen/plexus/demo/v1/GetItemRequest.js';
import type { Item } from '../../lib/proto/gen/plexus/demo/v1/Item.js';

export const INVENTORY_PROTO = 'plexus/demo/v1/inventory.proto';
export const INVENTORY_SERVICE = 'plexus.demo.v1.Inventory';

export interface InventoryOptions {
  version: string;
  instance: string;
  host?: string;
  port?: number;
}

export interface RunningInventory {
  port: number;
  address: string;
  health: HealthImplementation;
  close(): Promise<void>;
}

export async function startInventory(opts: InventoryOptions): Promise<RunningInventory> {
  const def = loadPackageDefinition(INVENTORY_PROTO)[INVENTORY_SERVICE] as grpc.ServiceDefinition;
  const server = new grpc.Server();
  server.addService(def, {
    GetItem: (call: grpc.ServerUnaryCall<GetItemRequest__Output, Item>, cb: grpc.sendUnaryData<Item>) => {
      const sku = call.request.sku || 'tea-01';
      cb(null, { sku, stock: sku.length * 7, version: opts.version, instance: opts.instance });
    },
  });
  const health = new HealthImplementation({ '': 'SERVING', [INVENTORY_SERVICE]: 'SERVING' });
  health.addToServer(server);
  const host = opts.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    address: `${host}:${port}`,
    health,
    close: () =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        server.tryShutdown(() => resolve());
        // In-flight calls get a moment; then the server is closed regardless.
        setTimeout(() => server.forceShutdown(), 2000).unref();
      }),
  };
}

/** A client of the Inventory service for any target (`xds:///inventory.default`, `host:port`). */
export function inventoryClient(target: string, options: grpc.ChannelOptions = {}): grpc.Client & {
  GetItem(req: { sku: string }, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Item) => void): void;
} {
  const Ctor = grpc.makeGenericClientConstructor(loadPackageDefinition(INVENTORY_PROTO)[INVENTORY_SERVICE] as grpc.ServiceDefinition, 'Inventory');
  return new Ctor(target, grpc.credentials.createInsecure(), options) as never;
}
