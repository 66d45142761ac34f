// Federation benchmark: `tsx bench/federation.ts [--quick]`.
// Two clusters on this machine as in test/federation: east on etcd, west on ZooKeeper, each with
// its own nats-server (JetStream), linked by a leaf-node connection; a federation service per
// cluster. Measures cross-cluster propagation: an instance registered (written) in east's store
// → the Endpoints body config-push's mesh view builds for that service in west contains it
// (west's view follows west's store through the same sync config-push runs; the proxy's
// delta stream adds config-push's debounce on top). Then the same for a deregistration.
// Failover (`--failover`, or `--failover-only`): on `npm run local -- --clusters 2`'s topology
// (deploy/local/multi-cluster.ts), catalog exported from both clusters, a steady request loop
// through west's ingress gateway; west's catalog sidecars and apps killed -9 → the first answer
// from east's catalog (through east's east-west gateway) and the window of failed requests;
// then west's catalog restarted and traffic back on west before the next round.
// Prints tables and writes bench/results/federation.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startMultiCluster, type FederatedCluster } from '../deploy/local/multi-cluster.js';
import { deregister, endpoints, exportService, register, startTwoClusters } from '../test/federation/support.js';
import { CatalogLoop, catalogProcesses, exportCatalogWithFailover } from '../test/federation/multi-cluster-support.js';
import { waitFor } from '../test/harness/index.js';
import { runBench } from './bench-env.js';
import { fmt, nowMs, printTable, summarize } from './stats.js';

const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 30 : 200;
const failoverOnly = process.argv.includes('--failover-only');
const FAILOVER_ROUNDS = failoverOnly || process.argv.includes('--failover') ? (quick ? 3 : 10) : 0;

/** West's catalog killed -9 FAILOVER_ROUNDS times: ms to the first answer from east, and the failure window. */
async function failover(): Promise<{ firstEastMs: ReturnType<typeof summarize>; failureWindowMs: ReturnType<typeof summarize>; failedRequests: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'plexus-bench-failover-'));
  const mc = await startMultiCluster({ logLevel: 'warn', dataDir: dir });
  const west = mc.clusters.find((c) => c.name === 'west') as FederatedCluster;
  let loop: CatalogLoop | undefined;
  try {
    await exportCatalogWithFailover(mc, dir);
    loop = new CatalogLoop(`${west.mesh.gatewayUrl}/`);
    const l = loop;
    const firstEast: number[] = [];
    const windows: number[] = [];
    let failed = 0;
    for (let i = 0; i < FAILOVER_ROUNDS; i++) {
      const from = Date.now();
      await waitFor('west to answer', () => l.settledOn('west', from, 10), { timeoutMs: 60_000, intervalMs: 20 });
      const killedAt = Date.now();
      await Promise.all(catalogProcesses(west).map((p) => p.kill('SIGKILL')));
      await waitFor('east to answer', () => l.settledOn('east', killedAt, 10), { timeoutMs: 60_000, intervalMs: 20 });
      firstEast.push(l.since(killedAt).find((a) => a.cluster === 'east')!.doneAt - killedAt);
      const f = l.failuresSince(killedAt);
      windows.push(f.windowMs);
      failed += f.failures.length;
      for (const p of catalogProcesses(west).reverse()) await p.start();
    }
    return { firstEastMs: summarize(firstEast), failureWindowMs: summarize(windows), failedRequests: failed };
  } finally {
    await loop?.stop();
    await mc.close();
    await rm(dir, { recursive: true, force: true });
  }
}

runBench(async () => {
  const loadAtStart = loadavg()[0]!;
  if (failoverOnly) {
    const fo = await failover();
    printFailover(fo);
    writeResults({ date: new Date().toISOString(), quick, loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0]! }, failover: fo });
    return;
  }
  let propagationMs: { register: ReturnType<typeof summarize>; deregister: ReturnType<typeof summarize> } | undefined;
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
    propagationMs = { register: reg, deregister: dereg };
  } finally {
    await c.close();
  }
  const fo = FAILOVER_ROUNDS > 0 ? await failover() : undefined;
  if (fo) printFailover(fo);
  writeResults({ date: new Date().toISOString(), quick, loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0]! }, propagationMs, ...(fo ? { failover: fo } : {}) });
});

function printFailover(fo: Awaited<ReturnType<typeof failover>>): void {
  printTable(`Failover: west's catalog killed -9 → answers from east's catalog through east's east-west gateway (${FAILOVER_ROUNDS} rounds, 1 client)`, ['measure', 'p50 ms', 'p99 ms', 'max ms', 'n'], [
    ['first answer from east', fmt(fo.firstEastMs.p50), fmt(fo.firstEastMs.p99), fmt(fo.firstEastMs.max), fo.firstEastMs.n],
    [`failure window (${fo.failedRequests} failed requests in all)`, fmt(fo.failureWindowMs.p50), fmt(fo.failureWindowMs.p99), fmt(fo.failureWindowMs.max), fo.failureWindowMs.n],
  ]);
}

function writeResults(out: object): void {
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'federation.json'), JSON.stringify(out, null, 2));
}
