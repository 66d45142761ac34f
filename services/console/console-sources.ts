// The console's readers of the control plane, each a loop that keeps one part of the model
// current and survives the control plane going away (it retries on the next replica with
// backoff and shows the error meanwhile). Only read APIs are called: registry List/Watch,
// policy List/Watch/History (with the operator's viewer token), config-push ProxyStatus and
// WaitForRollout, identity CaStatus (console-identity.ts). Proxies' admin /metrics are scraped at the addresses the registry lists.
import type { Logger } from 'pino';
import { PolicyClient } from '../../lib/policy-client/index.js';
import { StatusFleet } from '../../lib/discovery-client/status-client.js';
import { controlPlaneChannel, type ClientSecurity } from '../../lib/grpc/tls.js';
import { Backoff, RegistryApi, sleep } from '../../lib/registry-client/index.js';
import { EdgeWindow, parseProxyMetrics } from './edge-metrics.js';
import { runIdentityReader } from './console-identity.js';
import type { ConsoleModel } from './console-model.js';

export interface SourceOptions {
  registry: string[];
  policy: string[];
  configPush: string[];
  /** Empty: no identity service to read (the model's identity section is not configured). */
  identity: string[];
  token: string | undefined;
  /** How the control plane is reached: TLS with the mesh CA, or plaintext for test set-ups. */
  security: ClientSecurity;
  scrapeIntervalMs: number;
  rateWindowMs: number;
  statusIntervalMs: number;
  identityIntervalMs: number;
  logger: Logger;
}

const MAX_METRICS_BYTES = 8 * 1024 * 1024;
const ROLLOUT_TIMEOUT_MS = 60_000;

export interface ConsoleSources {
  /** Policy API client (History for the policies page). */
  policyClient(): PolicyClient;
  close(): Promise<void>;
}

