// Latency of the ZooKeeper Store backend against a real ZooKeeper (test/harness, free port,
// temp dir): sequential get, put (update), create, CAS put, delete, list and put→watch-event
// (writer and watcher on separate clients), N operations each after a warm-up, p50/p99 in ms.
// The raw node-zookeeper-client floors (getData, setData, a two-op multi) are measured on the
// same server for comparison.
//
//   node --import tsx scripts/zk-latency.ts [--n 500]
import zookeeper from 'node-zookeeper-client';
import type { WatchEvent } from '../lib/store/store.js';
import { ZooKeeperStore } from '../lib/store/zookeeper-store.js';
import { startZooKeeper } from '../test/harness/index.js';
import { SAMPLE_RECORD } from './sample-record.js';

const N = Number(process.argv[process.argv.indexOf('--n') + 1] ?? 500) || 500;
const WARMUP = 50;
const LIST_KEYS = 100;
const record = SAMPLE_RECORD;

const rows: Array<[string, number, number, number]> = [];

async function timed(op: string, fn: (i: number) => Promise<unknown>, n = N): Promise<void> {
  for (let i = 0; i < Math.min(WARMUP, n); i++) await fn(n + i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!;
  rows.push([op, at(0.5), at(0.99), samples.reduce((a, b) => a + b, 0) / samples.length]);
}

function raw<T>(fn: (cb: (err: unknown, v?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(v))));
}

const server = await startZooKeeper();
const config = { backend: 'zookeeper' as const, connectString: server.connectString };
const store = await ZooKeeperStore.connect(config);
const watcher = await ZooKeeperStore.connect(config);
const client = zookeeper.createClient(server.connectString);
await new Promise<void>((resolve) => {
  client.once('connected', () => resolve());
  client.connect();
});
try {
  const p = `/plexus/v1/latency-${Date.now().toString(36)}/`;
  const key = (i: number): string => `${p}k/${i}`;
  const revs = new Map<number, number>();
  const value = Buffer.from(JSON.stringify(record));

  await raw<string>((cb) => client.mkdirp(`${p}raw`, cb));
  await raw<string>((cb) => client.create(`${p}raw/x`, value, cb));
  await timed('raw getData', () => raw((cb) => client.getData(`${p}raw/x`, cb)));
  await timed('raw setData', () => raw((cb) => client.setData(`${p}raw/x`, value, -1, cb)));
  await timed('raw multi (setData + sequential create)', () =>
    raw((cb) => client.transaction().setData(`${p}raw/x`, value, -1).create(`${p}raw/e-`, value, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL).commit(cb)),
  );

  await timed('put (create)', async (i) => revs.set(i, await store.put(key(i), record)));
  await timed('put (update)', async (i) => revs.set(i, await store.put(key(i), record)));
  await timed('get', (i) => store.get(key(i)));
  await timed('CAS put', async (i) => revs.set(i, await store.put(key(i), record, { expectedRevision: revs.get(i)! })));
  await timed('delete', (i) => store.delete(key(i)));

  for (let i = 0; i < LIST_KEYS; i++) await store.put(`${p}list/${i}`, record);
  await timed(`list (${LIST_KEYS} keys)`, () => store.list(`${p}list/`));

  // put → watch event on another client, one at a time.
  let waiting: ((e: WatchEvent) => void) | undefined;
  const w = await watcher.watch(`${p}w/`, (await store.currentRevision()) + 1, {
    onEvents: (events) => {
      for (const e of events) waiting?.(e);
    },
    onResync: (reason) => {
      throw new Error(`unexpected resync: ${reason}`);
    },
  });
  await timed('put → watch event (other client)', async (i) => {
    const seen = new Promise<void>((resolve) => {
      waiting = (e) => {
        if (e.key === `${p}w/${i}`) resolve();
      };
    });
    await store.put(`${p}w/${i}`, record);
    await seen;
  });
  await w.close();

  console.log(`\nZooKeeper Store backend, sequential, N=${N} after ${WARMUP} warm-up, value ${value.length} bytes (ms)`);
  console.log(`${'operation'.padEnd(42)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'mean'.padStart(8)}`);
  for (const [op, p50, p99, mean] of rows) {
    console.log(`${op.padEnd(42)}${p50.toFixed(2).padStart(8)}${p99.toFixed(2).padStart(8)}${mean.toFixed(2).padStart(8)}`);
  }
} finally {
  client.close();
  await watcher.close();
  await store.close();
  await server.stop();
}
