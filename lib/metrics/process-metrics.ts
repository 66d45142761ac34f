// Process metrics in the Prometheus text format, without prom-client: the families of its
// default metrics that dashboards and benches read (CPU, start time, resident memory, open file
// descriptors, heap, event-loop lag, Node version), under the same names with the `plexus_`
// prefix (lib/admin/metrics.ts gives the services prom-client's full set).
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { MetricSet, type Gauge } from './exposition.js';

const PREFIX = 'plexus_';

/** Resident memory of this process from /proc (NaN where there is none). */
function residentBytes(): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : process.memoryUsage.rss();
  } catch {
    return process.memoryUsage.rss();
  }
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return Number.NaN;
  }
}

/** The process's metric families; one per process (the event-loop monitor is process-wide). */
class ProcessMetrics {
  private readonly set = new MetricSet();
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.lag.enable();
    const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
    const seconds = (micros: number): number => micros / 1e6;
    let cpu = process.cpuUsage();
    const refreshCpu = (): void => {
      cpu = process.cpuUsage();
    };
    const counterOf = (name: string, help: string, read: () => number): void => void this.set.observedCounter(PREFIX + name, help, read);
    counterOf('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', () => {
      refreshCpu();
      return seconds(cpu.user);
    });
    counterOf('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', () => seconds(cpu.system));
    counterOf('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', () => seconds(cpu.user + cpu.system));
    this.gaugeOf('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => startSeconds);
    this.gaugeOf('process_resident_memory_bytes', 'Resident memory size in bytes.', residentBytes);
    this.gaugeOf('process_open_fds', 'Number of open file descriptors.', openFds);
    this.gaugeOf('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => process.memoryUsage().heapTotal);
    this.gaugeOf('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', () => process.memoryUsage().heapUsed);
    this.gaugeOf('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', () => process.memoryUsage().external);
    // Event-loop lag over the interval since the previous scrape (the monitor is reset after each).
    const lagOf = (name: string, help: string, read: (h: IntervalHistogram) => number): void =>
      this.gaugeOf(name, help, () => (this.lag.count === 0 ? 0 : read(this.lag) / 1e9));
    lagOf('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.', (h) => h.min);
    lagOf('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', (h) => h.max);
    lagOf('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', (h) => h.mean);
    lagOf('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.', (h) => h.percentile(50));
    lagOf('nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.', (h) => h.percentile(90));
    lagOf('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', (h) => h.percentile(99));
    const version = process.versions.node.split('.').map(Number);
    const info = this.set.gauge(PREFIX + 'nodejs_version_info', 'Node.js version info.', ['version', 'major', 'minor', 'patch']);
    info.set({ version: process.version, major: version[0], minor: version[1], patch: version[2] }, 1);
  }

  render(): string {
    const text = this.set.render();
    this.lag.reset();
    return text;
  }

  private gaugeOf(name: string, help: string, value: () => number): void {
    const g: Gauge = this.set.gauge(PREFIX + name, help, [], () => g.set(value()));
  }
}

let processMetrics: ProcessMetrics | undefined;

/** This process's metrics in the text format (the event-loop monitor starts on the first call). */
export function renderProcessMetrics(): string {
  processMetrics ??= new ProcessMetrics();
  return processMetrics.render();
}
