// Store latency floor per backend: get, put, CAS put, delete, list and watch put→event,
// N sequential operations each (after a short warm-up), p50/p99 in milliseconds.
// Servers are started on free loopback ports with test/harness and stopped afterwards.
//
//   node --import tsx scripts/store-latency.ts [--n 1000] [--backends memory,etcd,zookeeper]
//
// list reads a prefix holding LIST_KEYS keys; the value is a ~300-byte instance-like record.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createStore, type StoreConfig } from '../lib/store/index.js';
import type { Store, WatchEvent } from '../lib/store/store.js';
import { startEtcd, startZooKeeper } from '../test/harness/index.js';
import { SAMPLE_RECORD } from './sample-record.js';

const LIST_KEYS = 100;
const WARMUP = 50;

interface Row {
  backend: string;
  op: string;
  p50: number;
  p99: number;
  mean: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const N = Number(arg('n', '1000'));
const BACKENDS = arg('backends', 'memory,etcd,zookeeper').split(',');

const record = {
  ...SAMPLE_RECORD,
  metadata: { build: '2024-05-01' },
  leaseId: '7587869879349813',
  ttlSeconds: 15,
  registeredAt: '2024-05-01T12:00:00.000Z',
  updatedAt: '2024-05-01T12:00:00.000Z',
};

async function timed(n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(WARMUP, n); i++) await op(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

function summarise(backend: string, op: string, samples: number[]): Row {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { backend, op, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function measure(backend: string, store: Store): Promise<Row[]> {
  const p = `/plexus/v1/latency-${Date.now().toString(36)}/`;
  const key = (i: number): string => `${p}k/${i}`;
  const rows: Row[] = [];
  const revs = new Map<number, number>();

  rows.push(summarise(backend, 'put', await timed(N, async (i) => revs.set(i, await store.put(key(i), record)))));
  rows.push(summarise(backend, 'get', await timed(N, (i) => store.get(key(i)))));
  rows.push(
    summarise(backend, 'CAS put', await timed(N, async (i) => {
      revs.set(i, await store.put(key(i), record, { expectedRevision: revs.get(i)! }));
    })),
  );
  rows.push(summarise(backend, 'delete', await timed(N, (i) => store.delete(key(i)))));

  for (let i = 0; i < LIST_KEYS; i++) await store.put(`${p}list/${i}`, record);
  rows.push(summarise(backend, `list (${LIST_KEYS} keys)`, await timed(N, () => store.list(`${p}list/`))));

  // put→event: the time from issuing a put until the watch delivers its event.
  let waiting: { key: string; resolve: () => void } | undefined;
  const w = await store.watch(`${p}w/`, (await store.currentRevision()) + 1, {
    onEvents: (events: WatchEvent[]) => {
      if (waiting && events.some((e) => e.key === waiting!.key)) waiting.resolve();
    },
    onResync: (reason) => {
      throw new Error(`unexpected resync: ${reason}`);
    },
  });
  rows.push(
    summarise(backend, 'watch put→event', await timed(N, async (i) => {
      const k = `${p}w/${i % 100}`;
      const seen = new Promise<void>((resolve) => (waiting = { key: k, resolve }));
      await store.put(k, record);
      await seen;
    })),
  );
  await w.close();
  return rows;
}

async function runBackend(backend: string): Promise<Row[] | string> {
  switch (backend) {
    case 'memory': {
      const store = await createStore({ backend: 'memory' });
      try {
        return await measure(backend, store);
      } finally {
        await store.close();
      }
    }
    case 'etcd': {
      const etcd = await startEtcd();
      try {
        const store = await createStore({ backend: 'etcd', endpoints: [etcd.endpoint] });
        try {
          return await measure(`etcd`, store);
        } finally {
          await store.close();
        }
      } finally {
        await etcd.stop();
      }
    }
    case 'zookeeper': {
      const impl = fileURLToPath(new URL('../lib/store/zookeeper-store.ts', import.meta.url));
      if (!existsSync(impl)) return 'skipped: lib/store/zookeeper-store.ts does not exist yet';
      const zk = await startZooKeeper();
      try {
        const config: StoreConfig = { backend: 'zookeeper', connectString: zk.connectString };
        const store = await createStore(config);
        try {
          return await measure('zookeeper', store);
        } finally {
          await store.close();
        }
      } finally {
        await zk.stop();
      }
    }
    default:
      return `unknown backend ${backend}`;
  }
}

function table(rows: Row[]): string {
  const head = ['backend', 'operation', 'p50 ms', 'p99 ms', 'mean ms'];
  const body = rows.map((r) => [r.backend, r.op, r.p50.toFixed(3), r.p99.toFixed(3), r.mean.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const backend of BACKENDS) {
    try {
      const result = await runBackend(backend);
      if (typeof result === 'string') notes.push(`${backend}: ${result}`);
      else rows.push(...result);
    } catch (err) {
      notes.push(`${backend}: failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  console.log(`Store latency, N=${N} sequential ops per row (after ${WARMUP} warm-up), one process, loopback\n`);
  console.log(table(rows));
  for (const n of notes) console.log(`\n${n}`);
}

await main();
