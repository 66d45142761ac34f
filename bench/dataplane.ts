// Data-plane benchmark: the same HTTP app reached (1) directly, (2) through two Plexus proxies
// (caller's outbound → callee's inbound → app) and (3) through two nginx proxies in the same
// arrangement; one load generator for all, one machine, one run. Reports requests/s under load
// and p50/p99 latency at low load, then the ratios the issue asks for.
//
//   node --import tsx bench/dataplane.ts [--quick] [--tsx] [--out bench/results/dataplane.json]
//
// The proxies run as in production (Dockerfile: plain node over tsc's output): the bench
// compiles the tree into dist/bench-dataplane first (about 15 s). --tsx runs them through tsx instead,
// which costs more CPU and ~70 MB more memory per process (its loader thread and esbuild).
// PLEXUS_BENCH_CPU_PROF=<dir> makes the proxies write V8 CPU profiles (node --cpu-prof) there.
//
// Every party is its own process (app, each proxy, each nginx, the load generator), as on a
// real host. nginx is Debian's /usr/sbin/nginx (`apt-get install -y nginx`), configured here on
// free ports in a temp dir: one worker each (a Plexus proxy is one Node thread), upstream
// keep-alive, access logs off — as Plexus runs here (accessLog: false).
//
// The same file is the child processes: `--role app|proxy|load`.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, printTable } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const NGINX = '/usr/sbin/nginx';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

// ------------------------------------------------------------------------------ role: app

function runApp(): void {
  const body = Buffer.from('{"ok":true,"service":"bench-app"}\n');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(arg('port')), '127.0.0.1', () => process.send?.('ready'));
}

// ------------------------------------------------------------------------------ role: proxy

async function runProxy(): Promise<void> {
  const { startStaticProxy, applyResource, inboundBody, serviceBody, endpointsBody, endpoint } = await import(
    '../test/proxy/fixtures.js'
  );
  const service = arg('service')!;
  const sidecar = await startStaticProxy({
    service,
    appPort: Number(arg('app-port')),
    outbound: { host: '127.0.0.1', port: Number(arg('outbound-port')) },
    inbound: { host: '127.0.0.1', port: Number(arg('inbound-port')) },
    accessLog: false,
  });
  applyResource(sidecar.mesh, 'Inbound', inboundBody(`default/${service}`, 'allow'));
  const target = arg('target');
  if (target) {
    const [name, port] = target.split('@') as [string, string];
    applyResource(sidecar.mesh, 'Service', serviceBody(`default/${name}`));
    applyResource(sidecar.mesh, 'Endpoints', endpointsBody(`default/${name}`, [endpoint(`${name}-1`, Number(port))]));
  }
  // A normal exit (so `node --cpu-prof` can write its profile when the bench stops us).
  process.once('SIGTERM', () => process.exit(0));
  // The orchestrator asks for this process's own CPU time (µs) and memory.
  process.on('message', (m) => {
    if (m === 'usage') process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
  });
  process.send?.('ready');
}

// ------------------------------------------------------------------------------ role: load

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Connections that were established, and those that closed before the run ended. */
  connected: number;
  closedEarly: number;
}

/**
 * Closed-loop load: `connections` keep-alive connections, each sending the next request as
 * soon as the previous response is complete. Raw sockets and a minimal response parser keep
 * the generator's own cost per request small. Latencies are recorded in microseconds.
 */
