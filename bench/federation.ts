// Federation benchmark: `tsx bench/federation.ts [--quick]`.
// Two clusters on this machine as in test/federation: east on etcd, west on ZooKeeper, each with
// its own nats-server (JetStream), linked by a leaf-node connection; a federation service per
// cluster. Measures cross-cluster propagation: an instance registered (written) in east's store
// → the Endpoints body config-push's mesh view builds for that service in west contains it
// (west's view follows west's store through the same sync config-push runs; the proxy's
// delta stream adds config-push's debounce on top). Then the same for a deregistration.
// Prints a table and writes bench/results/federation.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { deregister, endpoints, exportService, register, startTwoClusters } from '../test/federation/support.js';
import { waitFor } from '../test/harness/index.js';
import { runBench } from './bench-env.js';
import { fmt, nowMs, printTable, summarize } from './stats.js';

const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 30 : 200;

runBench(async () => {
  const loadAtStart = loadavg()[0]!;
  const c = await startTwoClusters({ heartbeatMs: 1000, staleAfterMs: 5000, stalenessWindowMs: 60_000, stallAfterMs: 3000, leaseTtlSeconds: 5 });
  try {
    await c.startFederation(c.east, 'west');
    await c.startFederation(c.west, 'east');
    await register(c.east, 'catalog', 'seed', 9000);
    await exportService(c.east, 'catalog');
    await waitFor('west to import catalog', () => endpoints(c.west, 'catalog').length === 1, { timeoutMs: 30_000 });

    /** Resolves (with the time) when west's Endpoints for catalog satisfy `done`. */
    const whenWest = (done: () => boolean): Promise<number> =>
      new Promise((resolve) => {
        const off = c.west.view.onChange(() => {
          if (!done()) return;
          off();
          resolve(nowMs());
        });
      });
    const registered: number[] = [];
    const deregistered: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const id = `bench-${i}`;
      const has = () => endpoints(c.west, 'catalog').some((e) => e.id === `east/${id}`);
      let seen = whenWest(has);
      let t0 = nowMs();
      await register(c.east, 'catalog', id, 10_000 + i);
      registered.push((await seen) - t0);
      seen = whenWest(() => !has());
      t0 = nowMs();
      await deregister(c.east, 'catalog', id);
      deregistered.push((await seen) - t0);
    }
    const reg = summarize(registered);
    const dereg = summarize(deregistered);
    printTable('Federation: east store write → west Endpoints (etcd → JetStream over a leaf link → ZooKeeper → mesh view)', ['change', 'p50 ms', 'p99 ms', 'max ms', 'n'], [
      ['register', fmt(reg.p50), fmt(reg.p99), fmt(reg.max), reg.n],
      ['deregister', fmt(dereg.p50), fmt(dereg.p99), fmt(dereg.max), dereg.n],
    ]);
    const out = { date: new Date().toISOString(), quick, loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0]! }, propagationMs: { register: reg, deregister: dereg } };
    mkdirSync(join('bench', 'results'), { recursive: true });
    writeFileSync(join('bench', 'results', 'federation.json'), JSON.stringify(out, null, 2));
  } finally {
    await c.close();
  }
});
