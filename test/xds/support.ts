// Helpers for the xDS tests and bench: config-push in-process on the in-memory store and bus,
// the demo Inventory service as backends, and proxyless gRPC clients (@grpc/grpc-js-xds) whose
// bootstrap is given per channel, so one process can hold clients with different node ids.
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { inventoryClient, startInventory, type RunningInventory } from '../../deploy/demo/inventory.js';
import type { InstanceRecord } from '../../lib/model/instance.js';
import type { Policy } from '../../lib/policy/index.js';
import { instanceRecord, MeshWriter, policy } from '../config-push/fixtures.js';
import { CLUSTER, startReplica, type Replica } from '../config-push/support.js';

grpcXds.register();

/** The channel option grpc-js-xds reads a per-channel bootstrap from (its resolver's test hook). */
const BOOTSTRAP_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';

export interface XdsPlane {
  replica: Replica;
  writer: MeshWriter;
  address: string;
  close(): Promise<void>;
}

export async function startXdsPlane(name = 'xds-cp'): Promise<XdsPlane> {
  const replica = await startReplica({ name, store: { backend: 'memory' }, bus: { kind: 'memory' }, configPush: { debounceMs: 5, maxDelayMs: 50 } });
  const writer = new MeshWriter(CLUSTER, replica.runtime.store, replica.runtime.bus);
  return { replica, writer, address: replica.address, close: () => replica.close() };
}

export function bootstrapJson(address: string, nodeId: string, zone = 'zone-a'): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: nodeId, cluster: 'inventory-client', locality: { zone }, metadata: { NAMESPACE: 'default' } },
  });
}

export type InventoryClient = ReturnType<typeof inventoryClient>;

export function xdsClient(address: string, nodeId: string, target = 'xds:///inventory.default', zone = 'zone-a'): InventoryClient {
  return inventoryClient(target, { [BOOTSTRAP_OPTION]: bootstrapJson(address, nodeId, zone) });
}

export interface CallResult {
  version?: string;
  code: grpc.status;
}

export function callOnce(client: InventoryClient, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<CallResult> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve) => {
    client.GetItem({ sku: 'tea-01' }, md, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) resolve({ code: err.code });
      else resolve({ code: grpc.status.OK, version: res?.version ?? '' });
    });
  });
}

/** `n` sequential calls; counts per version ('error:<code>' for failures). */
export async function versionMix(client: InventoryClient, n: number, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await callOnce(client, headers);
    const key = r.code === grpc.status.OK ? r.version! : `error:${grpc.status[r.code]}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

export interface InventoryBackend {
  app: RunningInventory;
  record: InstanceRecord;
}

/** Start an Inventory backend and register it in the store (as its registration would). */
export async function inventoryBackend(plane: XdsPlane, version: string, zone = 'zone-a'): Promise<InventoryBackend> {
  const instance = `inventory-${version}-${Math.random().toString(36).slice(2, 7)}`;
  const app = await startInventory({ version, instance });
  const record = instanceRecord('default', 'inventory', instance, { port: app.port, protocol: 'grpc', zone, labels: { version, app: 'inventory' } });
  await plane.writer.putInstance(record);
  return { app, record };
}

export function inventoryRoute(spec: Record<string, unknown>): Policy {
  return policy({ kind: 'Route', metadata: { namespace: 'default', name: 'inventory' }, spec });
}

export function split(v1: number, v2: number): Policy {
  return inventoryRoute({ rules: [{ destinations: [{ subset: { version: 'v1' }, weight: v1 }, { subset: { version: 'v2' }, weight: v2 }] }] });
}

/** Poll `check` until true or the deadline; returns the elapsed milliseconds. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
