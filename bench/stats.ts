// Small statistics helpers shared by the benchmarks.

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles of a sample in the sample's unit (nearest-rank). */
export function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** High-resolution now in milliseconds. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

/** Print rows as an aligned text table. */
export function printTable(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** What a closed-loop caller reads: whether its results count now, and whether to stop. */
export interface LoadPhase {
  readonly measuring: boolean;
  readonly stopped: boolean;
}

/**
 * Run `concurrency` callers in a closed loop: a warm-up, `durationMs` measured, then stop and
 * wait for every caller to return. Resolves to the measured seconds.
 */
export async function closedLoop(concurrency: number, warmupMs: number, durationMs: number, caller: (k: number, phase: LoadPhase) => Promise<void>): Promise<number> {
  const phase = { measuring: false, stopped: false };
  const callers = Array.from({ length: concurrency }, (_, k) => caller(k, phase));
  await sleep(warmupMs);
  phase.measuring = true;
  const started = nowMs();
  await sleep(durationMs);
  phase.measuring = false;
  const seconds = (nowMs() - started) / 1000;
  phase.stopped = true;
  await Promise.all(callers);
  return seconds;
}
