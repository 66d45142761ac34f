// The policy API on a real ZooKeeper store and a real NATS server.
import { after, before, describe } from 'node:test';
import { startNats, startZooKeeper, type NatsServer, type ZooKeeperServer } from '../harness/index.js';
import { policyCrudSuite } from './policy-crud-suite.js';
import { startPolicyTestEnv, type PolicyTestEnv } from './policy-test-env.js';

void describe('policy service on ZooKeeper', () => {
  let zk: ZooKeeperServer;
  let nats: NatsServer;
  let env: PolicyTestEnv;

  before(async () => {
    [zk, nats] = await Promise.all([startZooKeeper(), startNats()]);
    env = await startPolicyTestEnv({
      store: { backend: 'zookeeper', connectString: zk.connectString },
      bus: { kind: 'nats', servers: [nats.url] },
    });
  });
  after(async () => {
    await env?.close();
    await Promise.all([zk?.stop(), nats?.stop()]);
  });

  policyCrudSuite(() => env);
});
