// The store and bus servers of the local topology: one etcd (or ZooKeeper) and one nats-server,
// or with `ha` the production shape: a 3-member etcd cluster (or 3-node ZooKeeper ensemble) and
// a 3-server NATS cluster, every service given every member so that losing one is invisible.
import {
  startEtcd,
  startEtcdCluster,
  startNats,
  startNatsCluster,
  startZooKeeper,
  startZooKeeperEnsemble,
  zooKeeperMode,
  type EtcdCluster,
  type ManagedProcess,
  type NatsCluster,
  type ZooKeeperEnsemble,
} from '../../lib/process/index.js';

export type LocalStore = 'etcd' | 'zookeeper';

/** What a member is doing: raft/ZAB leader or follower, `member` where the server has no such role (NATS, a single server), `down` when not running. */
export type MemberRole = 'leader' | 'follower' | 'member' | 'down';

export interface BackendMember {
  name: string;
  /** What clients connect to: `http://127.0.0.1:P` (etcd), `127.0.0.1:P` (ZooKeeper), `nats://127.0.0.1:P`. */
  address: string;
  process: ManagedProcess;
}

export interface StoreBackend {
  kind: LocalStore;
  members: BackendMember[];
  /** Set with `ha`: kill/start/pause a member, wait for a leader or health. */
  cluster?: EtcdCluster | ZooKeeperEnsemble;
  /** The PLEXUS_STORE__* variables that give a service every member. */
  env: Record<string, string>;
  /** Each member's role now (one probe, no waiting for an election). */
  roles(): Promise<MemberRole[]>;
}

export interface BusBackend {
  members: BackendMember[];
  /** Set with `ha`. */
  cluster?: NatsCluster;
  urls: string[];
  env: Record<string, string>;
}

export interface Backends {
  store: StoreBackend;
  bus: BusBackend;
  stop(): Promise<void>;
}

/** etcd's view of who leads, from one member (`/v3/maintenance/status`). */
async function etcdStatus(endpoint: string): Promise<{ id?: string; leader?: string } | undefined> {
  try {
    const res = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(500) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    return { ...(body.header?.member_id ? { id: body.header.member_id } : {}), ...(body.leader ? { leader: body.leader } : {}) };
  } catch {
    return undefined;
  }
}

async function etcdRoles(members: BackendMember[]): Promise<MemberRole[]> {
  const statuses = await Promise.all(members.map((m) => (m.process.running ? etcdStatus(m.address) : Promise.resolve(undefined))));
  return statuses.map((s, i) => (!members[i]!.process.running || !s ? 'down' : s.leader && s.leader === s.id ? 'leader' : 'follower'));
}

async function zooKeeperRoles(members: BackendMember[]): Promise<MemberRole[]> {
  const modes = await Promise.all(members.map((m) => (m.process.running ? zooKeeperMode(Number(m.address.split(':')[1])) : Promise.resolve(undefined))));
  return modes.map((mode) => (mode === 'leader' || mode === 'follower' ? mode : mode === 'standalone' ? 'member' : 'down'));
}

async function startStore(kind: LocalStore, ha: boolean): Promise<StoreBackend> {
  if (kind === 'etcd') {
    if (ha) {
      const cluster = await startEtcdCluster();
      const members = cluster.members.map((m) => ({ name: m.name, address: m.endpoint, process: m.process }));
      return { kind, members, cluster, env: { PLEXUS_STORE__BACKEND: 'etcd', PLEXUS_STORE__ENDPOINTS: cluster.endpoints.join(',') }, roles: () => etcdRoles(members) };
    }
    const etcd = await startEtcd();
    const members = [{ name: 'etcd', address: etcd.endpoint, process: etcd.process }];
    return { kind, members, env: { PLEXUS_STORE__BACKEND: 'etcd', PLEXUS_STORE__ENDPOINTS: etcd.endpoint }, roles: async () => members.map((m) => (m.process.running ? 'member' : 'down')) };
  }
  if (ha) {
    const cluster = await startZooKeeperEnsemble();
    const members = cluster.members.map((m) => ({ name: `zookeeper${m.name}`, address: `127.0.0.1:${m.port}`, process: m.process }));
    return { kind, members, cluster, env: { PLEXUS_STORE__BACKEND: 'zookeeper', PLEXUS_STORE__CONNECT_STRING: cluster.connectString }, roles: () => zooKeeperRoles(members) };
  }
  const zk = await startZooKeeper();
  const members = [{ name: 'zookeeper', address: zk.connectString, process: zk.process }];
  return { kind, members, env: { PLEXUS_STORE__BACKEND: 'zookeeper', PLEXUS_STORE__CONNECT_STRING: zk.connectString }, roles: () => zooKeeperRoles(members) };
}

async function startBus(ha: boolean): Promise<BusBackend> {
  if (ha) {
    const cluster = await startNatsCluster();
    const members = cluster.members.map((m) => ({ name: m.name, address: m.url, process: m.process }));
    return { members, cluster, urls: cluster.urls, env: { PLEXUS_BUS__KIND: 'nats', PLEXUS_BUS__SERVERS: cluster.urls.join(',') } };
  }
  const nats = await startNats();
  return { members: [{ name: 'nats', address: nats.url, process: nats.process }], urls: [nats.url], env: { PLEXUS_BUS__KIND: 'nats', PLEXUS_BUS__SERVERS: nats.url } };
}

/** Start the store and the bus side by side; if one fails, the other is stopped. */
export async function startBackends(kind: LocalStore, ha: boolean): Promise<Backends> {
  const [store, bus] = await Promise.allSettled([startStore(kind, ha), startBus(ha)]);
  const stopOne = async (members: BackendMember[], cluster?: { stop(): Promise<void> }): Promise<void> => {
    if (cluster) await cluster.stop();
    else await Promise.all(members.map((m) => m.process.stop()));
  };
  if (store.status === 'rejected' || bus.status === 'rejected') {
    if (store.status === 'fulfilled') await stopOne(store.value.members, store.value.cluster);
    if (bus.status === 'fulfilled') await stopOne(bus.value.members, bus.value.cluster);
    throw store.status === 'rejected' ? store.reason : (bus as PromiseRejectedResult).reason;
  }
  return {
    store: store.value,
    bus: bus.value,
    stop: async () => {
      await Promise.all([stopOne(store.value.members, store.value.cluster), stopOne(bus.value.members, bus.value.cluster)]);
    },
  };
}
