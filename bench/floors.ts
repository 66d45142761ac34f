// Physical floors measured in the same run as the scenarios: what etcd and NATS themselves cost
// on this machine through the Node clients we use. Every Plexus figure is read against these.
import { Etcd3 } from 'etcd3';
import { connect } from 'nats';
import { startEtcd, startNats } from '../test/harness/index.js';
import { nowMs, summarize, type LatencySummary } from './stats.js';

export interface Floors {
  etcdPutToWatchMs: LatencySummary;
  etcdPutMs: LatencySummary;
  natsRequestReplyMs: LatencySummary;
}

export async function measureFloors(n: number): Promise<Floors> {
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  try {
    const client = new Etcd3({ hosts: etcd.endpoint });
    const putToWatch: number[] = [];
    const puts: number[] = [];
    const watcher = await client.watch().prefix('/floor/').create();
    let pending: { key: string; t0: number; done: () => void } | undefined;
    watcher.on('put', (kv) => {
      if (pending && kv.key.toString() === pending.key) {
        putToWatch.push(nowMs() - pending.t0);
        pending.done();
      }
    });
    const warmup = Math.ceil(n / 5); // JIT and connection warm-up, not counted
    for (let i = 0; i < n + warmup; i++) {
      const key = `/floor/${i}`;
      const seen = new Promise<void>((done) => (pending = { key, t0: nowMs(), done }));
      const t0 = pending!.t0;
      await client.put(key).value('x');
      if (i >= warmup) puts.push(nowMs() - t0);
      await seen;
      if (i < warmup) putToWatch.pop();
    }
    await watcher.cancel();
    client.close();

    const nc = await connect({ servers: nats.url });
    const sub = nc.subscribe('floor.echo', { callback: (_err, msg) => msg.respond(msg.data) });
    const rr: number[] = [];
    for (let i = 0; i < n + warmup; i++) {
      const t0 = nowMs();
      await nc.request('floor.echo', new Uint8Array(16), { timeout: 2000 });
      if (i >= warmup) rr.push(nowMs() - t0);
    }
    sub.unsubscribe();
    await nc.close();
    return { etcdPutToWatchMs: summarize(putToWatch), etcdPutMs: summarize(puts), natsRequestReplyMs: summarize(rr) };
  } finally {
    await Promise.all([etcd.stop(), nats.stop()]);
  }
}
