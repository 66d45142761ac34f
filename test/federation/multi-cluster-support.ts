// Helpers for tests on `startMultiCluster` (deploy/local/multi-cluster.ts): plexctl settings of a
// cluster, the remote endpoints a proxy holds (from its /config_dump), a counter from an admin
// /metrics page, and a steady request loop through an ingress gateway that records, for each
// request, when it was sent and answered and which cluster's catalog answered.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import type { FederatedCluster, MultiCluster } from '../../deploy/local/multi-cluster.js';
import { waitFor } from '../harness/index.js';
import { describeRun, getThrough, plexctl } from '../e2e/support.js';

export function settings(c: FederatedCluster): NodeJS.ProcessEnv {
  const m = c.mesh;
  return {
    PLEXCTL_POLICY_ADDR: m.addresses.policy.split(',')[0],
    PLEXCTL_REGISTRY_ADDR: m.addresses.registry.split(',')[0],
    PLEXCTL_CONFIG_PUSH_ADDR: m.addresses.configPush.split(',')[0],
    PLEXCTL_TOKEN: m.token,
    PLEXCTL_CA_FILE: m.caFile,
    PLEXCTL_FEDERATION_ADDR: `127.0.0.1:${c.federation.grpcPort}`,
  };
}

const EXPORT_CATALOG = 'apiVersion: plexus.dev/v1\nkind: ServiceExport\nmetadata: {name: catalog}\nspec: {}\n';
// Failover needs the dead instances known unhealthy: callers eject an instance at its first
// refused connection (else they keep it until its registration lease expires). A restarted
// instance is back after the ejection time.
const RESILIENCE_CATALOG = [
  'apiVersion: plexus.dev/v1',
  'kind: Resilience',
  'metadata: {name: catalog, namespace: default}',
  'spec:',
  '  outlierDetection: {consecutiveConnectErrors: 1, consecutive5xx: 5, interval: 500ms, baseEjectionTime: 2s, maxEjectionPercent: 100}',
  '',
].join('\n');

/**
 * Export catalog from every cluster, with a Resilience that ejects refused instances, and wait
 * until west's frontend proxy holds east's catalog instances behind east's east-west gateway.
 */
export async function exportCatalogWithFailover(mc: MultiCluster, dir: string): Promise<void> {
  const docFile = join(dir, 'export-catalog.yaml');
  await writeFile(docFile, [EXPORT_CATALOG, RESILIENCE_CATALOG].join('---\n'));
  for (const c of mc.clusters) {
    const applied = await plexctl(['apply', '-f', docFile], settings(c));
    assert.equal(applied.code, 0, describeRun(`apply ServiceExport in ${c.name}`, applied));
  }
  const east = mc.clusters.find((c) => c.name === 'east')!;
  const frontend = mc.clusters.find((c) => c.name === 'west')!.mesh.proxies.find((p) => p.name === 'frontend-v1')!;
  await waitFor('west frontend proxy to hold east catalog endpoints behind east\'s gateway', async () => {
    const eps = await importedEndpoints(frontend.adminPort, 'east', 'catalog');
    return eps.length === 2 && eps.every((e) => e.gateway?.port === east.eastWest.passthroughPort);
  }, { timeoutMs: 30_000 });
}

/** A cluster's catalog sidecars and apps (to kill and restart them). */
export function catalogProcesses(c: FederatedCluster): Array<FederatedCluster['federation']['process']> {
  return [...c.mesh.proxies.filter((p) => p.name.startsWith('catalog-')).map((p) => p.process), ...c.mesh.apps.filter((a) => a.spec.name.startsWith('app-catalog-'))];
}

export interface DumpedEndpoint {
  id: string;
  cluster: string;
  priority?: number;
  stale?: boolean;
  gateway?: { address: string; port: number };
}

/** The endpoints with ids `<peer>/<service>-…` in a proxy's /config_dump (imports of `peer`). */
export async function importedEndpoints(adminPort: number, peer: string, service: string): Promise<DumpedEndpoint[]> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/config_dump`);
  const found = new Map<string, DumpedEndpoint>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as DumpedEndpoint;
      if (typeof o.id === 'string' && o.id.startsWith(`${peer}/${service}-`)) found.set(o.id, o);
      Object.values(o).forEach(walk);
    }
  };
  walk(await res.json());
  return [...found.values()];
}

/** The sum of a counter's samples on an admin /metrics page whose labels include `labels`. */
export async function scrapeCounter(adminPort: number, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export interface Answer {
  sentAt: number;
  doneAt: number;
  /** The cluster of the catalog that answered; undefined: the request failed. */
  cluster: string | undefined;
  error?: string;
}

/** One keep-alive client sending GET / through a gateway, one request at a time, until stopped. */
export class CatalogLoop {
  readonly answers: Answer[] = [];
  private stopped = false;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly done: Promise<void>;

  constructor(url: string) {
    this.done = this.loop(url);
  }

  private async loop(url: string): Promise<void> {
    while (!this.stopped) {
      const sentAt = Date.now();
      let cluster: string | undefined;
      let error: string | undefined;
      try {
        const reply = await getThrough(url, this.agent, 5000);
        cluster = reply.status === 200 ? (JSON.parse(reply.body) as { catalog?: { cluster?: string } }).catalog?.cluster : undefined;
        if (cluster === undefined) error = `HTTP ${reply.status} ${reply.body.slice(0, 200)}`;
      } catch (err) {
        error = (err as Error).message;
      }
      this.answers.push({ sentAt, doneAt: Date.now(), cluster, ...(error ? { error } : {}) });
    }
  }

  /** Answers to requests sent at or after `from` (epoch ms). */
  since(from: number): Answer[] {
    return this.answers.filter((a) => a.sentAt >= from);
  }

  /** True once the last `n` requests sent at or after `from` were all answered by `cluster`. */
  settledOn(cluster: string, from: number, n: number): boolean {
    const recent = this.since(from).slice(-n);
    return recent.length === n && recent.every((a) => a.cluster === cluster);
  }

  /** Failed requests sent at or after `from`, and the window they span (first sent → last answered). */
  failuresSince(from: number): { failures: Answer[]; windowMs: number } {
    const failures = this.since(from).filter((a) => a.cluster === undefined);
    const windowMs = failures.length === 0 ? 0 : failures[failures.length - 1]!.doneAt - failures[0]!.sentAt;
    return { failures, windowMs };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.agent.destroy();
  }
}

/**
 * Failure context naming a cluster's store servers: whether the process this launcher started
 * still runs (pid, exit), whether its address answers, and which process listens there now
 * (`ss -ltnp`): a refused store call says which of "stopped early", "died" or "another server on
 * the port" it was.
 */
export async function storeState(c: FederatedCluster): Promise<string> {
  const lines: string[] = [];
  for (const m of c.mesh.backends.store.members) {
    const port = /:(\d+)$/.exec(m.address)?.[1] ?? '';
    const p = m.process;
    const exit = p.running ? 'running' : `not running (pid ${p.pid ?? '?'})`;
    const listener = await new Promise<string>((resolve) => execFile('ss', ['-ltnpH', `sport = :${port}`], (err, out) => resolve(err ? `ss failed: ${err.message}` : out.trim() || 'nothing listens')));
    lines.push(`${c.name} store ${m.name} ${m.address}: our pid ${p.pid ?? '?'} ${exit}; port ${port}: ${listener}\n${p.tail(5)}`);
  }
  return lines.join('\n');
}
