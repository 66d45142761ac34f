// Starting and owning other processes: etcd, ZooKeeper and nats-server in temp dirs, and
// Plexus programs as child processes. Used by deploy/local (the production topology on one
// machine) and by the test harness, which re-exports it.
export { startEtcd, type EtcdServer } from './etcd-server.js';
export { startZooKeeper, type ZooKeeperServer, type ZooKeeperOptions } from './zookeeper-server.js';
export { startNats, type NatsServer, type NatsOptions } from './nats-server.js';
export { startLinkedNats, linkedNatsConfig, writeLeafUsers, LOCAL_NATS_USER, type LeafRemote, type LeafTlsFiles, type LinkedNatsOptions, type LinkedNatsServer } from './nats-link.js';
export { ManagedProcess, requireBinary, type ProcessSpec } from './managed-process.js';
export { waitFor, canConnect, tcpAsk } from './probes.js';
export { spawnNodeProcess, spawnService, reportedPorts, SERVICE_LISTENERS, REPO, type NodeProcessSpec, type ServiceProcess } from './node-process.js';
export { withPortRetry } from './cluster.js';
export { startEtcdCluster, type EtcdCluster, type EtcdMemberServer, type EtcdClusterOptions } from './etcd-cluster.js';
export { startZooKeeperEnsemble, zooKeeperMode, type ZooKeeperEnsemble, type ZooKeeperEnsembleOptions } from './zookeeper-ensemble.js';
export { startNatsCluster, type NatsCluster, type NatsClusterServer } from './nats-cluster.js';
export { type Cluster, type ClusterMember } from './cluster.js';
