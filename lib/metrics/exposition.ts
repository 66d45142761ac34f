// A small writer of the Prometheus text exposition format (0.0.4) for a process that must stay
// small: prom-client costs ~5 MB of resident memory per process, more than the proxy's own
// code. Counters and gauges with fixed label names; values kept per label set and rendered at
// scrape time, after each family's `collect` hook has refreshed it. Services keep prom-client
// (lib/admin/metrics.ts); names, types and label names here are the same as there would be.

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type LabelValues<L extends string> = Partial<Record<L, string | number>>;

interface Sample {
  labels: string;
  value: number;
}

/** One metric family: its samples by label set. */
abstract class Family<L extends string> {
  private readonly samples = new Map<string, Sample>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    private readonly labelNames: readonly L[],
    private readonly collect?: () => void,
  ) {
    // A family without labels has its one sample from the start, at 0.
    if (labelNames.length === 0) this.samples.set('', { labels: '', value: 0 });
  }

  /** The samples map's key of a label set (its values in labelNames order). */
  private keyOf(labels: LabelValues<L> | undefined): string {
    return this.labelNames.length === 0 ? '' : this.labelNames.map((n) => String(labels?.[n] ?? '')).join('\u0000');
  }

  protected sample(labels: LabelValues<L> | undefined): Sample {
    const key = this.keyOf(labels);
    let s = this.samples.get(key);
    if (!s) {
      const parts = this.labelNames.filter((n) => labels?.[n] !== undefined).map((n) => `${n}="${escapeLabelValue(String(labels![n]))}"`);
      this.samples.set(key, (s = { labels: parts.length ? `{${parts.join(',')}}` : '', value: 0 }));
    }
    return s;
  }

  /** Forgets the sample of one label set (a gauge of something that went away). */
  remove(labels: LabelValues<L>): void {
    if (this.labelNames.length === 0) return;
    this.samples.delete(this.keyOf(labels));
  }

  render(): string {
    this.collect?.();
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.samples.values()) lines.push(`${this.name}${s.labels} ${formatValue(s.value)}`);
    return `${lines.join('\n')}\n`;
  }
}

export class Counter<L extends string = never> extends Family<L> {
  constructor(name: string, help: string, labelNames: readonly L[] = [], collect?: () => void) {
    super(name, help, 'counter', labelNames, collect);
  }

  /** inc(), inc(n), inc(labels), inc(labels, n); n must not be negative. */
  inc(labels?: LabelValues<L> | number, by = 1): void {
    const [l, n] = typeof labels === 'number' ? [undefined, labels] : [labels, by];
    if (!(n >= 0)) throw new RangeError(`${this.name}: a counter only goes up (got ${n})`);
    this.sample(l).value += n;
  }
}

export class Gauge<L extends string = never> extends Family<L> {
  constructor(name: string, help: string, labelNames: readonly L[] = [], collect?: () => void) {
    super(name, help, 'gauge', labelNames, collect);
  }

  /** set(value) or set(labels, value). */
  set(labels: LabelValues<L> | number, value?: number): void {
    if (typeof labels === 'number') this.sample(undefined).value = labels;
    else this.sample(labels).value = value ?? 0;
  }
}

/** A counter whose total another source keeps (CPU time): read at scrape time, never incremented. */
export class ObservedCounter extends Family<never> {
  constructor(name: string, help: string, read: () => number) {
    super(name, help, 'counter', [], () => {
      this.sample(undefined).value = read();
    });
  }
}

/** The families of one component, rendered in the order they were made. */
export class MetricSet {
  private readonly families: Array<Family<string>> = [];

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: () => void): Counter<L> {
    return this.add(new Counter<L>(name, help, labelNames, collect));
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: () => void): Gauge<L> {
    return this.add(new Gauge<L>(name, help, labelNames, collect));
  }

  observedCounter(name: string, help: string, read: () => number): ObservedCounter {
    return this.add(new ObservedCounter(name, help, read));
  }

  render(): string {
    return this.families.map((f) => f.render()).join('');
  }

  private add<F extends Family<string>>(family: F): F {
    if (this.families.some((f) => f.name === family.name)) throw new Error(`metric ${family.name} is registered twice`);
    this.families.push(family);
    return family;
  }
}

/** A sample value as the text format writes it (NaN and infinities spelled out). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** HELP text: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
