// What the benches that spawn services share: the environment that points a service at the
// bench's etcd and NATS, and running a bench's main as a process (exit 0, or 1 with the error).

/** Service environment for one cluster on etcd and NATS, logging warnings only. */
export function etcdNatsEnv(cluster: string, etcd: { endpoint: string }, nats: { url: string }): Record<string, string> {
  return {
    PLEXUS_CLUSTER: cluster,
    PLEXUS_STORE__BACKEND: 'etcd',
    PLEXUS_STORE__ENDPOINTS: JSON.stringify([etcd.endpoint]),
    ...natsEnv(nats),
  };
}

/** The bus part of a service environment, logging warnings only. */
export function natsEnv(nats: { url: string }): Record<string, string> {
  return { PLEXUS_BUS__KIND: 'nats', PLEXUS_BUS__SERVERS: JSON.stringify([nats.url]), PLEXUS_LOG_LEVEL: 'warn' };
}

export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
