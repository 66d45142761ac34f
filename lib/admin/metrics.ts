// Prometheus metrics. One registry per process (prom-client's default) with process metrics;
// metric names start with `plexus_`. Helpers are idempotent so several components (or several
// in-process replicas in tests) can ask for the same metric without a double-registration error.
import client from 'prom-client';

export const registry = client.register;
let defaultsStarted = false;

export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  client.collectDefaultMetrics({ register: registry, prefix: 'plexus_' });
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

/** Latency buckets in seconds from 0.5 ms to 10 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
