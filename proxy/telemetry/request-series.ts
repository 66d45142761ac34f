// The per-request series of a proxy (request count by outcome, duration histogram), counted in
// plain numbers on the hot path and turned into Prometheus series only when scraped.
// prom-client's label children hash and validate their labels on every inc()/observe() (a few
// µs per request on this machine); here a request costs three Map lookups on strings the proxy
// already holds, a counter bump and a bucket bump.
import { escapeLabelValue } from '../../lib/metrics/exposition.js';

export type Direction = 'outbound' | 'inbound';

/** Istio's `reporter` label: which end of the call the series was recorded at. */
export const REPORTER: Record<Direction, 'source' | 'destination'> = { outbound: 'source', inbound: 'destination' };

/** Requests of one outcome (status code and response flags) of one series. */
export interface OutcomeCount {
  readonly labels: { reporter: string; source_workload: string; destination_service: string; response_code: string; response_flags: string };
  count: number;
  /** What the Prometheus counter holds already (see RequestSeries.flushCounts). */
  flushed: number;
}

/** One (direction, source workload, destination service). */
interface Series {
  readonly labels: string;
  /** Outcomes by status code, or by `code|flags` when there are flags. */
  readonly outcomes: Map<number | string, OutcomeCount>;
  /** Per bucket (not cumulative), the last one for values above every bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

export class RequestSeries {
  private readonly series: Record<Direction, Map<string, Map<string, Series>>> = { outbound: new Map(), inbound: new Map() };
  private readonly all: Series[] = [];

  constructor(private readonly bounds: readonly number[]) {}

  record(direction: Direction, source: string, destination: string, code: number, flags: string, seconds: number): void {
    let bySource = this.series[direction].get(source);
    if (!bySource) this.series[direction].set(source, (bySource = new Map()));
    let s = bySource.get(destination);
    if (!s) {
      s = {
        labels: `reporter="${REPORTER[direction]}",source_workload="${escapeLabelValue(source)}",destination_service="${escapeLabelValue(destination)}"`,
        outcomes: new Map(),
        buckets: new Array<number>(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      bySource.set(destination, s);
      this.all.push(s);
    }
    const key = flags === '' ? code : `${code}|${flags}`;
    const o = s.outcomes.get(key);
    if (o) o.count++;
    else {
      const labels = { reporter: REPORTER[direction], source_workload: source, destination_service: destination, response_code: String(code), response_flags: flags || '-' };
      s.outcomes.set(key, { labels, count: 1, flushed: 0 });
    }
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
  }

  /** Hands each outcome's requests since the last call to `add` (a Prometheus counter's collect). */
  flushCounts(add: (labels: OutcomeCount['labels'], delta: number) => void): void {
    for (const s of this.all) {
      for (const o of s.outcomes.values()) {
        if (o.count === o.flushed) continue;
        add(o.labels, o.count - o.flushed);
        o.flushed = o.count;
      }
    }
  }

  /** The duration histogram in the Prometheus text format ('' before the first request). */
  renderHistogram(name: string, help: string): string {
    if (this.all.length === 0) return '';
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    for (const s of this.all) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.buckets[i]!;
        lines.push(`${name}_bucket{${s.labels},le="${this.bounds[i]}"} ${cumulative}`);
      }
      lines.push(`${name}_bucket{${s.labels},le="+Inf"} ${s.count}`);
      lines.push(`${name}_sum{${s.labels}} ${s.sum}`);
      lines.push(`${name}_count{${s.labels}} ${s.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