async function runLoad(): Promise<void> {
  const port = Number(arg('port'));
  const host = arg('host-header') ?? 'bench-app';
  const connections = Number(arg('connections'));
  const durationMs = Number(arg('duration-ms'));
  const warmupMs = Number(arg('warmup-ms'));
  const request = Buffer.from(`GET /bench HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: plexus-bench\r\n\r\n`);
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  let measuring = false;
  let stopped = false;
  let connected = 0;
  let closedEarly = 0;

  const worker = (): Promise<void> =>
    new Promise((resolve) => {
      const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
      let buf: Buffer = Buffer.alloc(0);
      let sentAt = 0n;
      const send = (): void => {
        if (stopped) {
          sock.destroy();
          return;
        }
        sentAt = process.hrtime.bigint();
        sock.write(request);
      };
      sock.on('connect', () => {
        connected++;
        send();
      });
      sock.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = buf.toString('latin1', 0, end);
          const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (!m) {
            errors++;
            sock.destroy();
            return;
          }
          const total = end + 4 + Number(m[1]);
          if (buf.length < total) return;
          const ok = head.startsWith('HTTP/1.1 200');
          buf = buf.subarray(total);
          if (measuring) {
            if (ok) {
              requests++;
              latencies.push(Number(process.hrtime.bigint() - sentAt) / 1000);
            } else errors++;
          }
          send();
        }
      });
      sock.on('error', () => {
        if (measuring) errors++;
      });
      sock.on('close', () => {
        if (!stopped) closedEarly++;
        resolve();
      });
    });

  const done = Promise.all(Array.from({ length: connections }, worker));
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  const seconds = (performance.now() - start) / 1000;
  stopped = true;
  await done;
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]! / 1000 : NaN);
  const result: LoadResult = {
    requests,
    errors,
    seconds,
    rps: requests / seconds,
    p50Ms: q(0.5),
    p90Ms: q(0.9),
    p99Ms: q(0.99),
    connected,
    closedEarly,
  };
  if (process.env.PLEXUS_BENCH_HISTOGRAM) {
    const buckets = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, Infinity];
    const counts = buckets.map((b, i) => latencies.filter((l) => l / 1000 <= b && (i === 0 || l / 1000 > buckets[i - 1]!)).length);
    process.stderr.write(`latency ms histogram: ${buckets.map((b, i) => `≤${b}:${counts[i]}`).join(' ')}\n`);
  }
  process.send?.(result);
}

// ------------------------------------------------------------------------------ orchestrator

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Compile the tree with tsc into `dir` (as `npm run build` does into dist/). */
function compile(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tsc = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', dir], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    tsc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`tsc failed (${code})`));
      else {
        cpSync(join(ROOT, 'proto'), join(dir, 'proto'), { recursive: true });
        resolve();
      }
    });
  });
}

/** Where the proxies' compiled entry is (undefined: run them through tsx). */
let compiledSelf: string | undefined;

function child(role: string, args: string[]): { proc: ChildProcess; message: Promise<unknown> } {
  const prof = role === 'proxy' && process.env.PLEXUS_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.PLEXUS_BENCH_CPU_PROF] : [];
  const entry =
    role === 'proxy' && compiledSelf ? ['--enable-source-maps', compiledSelf] : ['--import', 'tsx', fileURLToPath(import.meta.url)];
  const proc = spawn(process.execPath, [...prof, ...entry, '--role', role, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, PLEXUS_LOG_LEVEL: 'silent' },
  });
  const message = new Promise<unknown>((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => reject(new Error(`${role} exited (${code}) before reporting`)));
  });
  return { proc, message };
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function nginxConf(dir: string, listen: number, upstream: number, name: string): string {
  return `worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}-error.log`)} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, `${name}-body`)};
  proxy_temp_path ${join(dir, `${name}-proxy`)};
  fastcgi_temp_path ${join(dir, `${name}-fcgi`)};
  uwsgi_temp_path ${join(dir, `${name}-uwsgi`)};
  scgi_temp_path ${join(dir, `${name}-scgi`)};
  keepalive_timeout 60s;
  keepalive_requests 1000000;
  upstream next { server 127.0.0.1:${upstream}; keepalive 256; }
  server {
    listen 127.0.0.1:${listen};
    location / {
      proxy_pass http://next;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
}

const THROUGHPUT_CONNECTIONS = 32;
const MANY_CONNECTIONS = 1000;
const IDLE_RSS_LIMIT_MB = 40;

/** CPU time used so far, in µs, split as the kernel accounts it. */
interface CpuTime {
  user: number;
  system: number;
}

/** The proxies of one path: how to read their CPU time and resident memory. */
interface ProxySet {
  cpu(): Promise<CpuTime>;
  rssMb(): number[];
}

interface Scenario {
  name: string;
  port: number;
  throughput: LoadResult;
  latency: LoadResult;
  /** CPU time the proxy processes used per request during the throughput run (µs), summed. */
  proxyCpuMicrosPerRequest: number | null;
  proxyCpuSplit: CpuTime | null;
  /** The 1,000-connection run (keep-alive, closed loop), when the path has proxies. */
  many: LoadResult | null;
  /** Resident memory of each proxy process when idle after start-up and after the runs (MB). */
  idleRssMb: { start: number[]; end: number[] } | null;
}

/** utime and stime of a process (Linux /proc, clock ticks of 10 ms), in µs. */
function procCpu(pid: number): CpuTime {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
  } catch {
    return { user: NaN, system: NaN };
  }
}

function procRssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** A process and its children (nginx master + workers). */
function withChildren(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...kids];
  } catch {
    return [pid];
  }
}

function sum(list: CpuTime[]): CpuTime {
  return list.reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }), { user: 0, system: 0 });
}

/** Node proxies report process.cpuUsage() over IPC (µs resolution). */
function nodeProxies(procs: ChildProcess[]): ProxySet {
  const ask = (p: ChildProcess): Promise<{ cpu: CpuTime; rss: number }> =>
    new Promise((resolve) => {
      p.once('message', (m) => resolve(m as { cpu: CpuTime; rss: number }));
      p.send('usage');
    });
  return {
    cpu: async () => sum((await Promise.all(procs.map(ask))).map((u) => u.cpu)),
    rssMb: () => procs.map((p) => procRssMb(p.pid!)),
  };
}

/** Other proxies (nginx): /proc accounting of the master and its workers. */
function procProxies(pids: number[], rssPids: number[]): ProxySet {
  return { cpu: async () => sum(pids.map(procCpu)), rssMb: () => rssPids.map(procRssMb) };
}

async function measure(name: string, port: number, quick: boolean, proxies: ProxySet | null): Promise<Scenario> {
  const load = async (connections: number, durationMs: number, warmupMs: number): Promise<LoadResult> => {
    const { message } = child('load', [
      '--port', String(port),
      '--connections', String(connections),
      '--duration-ms', String(durationMs),
      '--warmup-ms', String(warmupMs),
    ]);
    return (await message) as LoadResult;
  };
  const startRss = proxies?.rssMb() ?? null;
  // Fresh Node processes need a few thousand requests before the JIT has settled; every
  // scenario gets the same warm-up under load (nginx does not need it, but it costs it nothing).
  const warmupMs = quick ? 2000 : 4000;
  const throughputRun = load(THROUGHPUT_CONNECTIONS, quick ? 2000 : 8000, warmupMs);
  // CPU is sampled over (about) the measured window: after the warm-up, until the result.
  await new Promise((r) => setTimeout(r, warmupMs + 300));
  const cpuBefore = proxies ? await proxies.cpu() : null;
  const throughput = await throughputRun;
  const cpuAfter = proxies ? await proxies.cpu() : null;
  const measuredRequests = throughput.rps * Math.max(0, throughput.seconds - 0.3);
  const latency = await load(1, quick ? 1500 : 5000, 500);
  const many = proxies ? await load(MANY_CONNECTIONS, quick ? 2000 : 5000, 1000) : null;
  await new Promise((r) => setTimeout(r, 1000));
  const endRss = proxies?.rssMb() ?? null;
  process.stderr.write(
    `${name.padEnd(16)} ${throughput.rps.toFixed(0).padStart(7)} req/s (32 conns)   p50 ${latency.p50Ms.toFixed(3)} ms  p99 ${latency.p99Ms.toFixed(3)} ms (1 conn)  errors ${throughput.errors + latency.errors}\n`,
  );
  let proxyCpuMicrosPerRequest: number | null = null;
  let proxyCpuSplit: CpuTime | null = null;
  if (cpuBefore && cpuAfter && measuredRequests > 0) {
    proxyCpuSplit = { user: (cpuAfter.user - cpuBefore.user) / measuredRequests, system: (cpuAfter.system - cpuBefore.system) / measuredRequests };
    proxyCpuMicrosPerRequest = proxyCpuSplit.user + proxyCpuSplit.system;
    process.stderr.write(
      `${''.padEnd(16)} proxies' CPU ${proxyCpuMicrosPerRequest.toFixed(0)} µs per request (both together; user ${proxyCpuSplit.user.toFixed(0)}, system ${proxyCpuSplit.system.toFixed(0)})\n`,
    );
  }
  if (many) {
    process.stderr.write(
      `${''.padEnd(16)} ${MANY_CONNECTIONS} connections: ${many.connected} connected, ${many.closedEarly} closed early, ${many.errors} errors, ${many.rps.toFixed(0)} req/s, p99 ${many.p99Ms.toFixed(1)} ms\n`,
    );
  }
  if (startRss && endRss) process.stderr.write(`${''.padEnd(16)} idle RSS MB: start ${startRss.map((m) => m.toFixed(1)).join(', ')}; after the runs ${endRss.map((m) => m.toFixed(1)).join(', ')}\n`);
  return { name, port, throughput, latency, proxyCpuMicrosPerRequest, proxyCpuSplit, many, idleRssMb: startRss && endRss ? { start: startRss, end: endRss } : null };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const out = arg('out') ?? join(ROOT, 'bench', 'results', 'dataplane.json');
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'plexus-bench-'));
  try {
    if (!process.argv.includes('--tsx')) {
      // Under dist/ (git-ignored) so that node_modules resolves as for `npm run build`.
      const out = join(ROOT, 'dist', 'bench-dataplane');
      process.stderr.write(`compiling the proxies (tsc → ${out})...\n`);
      await compile(out);
      compiledSelf = join(out, 'bench', 'dataplane.js');
    }
    const appPort = await freePort();
    const app = child('app', ['--port', String(appPort)]);
    procs.push(app.proc);
    await app.message;

    // Plexus: caller proxy A (outbound) → callee proxy B (inbound) → app.
    const [aOut, aIn, bOut, bIn] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const pb = child('proxy', ['--service', 'bench-app', '--app-port', String(appPort), '--outbound-port', String(bOut), '--inbound-port', String(bIn)]);
    const pa = child('proxy', ['--service', 'bench-client', '--app-port', '1', '--outbound-port', String(aOut), '--inbound-port', String(aIn), '--target', `bench-app@${bIn}`]);
    procs.push(pa.proc, pb.proc);
    await Promise.all([pa.message, pb.message]);

    // nginx: A → B → app.
    if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx (sudo apt-get install -y nginx)`);
    const [nA, nB] = [await freePort(), await freePort()];
    for (const [name, listen, upstream] of [['nginx-b', nB, appPort], ['nginx-a', nA, nB]] as const) {
      for (const t of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, `${name}-${t}`));
      const conf = join(dir, `${name}.conf`);
      writeFileSync(conf, nginxConf(dir, listen, upstream, name));
      const proc = spawn(NGINX, ['-c', conf, '-p', dir, '-e', join(dir, `${name}-error.log`)], { stdio: ['ignore', 'ignore', 'inherit'] });
      proc.on('error', (err) => {
        process.stderr.write(`cannot start ${NGINX}: ${err.message} (apt-get install -y nginx)\n`);
      });
      procs.push(proc);
      await waitForPort(listen);
    }

    const nginxPids = procs.slice(3).flatMap((p) => (p.pid === undefined ? [] : withChildren(p.pid)));
    // Memory is compared on the workers (the master only supervises).
    const nginxWorkers = procs.slice(3).flatMap((p) => (p.pid === undefined ? [] : withChildren(p.pid).slice(1)));
    const load = (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2)));
    const direct = await measure('direct', appPort, quick, null);
    const plexus = await measure('plexus pair', aOut, quick, nodeProxies([pa.proc, pb.proc]));
    const nginx = await measure('nginx pair', nA, quick, procProxies(nginxPids, nginxWorkers));

    const added = (s: Scenario) => ({
      p50Ms: s.latency.p50Ms - direct.latency.p50Ms,
      p99Ms: s.latency.p99Ms - direct.latency.p99Ms,
    });
    const result = {
      when: new Date().toISOString(),
      quick,
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, loadAverageAtStart: load, loadAverageAtEnd: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))) },
      setup: {
        path: 'load generator → proxy A (outbound) → proxy B (inbound) → app; each its own process',
        throughputConnections: THROUGHPUT_CONNECTIONS,
        latencyConnections: 1,
        nginx: 'Debian nginx, worker_processes 1, upstream keepalive, access_log off',
        plexus: `static config (no control plane), accessLog false, ${compiledSelf ? 'compiled with tsc, plain node' : 'through tsx'}`,
      },
      scenarios: { direct, plexus, nginx },
      ratios: {
        plexusVsNginxThroughput: plexus.throughput.rps / nginx.throughput.rps,
        plexusVsDirectThroughput: plexus.throughput.rps / direct.throughput.rps,
        nginxVsDirectThroughput: nginx.throughput.rps / direct.throughput.rps,
        plexusAddedLatency: added(plexus),
        nginxAddedLatency: added(nginx),
        plexusVsNginxAddedP50: added(plexus).p50Ms / added(nginx).p50Ms,
        plexusVsNginxAddedP99: added(plexus).p99Ms / added(nginx).p99Ms,
        plexusVsNginxCpuPerRequest:
          plexus.proxyCpuMicrosPerRequest !== null && nginx.proxyCpuMicrosPerRequest !== null
            ? plexus.proxyCpuMicrosPerRequest / nginx.proxyCpuMicrosPerRequest
            : null,
      },
      targets: {
        throughputAtLeastHalfOfNginx: plexus.throughput.rps >= 0.5 * nginx.throughput.rps,
        addedP50AtMost03Ms: added(plexus).p50Ms <= 0.3,
        addedP99AtMost1Ms: added(plexus).p99Ms <= 1,
        thousandConnectionsWithoutErrors:
          plexus.many !== null && plexus.many.connected === MANY_CONNECTIONS && plexus.many.closedEarly === 0 && plexus.many.errors === 0,
        idleRssAtMost40Mb: plexus.idleRssMb !== null && Math.max(...plexus.idleRssMb.start, ...plexus.idleRssMb.end) <= IDLE_RSS_LIMIT_MB,
      },
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    const row = (s: Scenario): Array<string | number> => [
      s.name,
      Math.round(s.throughput.rps),
      fmt(s.latency.p50Ms, 3),
      fmt(s.latency.p99Ms, 3),
      s === direct ? '-' : fmt(added(s).p50Ms, 3),
      s === direct ? '-' : fmt(added(s).p99Ms, 3),
      s.proxyCpuMicrosPerRequest === null ? '-' : Math.round(s.proxyCpuMicrosPerRequest),
    ];
    printTable(
      `Data plane (${THROUGHPUT_CONNECTIONS} connections for req/s; 1 connection for latency)`,
      ['path', 'req/s', 'p50 ms', 'p99 ms', 'added p50', 'added p99', 'proxy CPU µs/req'],
      [row(direct), row(plexus), row(nginx)],
    );
    const r = result.ratios;
    process.stdout.write(
      `load average ${load.join(' ')} at start, ${result.machine.loadAverageAtEnd.join(' ')} at end\n` +
      `plexus/nginx: throughput ${fmt(r.plexusVsNginxThroughput, 2)}×, added p50 ${fmt(r.plexusVsNginxAddedP50, 2)}×, added p99 ${fmt(r.plexusVsNginxAddedP99, 2)}×` +
        `${r.plexusVsNginxCpuPerRequest === null ? '' : `, CPU per request ${fmt(r.plexusVsNginxCpuPerRequest, 2)}×`}\n` +
        `targets: ${Object.entries(result.targets).map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`).join('; ')}\nwritten to ${out}\n`,
    );
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = arg('role');
if (role === 'app') runApp();
else if (role === 'proxy') await runProxy();
else if (role === 'load') await runLoad();
else await main();
