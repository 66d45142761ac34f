export { startEtcd, type EtcdServer } from './etcd.js';
export { startZooKeeper, type ZooKeeperServer } from './zookeeper.js';
export { startNats, type NatsServer } from './nats.js';
export { ManagedProcess } from './process.js';
export { freePort, waitFor, canConnect } from './ports.js';
export { spawnNodeProcess, spawnService, REPO, type NodeProcessSpec, type ServiceProcess } from './node-process.js';
