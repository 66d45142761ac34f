// The numbers on the topology's edges, from the proxies' own Prometheus metrics: each proxy's
// caller-side series (`reporter="source"`) of plexus_proxy_requests_total and
// plexus_proxy_request_duration_seconds, scraped periodically. Per edge (source workload →
// destination service) and over a sliding window: request rate, error rate (5xx and requests
// that got no response) and p99 latency, interpolated in the histogram's buckets like
// Prometheus' histogram_quantile. Counter resets (a restarted proxy) count from zero.

/** Cumulative counters of one edge as one proxy reported them. */
export interface EdgeCounters {
  requests: number;
  errors: number;
  /** Histogram buckets: upper bound (seconds, Infinity last) → cumulative count. */
  buckets: Map<number, number>;
}

export type ProxySample = Map<string, EdgeCounters>;

export interface EdgeStats {
  source: string;
  destination: string;
  /** Requests per second over the window. */
  rps: number;
  /** Share of requests (0–1) answered 5xx or not at all. */
  errorRate: number;
  /** 99th percentile latency in milliseconds; null without requests in the window. */
  p99Ms: number | null;
  /** Requests counted in the window. */
  requests: number;
}

const MAX_LINE = 64 * 1024;
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const m of text.matchAll(LABEL)) out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

export const edgeKey = (source: string, destination: string): string => `${source}\u0000${destination}`;

/** The caller-side request series of one proxy's /metrics text, per edge. */
export function parseProxyMetrics(text: string): ProxySample {
  const out: ProxySample = new Map();
  const entry = (l: Record<string, string>): EdgeCounters | undefined => {
    if (l.reporter !== 'source' || !l.source_workload || !l.destination_service) return undefined;
    const key = edgeKey(l.source_workload, l.destination_service);
    let e = out.get(key);
    if (!e) out.set(key, (e = { requests: 0, errors: 0, buckets: new Map() }));
    return e;
  };
  for (const line of text.split('\n')) {
    if (!line.startsWith('plexus_proxy_request') || line.length > MAX_LINE) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const name = m[1]!;
    if (name === 'plexus_proxy_requests_total') {
      const l = labels(m[2]);
      const e = entry(l);
      if (!e) continue;
      e.requests += value;
      const code = Number(l.response_code);
      if (code === 0 || code >= 500) e.errors += value;
    } else if (name === 'plexus_proxy_request_duration_seconds_bucket') {
      const l = labels(m[2]);
      const e = entry(l);
      if (!e || l.le === undefined) continue;
      const le = l.le === '+Inf' ? Infinity : Number(l.le);
      if (Number.isNaN(le)) continue;
      e.buckets.set(le, (e.buckets.get(le) ?? 0) + value);
    }
  }
  return out;
}

/** `after - before`, or `after` when the counter went backwards (the proxy restarted). */
function delta(after: number, before: number | undefined): number {
  if (before === undefined || after < before) return after;
  return after - before;
}

/** histogram_quantile over cumulative bucket counts. */
export function quantile(q: number, buckets: Map<number, number>): number | null {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted[sorted.length - 1]?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      const inBucket = count - prevCount;
      return inBucket <= 0 ? bound : prevBound + (bound - prevBound) * ((rank - prevCount) / inBucket);
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

interface Timed {
  at: number;
  sample: ProxySample;
}

/** Samples per proxy over the window; edges summed over proxies. */
export class EdgeWindow {
  private readonly history = new Map<string, Timed[]>();

  constructor(private readonly windowMs: number) {}

  add(proxy: string, at: number, sample: ProxySample): void {
    let h = this.history.get(proxy);
    if (!h) this.history.set(proxy, (h = []));
    h.push({ at, sample });
    // Keep one sample at or before the window's start, as the baseline.
    while (h.length > 2 && h[1]!.at <= at - this.windowMs) h.shift();
  }

  /** Forget proxies no longer registered. */
  retain(proxies: Set<string>): void {
    for (const p of this.history.keys()) if (!proxies.has(p)) this.history.delete(p);
  }

  edges(): EdgeStats[] {
    const acc = new Map<string, { source: string; destination: string; rps: number; requests: number; errors: number; buckets: Map<number, number> }>();
    for (const h of this.history.values()) {
      if (h.length < 2) continue;
      const first = h[0]!;
      const last = h[h.length - 1]!;
      const seconds = (last.at - first.at) / 1000;
      if (seconds <= 0) continue;
      for (const [key, now] of last.sample) {
        const before = first.sample.get(key);
        const [source, destination] = key.split('\u0000') as [string, string];
        let a = acc.get(key);
        if (!a) acc.set(key, (a = { source, destination, rps: 0, requests: 0, errors: 0, buckets: new Map() }));
        const reset = before !== undefined && now.requests < before.requests;
        const requests = delta(now.requests, reset ? undefined : before?.requests);
        a.requests += requests;
        a.rps += requests / seconds;
        a.errors += delta(now.errors, reset ? undefined : before?.errors);
        for (const [le, c] of now.buckets) a.buckets.set(le, (a.buckets.get(le) ?? 0) + delta(c, reset ? undefined : before?.buckets.get(le)));
      }
    }
    return [...acc.values()]
      .map((a) => {
        const p99 = quantile(0.99, a.buckets);
        return {
          source: a.source,
          destination: a.destination,
          rps: a.rps,
          errorRate: a.requests > 0 ? a.errors / a.requests : 0,
          p99Ms: p99 === null ? null : p99 * 1000,
          requests: a.requests,
        };
      })
      .sort((x, y) => x.source.localeCompare(y.source) || x.destination.localeCompare(y.destination));
  }
}
