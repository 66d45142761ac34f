// Helpers for config-push tests and the benchmark: start replicas in-process or as child
// processes, connect protocol-speaking test proxies (DiscoveryClient), and call the Status API.
import type { Role } from '../../lib/auth/operator-auth.js';
import { TEST_TOKENS } from '../policy/policy-test-env.js';
import * as grpc from '@grpc/grpc-js';
import { DiscoveryClient, type DiscoveryClientOptions, type ReceivedResponse } from '../../lib/discovery-client/index.js';
import { serviceClient } from '../../lib/grpc/proto.js';
import type { ResourceType } from '../../lib/mesh/resources.js';
import type { ProxyConfigResponse__Output } from '../../lib/proto/gen/plexus/discovery/v1/ProxyConfigResponse.js';
import type { ProxyStatusResponse__Output } from '../../lib/proto/gen/plexus/discovery/v1/ProxyStatusResponse.js';
import type { RolloutProgress__Output } from '../../lib/proto/gen/plexus/discovery/v1/RolloutProgress.js';
import type { WaitForRolloutRequest } from '../../lib/proto/gen/plexus/discovery/v1/WaitForRolloutRequest.js';
import { configPushOptions, type ConfigPushOptions } from '../../services/config-push/config.js';
import { startConfigPush, type ConfigPushHandle } from '../../services/config-push/config-push-service.js';
import { createBus } from '../../lib/bus/index.js';
import type { EventBus } from '../../lib/bus/bus.js';
import { silentLogger } from '../../lib/log.js';
import { createStore } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import { MeshWriter } from './fixtures.js';
import { startEtcd, startNats, type EtcdServer, type NatsServer } from '../harness/index.js';
import { spawnService as spawnServiceProcess, startInProcess, type InProcessOptions, type InProcessService, type ServiceProcess } from '../harness/index.js';

export const CLUSTER = 'test';

/** An in-process replica in the test cluster, zone-a. */
export interface ReplicaOptions extends Omit<InProcessOptions, 'cluster' | 'zone'> {
  configPush?: Partial<ConfigPushOptions>;
}

export type Replica = InProcessService<ConfigPushHandle>;

export function startReplica(opts: ReplicaOptions): Promise<Replica> {
  return startInProcess('config-push', { ...opts, cluster: CLUSTER, zone: 'zone-a' }, (runtime) =>
    startConfigPush(runtime, {
      cluster: CLUSTER,
      instance: opts.name,
      grpc: { host: '127.0.0.1', port: 0 },
      insecure: true,
      // The operators plexctl tests use, and anonymous callers for the tests that pass no token.
      auth: { tokens: (Object.keys(TEST_TOKENS) as Role[]).map((role) => ({ name: `${role}-user`, token: TEST_TOKENS[role], role })), anonymous: 'admin' },
      configPush: configPushOptions(opts.configPush),
    }),
  );
}

export type ChildReplica = ServiceProcess;

/** Runs services/config-push/main.ts as a real process configured by PLEXUS_* variables. */
export function spawnReplica(name: string, env: Record<string, string>): Promise<ChildReplica> {
  return spawnService('config-push', name, env);
}

/** Runs services/<service>/main.ts as a real process in this test cluster. */
export function spawnService(service: 'registry' | 'policy' | 'config-push', name: string, env: Record<string, string>): Promise<ChildReplica> {
  return spawnServiceProcess(service, name, {
    PLEXUS_LOG_LEVEL: process.env.PLEXUS_LOG_LEVEL ?? 'warn',
    PLEXUS_CLUSTER: CLUSTER,
    PLEXUS_INSTANCE: name,
    PLEXUS_INSECURE: 'true',
    PLEXUS_AUTH__ANONYMOUS: 'viewer',
    ...env,
  });
}

let proxySeq = 0;

/** A protocol-speaking test proxy (not the real proxy). Started. */
export function testProxy(
  addresses: string | string[],
  subscriptions: Partial<Record<ResourceType, string[]>>,
  opts: Partial<DiscoveryClientOptions> & { id?: string; service?: string } = {},
): DiscoveryClient {
  const id = opts.id ?? `proxy-${process.pid}-${++proxySeq}`;
  const client = new DiscoveryClient({
    addresses: Array.isArray(addresses) ? addresses : [addresses],
    node: { instanceId: id, namespace: 'default', service: opts.service ?? 'client', cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 'test' },
    subscriptions,
    backoffMinMs: 50,
    backoffMaxMs: 500,
    ...opts,
  });
  client.start();
  return client;
}

/** Real etcd and NATS, a store and a bus on them, and a writer that writes like the registry and policy services. */
export interface MeshBackends {
  etcd: EtcdServer;
  nats: NatsServer;
  store: Store;
  bus: EventBus;
  writer: MeshWriter;
  close(): Promise<void>;
}

export async function startMeshBackends(): Promise<MeshBackends> {
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
  const bus = await createBus({ kind: 'nats', servers: [nats.url] }, { cluster: CLUSTER, service: 'writer', replica: 'w1' }, silentLogger());
  return {
    etcd,
    nats,
    store,
    bus,
    writer: new MeshWriter(CLUSTER, store, bus),
    async close() {
      await bus.close();
      await store.close();
      await Promise.all([etcd.stop(), nats.stop()]);
    },
  };
}

/** Test proxies a suite starts, each with the log of every response it received; closeAll() in `after`. */
export class TestFleet {
  private readonly clients: DiscoveryClient[] = [];

  start(...args: Parameters<typeof testProxy>): { client: DiscoveryClient; log: ReceivedResponse[] } {
    const client = testProxy(...args);
    this.clients.push(client);
    const log: ReceivedResponse[] = [];
    client.on('response', (r) => log.push(r));
    return { client, log };
  }

  closeAll(): void {
    for (const c of this.clients.splice(0)) c.close();
  }
}

/** Status API client on one replica. */
export class StatusClient {
  private readonly client: grpc.Client & Record<string, (...args: never[]) => unknown>;

  constructor(address: string) {
    const Ctor = serviceClient('plexus/discovery/v1/status.proto', 'plexus.discovery.v1.Status');
    this.client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, (...args: never[]) => unknown>;
  }

  proxyStatus(req: { namespace?: string; service?: string } = {}): Promise<ProxyStatusResponse__Output> {
    return this.unaryCall('ProxyStatus', req);
  }

  proxyConfig(instanceId: string): Promise<ProxyConfigResponse__Output> {
    return this.unaryCall('ProxyConfig', { instanceId });
  }

  /** Every progress message of a rollout, ending with the final one. */
  waitForRollout(req: WaitForRolloutRequest, onProgress?: (p: RolloutProgress__Output) => void): Promise<RolloutProgress__Output[]> {
    return new Promise((resolve, reject) => {
      const out: RolloutProgress__Output[] = [];
      const call = (this.client.WaitForRollout as unknown as (r: WaitForRolloutRequest) => grpc.ClientReadableStream<RolloutProgress__Output>)(req);
      call.on('data', (p: RolloutProgress__Output) => {
        out.push(p);
        onProgress?.(p);
      });
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  }

  close(): void {
    this.client.close();
  }

  private unaryCall<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      (this.client[method] as unknown as (r: unknown, cb: (err: grpc.ServiceError | null, res: T) => void) => void)(req, (err, res) => {
        if (err) reject(err);
        else resolve(res);
      });
    });
  }
}