export function startSources(model: ConsoleModel, opts: SourceOptions): ConsoleSources {
  const stop = new AbortController();
  const { signal } = stop;
  const token = opts.token === undefined ? {} : { token: opts.token };
  const registries = opts.registry.map((a) => new RegistryApi(a, { ...token, credentials: controlPlaneChannel(opts.security, 'registry') }));
  const policies = opts.policy.map((a) => new PolicyClient(a, { ...token, credentials: controlPlaneChannel(opts.security, 'policy') }));
  const fleet = new StatusFleet(opts.configPush, 5000, { ...token, credentials: controlPlaneChannel(opts.security, 'config-push') });
  const cancels = new Set<() => void>();
  const loops: Array<Promise<void>> = [];
  const log = opts.logger;

  /** Run `follow` against replica i, i+1, … until stopped; it resolves/rejects when its stream ends. */
  const rotate = (name: 'registry' | 'policy', count: number, follow: (i: number) => Promise<void>): Promise<void> =>
    (async () => {
      const backoff = new Backoff({ initialMs: 100, maxMs: 2000 });
      for (let i = 0; !signal.aborted; i = (i + 1) % count) {
        try {
          await follow(i);
        } catch (err) {
          if (signal.aborted) return;
          model.sourceErrors[name] = (err as Error).message;
          model.changed(name === 'registry' ? 'proxies' : 'policies');
          log.debug({ err: (err as Error).message, source: name }, 'console source stream ended; retrying');
        }
        await sleep(backoff.next(), signal).catch(() => undefined);
      }
    })();

  /** Follow one watch until it fails (rejects) or the console stops (resolves). */
  const followWatch = (open: (onError: (err: Error) => void) => { cancel(): void }): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const w = open(reject);
      const cancel = (): void => {
        w.cancel();
        resolve();
      };
      cancels.add(cancel);
      signal.addEventListener('abort', cancel, { once: true });
    });

  // Registry: a snapshot, then changes.
  loops.push(
    rotate('registry', registries.length, (i) =>
      followWatch((onError) =>
        registries[i]!.watch(
          {},
          {
            onMessage: (msg) => {
              delete model.sourceErrors.registry;
              if (msg.snapshot) model.instances.clear();
              for (const c of msg.changes) {
                const id = c.instance.record.id;
                if (c.type === 'delete') model.instances.delete(id);
                else model.instances.set(id, c.instance);
              }
              model.changed('proxies');
              model.changed('topology');
            },
            onError,
          },
        ),
      ),
    ),
  );

  // Policies: the listing as PUTs, SYNCED, then live changes (each followed as a rollout).
  loops.push(
    rotate('policy', policies.length, (i) => {
      let synced = false;
      return followWatch((onError) =>
        policies[i]!.watch(
          {},
          {
            onEvent: (ev) => {
              delete model.sourceErrors.policy;
              const p = ev.policy;
              if (ev.type === 'RESET') model.policies.clear();
              else if (ev.type === 'SYNCED') synced = true;
              else if (p && ev.type === 'DELETE') model.policies.delete(`${p.kind}/${p.namespace}/${p.name}`);
              else if (p && ev.type === 'PUT') {
                const id = `${p.kind}/${p.namespace}/${p.name}`;
                model.policies.set(id, { kind: p.kind, namespace: p.namespace, name: p.name, revision: Number(p.revision), appliedBy: p.appliedBy, appliedAt: p.appliedAt });
                if (synced) followRollout(p.kind, p.namespace, p.name, Number(p.revision));
              }
              model.changed('policies');
            },
            onError,
          },
        ),
      );
    }),
  );

  const followRollout = (kind: string, namespace: string, name: string, revision: number): void => {
    const row = model.startRollout(`${kind}/${namespace}/${name}`, revision);
    model.changed('rollouts');
    fleet
      .waitForRollout({ policy: { kind, namespace, name }, revision, timeoutMs: ROLLOUT_TIMEOUT_MS }, (p) => {
        row.progress = p;
        model.changed('rollouts');
      })
      .then(
        (final) => (row.progress = final),
        (err: unknown) => (row.error = (err as Error).message),
      )
      .finally(() => model.changed('rollouts'));
  };

  // Proxy sync state: config-push has no watch for it, so ask every statusIntervalMs.
  loops.push(
    (async () => {
      while (!signal.aborted) {
        try {
          const { proxies, unreachable } = await fleet.proxyStatus();
          const before = JSON.stringify(model.proxyStatus) + model.statusError;
          model.proxyStatus = proxies;
          model.statusSeen = true;
          model.statusError = unreachable.length ? `config-push replicas not answering: ${unreachable.map((u) => u.address).join(', ')}` : null;
          if (JSON.stringify(model.proxyStatus) + model.statusError !== before) model.changed('proxies');
        } catch (err) {
          model.statusError = `config-push: ${(err as Error).message}`;
          model.changed('proxies');
        }
        await sleep(opts.statusIntervalMs, signal).catch(() => undefined);
      }
    })(),
  );

  // Edge numbers: scrape each registered proxy's admin /metrics (address + metadata.adminPort).
  const window = new EdgeWindow(opts.rateWindowMs);
  loops.push(
    (async () => {
      while (!signal.aborted) {
        const targets = new Map<string, string>();
        for (const { record } of model.instances.values()) {
          const port = Number(record.metadata.adminPort);
          if (Number.isInteger(port) && port > 0 && port < 65536) targets.set(record.id, `http://${hostForUrl(record.address)}:${port}/metrics`);
        }
        window.retain(new Set(targets.keys()));
        const failures: string[] = [];
        await Promise.all(
          [...targets].map(async ([id, url]) => {
            try {
              const text = await fetchBounded(url, Math.min(opts.scrapeIntervalMs, 5000), signal);
              window.add(id, Date.now(), parseProxyMetrics(text));
            } catch (err) {
              failures.push(`${id}: ${(err as Error).message}`);
            }
          }),
        );
        model.edges = window.edges();
        if (failures.length) model.sourceErrors.metrics = `could not scrape ${failures.length} proxies (${failures.slice(0, 3).join('; ')})`;
        else delete model.sourceErrors.metrics;
        model.changed('topology');
        await sleep(opts.scrapeIntervalMs, signal).catch(() => undefined);
      }
    })(),
  );

  // CA certificates and workload expiries: every identity replica's CaStatus, merged.
  if (opts.identity.length) {
    loops.push(runIdentityReader(model, { addresses: opts.identity, token: opts.token, security: opts.security, intervalMs: opts.identityIntervalMs, logger: log }, signal));
  }

  return {
    policyClient: () => policies[0]!,
    close: async () => {
      stop.abort();
      for (const c of cancels) c();
      await Promise.allSettled(loops);
      for (const r of registries) r.close();
      for (const p of policies) p.close();
      fleet.close();
    },
  };
}

function hostForUrl(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

async function fetchBounded(url: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_METRICS_BYTES) throw new Error('metrics too large');
  const text = await res.text();
  if (text.length > MAX_METRICS_BYTES) throw new Error('metrics too large');
  return text;
}
