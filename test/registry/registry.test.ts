// The registry behaviour suite on real etcd and ZooKeeper with NATS: two replicas per backend
// (each its own store client and NATS connection), servers shared by the whole file.
import { after, before, describe } from 'node:test';
import { createStore, type StoreConfig } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import { registryScenarios, type ScenarioEnv } from './registry-scenarios.js';
import { fileServers } from './servers.js';
import { EventLog, startReplica, type Replica } from './support.js';

const servers = fileServers();

const BACKENDS: Array<{ name: string; store: () => StoreConfig; ttlSeconds: number; expiryMarginMs: number }> = [
  // etcd grants at least 2 s and checks for expired leases every 500 ms.
  { name: 'etcd', store: () => ({ backend: 'etcd', endpoints: [servers.etcd.endpoint] }), ttlSeconds: 2, expiryMarginMs: 1500 },
  { name: 'zookeeper', store: () => ({ backend: 'zookeeper', connectString: servers.zk.connectString, sessionTimeoutMs: 4000 }), ttlSeconds: 2, expiryMarginMs: 2000 },
];

for (const backend of BACKENDS) {
  describe(`registry on ${backend.name} with NATS`, { timeout: 180_000 }, () => {
    let env: ScenarioEnv | undefined;
    const replicas: Replica[] = [];
    let store: Store | undefined;
    let events: EventLog | undefined;
    const cluster = `reg-${backend.name}`;

    before(async () => {
      await servers.ready;
      const start = (name: string): Promise<Replica> =>
        startReplica({
          name,
          cluster,
          store: backend.store(),
          bus: { kind: 'nats', servers: [servers.nats.url] },
          registry: { maxInstancesPerService: 5, claimTtlSeconds: 30 },
        });
      replicas.push(await start(`${backend.name}-a`), await start(`${backend.name}-b`));
      store = await createStore(backend.store());
      events = await EventLog.open({ kind: 'nats', servers: [servers.nats.url] }, cluster);
      env = {
        a: replicas[0]!,
        b: replicas[1]!,
        events,
        store,
        cluster,
        ttlSeconds: backend.ttlSeconds,
        expiryMarginMs: backend.expiryMarginMs,
      };
    });

    after(async () => {
      await events?.close();
      for (const r of replicas) await r.close();
      await store?.close();
    });

    registryScenarios(() => {
      if (!env) throw new Error('suite not set up');
      return env;
    });
  });
}
