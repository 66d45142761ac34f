// The test harness: real servers and Plexus processes (lib/process; ports as lib/net.ts says), plus waitFor.
export { startEtcd, type EtcdServer } from '../../lib/process/index.js';
export { startZooKeeper, type ZooKeeperServer } from '../../lib/process/index.js';
export { startNats, type NatsServer } from '../../lib/process/index.js';
export { ManagedProcess } from '../../lib/process/index.js';
export { portOutsideEphemeralRange, portsOutsideEphemeralRange } from '../../lib/net.js';
export { waitFor, canConnect } from '../../lib/process/index.js';
export { spawnNodeProcess, spawnService, reportedPorts, SERVICE_LISTENERS, REPO, type NodeProcessSpec, type ServiceProcess } from '../../lib/process/index.js';
export { startEtcdCluster, type EtcdCluster, type EtcdMemberServer, type EtcdClusterOptions } from '../../lib/process/index.js';
export { startZooKeeperEnsemble, zooKeeperMode, type ZooKeeperEnsemble, type ZooKeeperEnsembleOptions } from '../../lib/process/index.js';
export { startNatsCluster, type NatsCluster, type NatsClusterServer } from '../../lib/process/index.js';
export { type Cluster, type ClusterMember } from '../../lib/process/index.js';
export { startInProcess, type InProcessOptions, type InProcessService } from './in-process.js';
