// The registry behaviour suite on real etcd and ZooKeeper with NATS: two replicas per backend
// (each its own store client and NATS connection), servers shared by the whole file.
import { after, before, describe } from 'node:test';
import { createStore, type StoreConfig } from '../../lib/store/index.js';
import type { Store } from '../../lib/store/store.js';
import { startEtcd, startNats, startZooKeeper, type EtcdServer, type NatsServer, type ZooKeeperServer } from '../harness/index.js';
import { registryScenarios, type ScenarioEnv } from './registry-scenarios.js';
import { EventLog, startReplica, type Replica } from './support.js';

let etcd: EtcdServer | undefined;
let zk: ZooKeeperServer | undefined;
let nats: NatsServer | undefined;
const servers = Promise.all([startEtcd(), startZooKeeper(), startNats()]).then(([e, z, n]) => {
  etcd = e;
  zk = z;
  nats = n;
});
// Keep an unhandled rejection from preceding the first before() hook that reports it.
servers.catch(() => undefined);

after(async () => {
  await Promise.all([etcd?.stop(), zk?.stop(), nats?.stop()]);
});

const BACKENDS: Array<{ name: string; store: () => StoreConfig; ttlSeconds: number; expiryMarginMs: number }> = [
  // etcd grants at least 2 s and checks for expired leases every 500 ms.
  { name: 'etcd', store: () => ({ backend: 'etcd', endpoints: [etcd!.endpoint] }), ttlSeconds: 2, expiryMarginMs: 1500 },
  { name: 'zookeeper', store: () => ({ backend: 'zookeeper', connectString: zk!.connectString, sessionTimeoutMs: 4000 }), ttlSeconds: 2, expiryMarginMs: 2000 },
];

for (const backend of BACKENDS) {
  describe(`registry on ${backend.name} with NATS`, { timeout: 180_000 }, () => {
    let env: ScenarioEnv | undefined;
    const replicas: Replica[] = [];
    let store: Store | undefined;
    let events: EventLog | undefined;
    const cluster = `reg-${backend.name}`;

    before(async () => {
      await servers;
      const start = (name: string): Promise<Replica> =>
        startReplica({
          name,
          cluster,
          store: backend.store(),
          bus: { kind: 'nats', servers: [nats!.url] },
          registry: { maxInstancesPerService: 5, claimTtlSeconds: 30 },
        });
      replicas.push(await start(`${backend.name}-a`), await start(`${backend.name}-b`));
      store = await createStore(backend.store());
      events = await EventLog.open({ kind: 'nats', servers: [nats!.url] }, cluster);
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
