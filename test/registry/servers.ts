// etcd, ZooKeeper and NATS shared by one registry test file: started when the file loads (so
// they boot while node:test collects the suites), stopped after the file.
import { after } from 'node:test';
import { startEtcd, startNats, startZooKeeper, type EtcdServer, type NatsServer, type ZooKeeperServer } from '../harness/index.js';

export interface FileServers {
  /** Resolves when all three answer; a suite's before() awaits it (and reports its failure). */
  readonly ready: Promise<void>;
  readonly etcd: EtcdServer;
  readonly zk: ZooKeeperServer;
  readonly nats: NatsServer;
}

export function fileServers(): FileServers {
  let etcd: EtcdServer | undefined;
  let zk: ZooKeeperServer | undefined;
  let nats: NatsServer | undefined;
  const ready = Promise.all([startEtcd(), startZooKeeper(), startNats()]).then(([e, z, n]) => {
    etcd = e;
    zk = z;
    nats = n;
  });
  // Keep an unhandled rejection from preceding the first before() hook that reports it.
  ready.catch(() => undefined);
  after(async () => {
    await Promise.all([etcd?.stop(), zk?.stop(), nats?.stop()]);
  });
  return {
    ready,
    get etcd() {
      return etcd!;
    },
    get zk() {
      return zk!;
    },
    get nats() {
      return nats!;
    },
  };
}
