// Prometheus metrics. One registry per process (prom-client's default) with process metrics;
// metric names start with `plexus_`. Helpers are idempotent so several components (or several
// in-process replicas in tests) can ask for the same metric without a double-registration error.
import client from 'prom-client';

export const registry = client.register;
let defaultsStarted = false;

/**
 * prom-client's default metrics include gauges named `*_total` (a suffix Prometheus reserves for
 * counters; `promtool check metrics` rejects them). Each is the sum over the `type` label of its
 * sibling without the suffix (`plexus_nodejs_active_handles{type}`), so they are dropped.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  client.collectDefaultMetrics({ register: registry, prefix: 'plexus_' });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(`plexus_${name}`);
}

function existing<T>(name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function counter<L extends string = string>(cfg: client.CounterConfiguration<L>): client.Counter<L> {
  return existing<client.Counter<L>>(cfg.name) ?? new client.Counter<L>(cfg);
}
export function gauge<L extends string = string>(cfg: client.GaugeConfiguration<L>): client.Gauge<L> {
  return existing<client.Gauge<L>>(cfg.name) ?? new client.Gauge<L>(cfg);
}
export function histogram<L extends string = string>(cfg: client.HistogramConfiguration<L>): client.Histogram<L> {
  return existing<client.Histogram<L>>(cfg.name) ?? new client.Histogram<L>(cfg);
}

/** A counter labelled by `labelNames`, in one line. */
export function counterBy<L extends string>(name: string, help: string, labelNames: L[]): client.Counter<L> {
  return counter<L>({ name, help, labelNames });
}

/**
 * Where scrape-time gauges read live state: the most recently registered source (the newest
 * replica started in this process; tests start several). `register` returns its undo.
 */
export function liveSources<T>(): { register(source: T): () => void; current(): T | undefined } {
  const sources: T[] = [];
  return {
    register(source) {
      sources.push(source);
      return () => {
        const i = sources.indexOf(source);
        if (i >= 0) sources.splice(i, 1);
      };
    },
    current: () => sources[sources.length - 1],
  };
}

export { LATENCY_BUCKETS } from '../metrics/buckets.js';
