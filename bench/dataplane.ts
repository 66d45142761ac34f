// Data-plane benchmark: the same HTTP app reached (1) directly, (2) through two Plexus proxies
// (caller's outbound → callee's inbound → app) and (3) through two nginx proxies in the same
// arrangement; one load generator for all, one machine, one run. Reports requests/s under load
// and p50/p99 latency at low load, then the ratios the issue asks for. Then (4) the Plexus pair
// with proxy-to-proxy mTLS (STRICT, workload certificates of a mesh CA made for the run) against
// (5) the nginx pair with TLS between the two nginx (client certificate verified, `proxy_ssl`,
// `proxy_ssl_session_reuse on`), in the same run.
//
//   node --import tsx bench/dataplane.ts [--quick] [--tsx] [--out bench/results/dataplane.json]
//
// The proxies run as in production (Dockerfile: plain node over tsc's output): the bench
// compiles the tree into dist/bench-dataplane first (about 15 s). --tsx runs them through tsx instead,
// which costs more CPU and ~70 MB more memory per process (its loader thread and esbuild).
// Idle memory (VmRSS, and its private part RssAnon) is read from /proc for each proxy of a pair,
// beside two references started for it: a bare `node` (the floor: ~39 MB here, 33 of them the
// node binary's own pages, shared between processes) and proxy/main.js as a user runs it (the
// same build; its control-plane link loads the gRPC stack the static pair does without).
// PLEXUS_BENCH_CPU_PROF=<dir> makes the proxies write V8 CPU profiles (node --cpu-prof) there.
// PLEXUS_BENCH_PROXY_FLAGS="--flag ..." adds Node/V8 flags to the proxies only (to compare heap
// settings back to back; the other processes keep Node's defaults).
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
  // The proxy's own modules and the resource-body builders only (not test/proxy/fixtures.ts, whose
  // test CA helpers load X.509 and gRPC code): the memory measured is the proxy's.
  const [{ startSidecar }, { parseProxyConfig }, { silentLogger }, { applyResource, inboundBody, serviceBody, endpointsBody, endpoint }] = await Promise.all([
    import('../proxy/sidecar.js'),
    import('../proxy/config/proxy-config.js'),
    import('../lib/log.js'),
    import('../test/proxy/resource-bodies.js'),
  ]);
  const service = arg('service')!;
  // --mtls DIR: the workload certificate's files (tls.crt, tls.key, ca.crt) in DIR.
  const mtls = arg('mtls');
  const config = parseProxyConfig({
    service,
    app: { host: '127.0.0.1', port: Number(arg('app-port')) },
    admin: { host: '127.0.0.1', port: 0 },
    outbound: { host: '127.0.0.1', port: Number(arg('outbound-port')) },
    inbound: { host: '127.0.0.1', port: Number(arg('inbound-port')) },
    accessLog: false,
    ...(mtls ? { workloadTlsFiles: { certFile: join(mtls, 'tls.crt'), keyFile: join(mtls, 'tls.key'), caFile: join(mtls, 'ca.crt') } } : {}),
  });
  const sidecar = await startSidecar(config, { controlPlane: false, logger: silentLogger() });
  applyResource(sidecar.mesh, 'Inbound', { ...inboundBody(`default/${service}`, 'allow'), mtlsMode: mtls ? 'STRICT' : 'PERMISSIVE' });
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
  // The orchestrator samples the proxies' CPU time at these two marks (see measure()).
  process.send?.(MEASURING);
  const start = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  process.send?.(MEASURED);
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
  if (role === 'proxy' && process.env.PLEXUS_BENCH_PROXY_FLAGS) prof.push(...process.env.PLEXUS_BENCH_PROXY_FLAGS.split(/\s+/).filter(Boolean));
  const entry =
    role === 'proxy' && compiledSelf ? ['--enable-source-maps', compiledSelf] : ['--import', 'tsx', fileURLToPath(import.meta.url)];
  const proc = spawn(process.execPath, [...prof, ...entry, '--role', role, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, PLEXUS_LOG_LEVEL: 'silent' },
  });
  const message = new Promise<unknown>((resolve, reject) => {
    // The first message that is not a load generator's phase mark.
    const onMessage = (m: unknown): void => {
      if (m === MEASURING || m === MEASURED) return;
      proc.off('message', onMessage);
      resolve(m);
    };
    proc.on('message', onMessage);
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

/** TLS between the two nginx: B terminates it and verifies A's client certificate; A originates it and verifies B. */
interface NginxTls {
  /** B's side: server certificate chain, key, and the CA that client certificates must chain to. */
  server?: { cert: string; key: string; ca: string };
  /** A's side: its client certificate chain and key, the CA B must chain to, and B's name. */
  client?: { cert: string; key: string; ca: string; name: string };
}

function nginxConf(dir: string, listen: number, upstream: number, name: string, tls: NginxTls = {}): string {
  const s = tls.server;
  const c = tls.client;
  const listenTls = s
    ? ` ssl;
    ssl_protocols TLSv1.3;
    ssl_certificate ${s.cert};
    ssl_certificate_key ${s.key};
    ssl_client_certificate ${s.ca};
    ssl_verify_client on;
    ssl_verify_depth 3;
    ssl_session_cache shared:${name}:1m;
    ssl_session_tickets on;`
    : ';';
  const proxyTls = c
    ? `
      proxy_ssl_protocols TLSv1.3;
      proxy_ssl_certificate ${c.cert};
      proxy_ssl_certificate_key ${c.key};
      proxy_ssl_trusted_certificate ${c.ca};
      proxy_ssl_verify on;
      proxy_ssl_verify_depth 3;
      proxy_ssl_name ${c.name};
      proxy_ssl_session_reuse on;`
    : '';
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
    listen 127.0.0.1:${listen}${listenTls}
    location / {
      proxy_pass ${c ? 'https' : 'http'}://next;${proxyTls}
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
}

/** The load generator's messages when its measured window opens and closes. */
const MEASURING = 'measuring';
const MEASURED = 'measured';

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
  anonMb(): number[];
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
  /** The private part of `idleRssMb.start` (RssAnon; the rest is shared file pages). */
  idleAnonMb: number[] | null;
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

/** A memory figure of a process from /proc/<pid>/status, MB (VmRSS, RssAnon...). */
function procStatusMb(pid: number, field: 'VmRSS' | 'RssAnon'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Resident memory (VmRSS), what the target counts. */
const procRssMb = (pid: number): number => procStatusMb(pid, 'VmRSS');
/** Its private part (RssAnon): without the file pages of the node binary and libraries, which every Node process on the host shares. */
const procAnonMb = (pid: number): number => procStatusMb(pid, 'RssAnon');

/** Idle memory of one process, MB: VmRSS (what the target counts) and its private part. */
interface IdleMemory {
  rssMb: number;
  anonMb: number;
}

/**
 * Processes that show where the proxies' memory stands: a bare `node` doing nothing (the floor
 * every Node program starts from) and the proxy binary as a user runs it (`node
 * dist/proxy/main.js`, the Dockerfile's entry: flags, PLEXUS_* validation, the control-plane link
 * with its gRPC stack; the control plane here is an address nobody answers, so it idles retrying).
 */
interface MemoryReferences {
  bareNode: ChildProcess;
  proxyBin: ChildProcess;
}

async function startMemoryReferences(): Promise<MemoryReferences> {
  const bareNode = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30); process.send("ready")'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const binArgs = compiledSelf
    ? ['--enable-source-maps', join(dirname(compiledSelf), '..', 'proxy', 'main.js')]
    : ['--import', 'tsx', join(ROOT, 'proxy', 'main.ts')];
  // Plexus programs refuse unknown PLEXUS_* settings: only the log level goes through.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLEXUS_')));
  const proxyBin = spawn(
    process.execPath,
    [...binArgs, '--service', 'bench-idle', '--app.port', '9', '--admin.port', '0', '--outbound.port', '0', '--inbound.port', '0', '--accessLog', 'false', '--controlPlane.registry', '127.0.0.1:1', '--controlPlane.configPush', '127.0.0.1:1'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...env, PLEXUS_LOG_LEVEL: 'silent', REPORT_LISTENING_TO_LAUNCHER: '1' } },
  );
  // Ready once its three listeners (admin, outbound, inbound) are reported.
  const binReady = new Promise<void>((resolve, reject) => {
    let out = '';
    proxyBin.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if ((out.match(/^plexus-listening /gm) ?? []).length >= 3) resolve();
    });
    proxyBin.once('exit', (code) => reject(new Error(`the proxy binary exited (${code}) before listening`)));
  });
  await Promise.all([new Promise((resolve) => bareNode.once('message', resolve)), binReady]);
  return { bareNode, proxyBin };
}

function idleMemory(p: ChildProcess): IdleMemory {
  return { rssMb: procRssMb(p.pid!), anonMb: procAnonMb(p.pid!) };
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
    anonMb: () => procs.map((p) => procAnonMb(p.pid!)),
  };
}

/** Other proxies (nginx): /proc accounting of the master and its workers. */
function procProxies(pids: number[], rssPids: number[]): ProxySet {
  return { cpu: async () => sum(pids.map(procCpu)), rssMb: () => rssPids.map(procRssMb), anonMb: () => rssPids.map(procAnonMb) };
}

async function measure(name: string, port: number, quick: boolean, proxies: ProxySet | null): Promise<Scenario> {
  const load = async (connections: number, durationMs: number, warmupMs: number, onPhase?: (mark: unknown) => void): Promise<LoadResult> => {
    const { proc, message } = child('load', [
      '--port', String(port),
      '--connections', String(connections),
      '--duration-ms', String(durationMs),
      '--warmup-ms', String(warmupMs),
    ]);
    if (onPhase) proc.on('message', (m) => (m === MEASURING || m === MEASURED ? onPhase(m) : undefined));
    return (await message) as LoadResult;
  };
  const startRss = proxies?.rssMb() ?? null;
  const startAnon = proxies?.anonMb() ?? null;
  // Fresh Node processes need a few thousand requests before the JIT has settled; every
  // scenario gets the same warm-up under load (nginx does not need it, but it costs it nothing).
  const warmupMs = quick ? 2000 : 4000;
  // CPU is sampled when the load generator opens and closes its measured window, so it covers
  // exactly the requests counted (a busy box can delay the generator's start by a second).
  let cpuBefore: Promise<CpuTime> | undefined;
  let cpuAfter: Promise<CpuTime> | undefined;
  const throughput = await load(THROUGHPUT_CONNECTIONS, quick ? 2000 : 8000, warmupMs, (mark) => {
    if (!proxies) return;
    if (mark === MEASURING) cpuBefore = proxies.cpu();
    else cpuAfter = proxies.cpu();
  });
  const cpuBeforeValue = cpuBefore ? await cpuBefore : null;
  const cpuAfterValue = cpuAfter ? await cpuAfter : null;
  const measuredRequests = throughput.requests;
  const latency = await load(1, quick ? 1500 : 5000, 500);
  const many = proxies ? await load(MANY_CONNECTIONS, quick ? 2000 : 5000, 1000) : null;
  await new Promise((r) => setTimeout(r, 1000));
  const endRss = proxies?.rssMb() ?? null;
  process.stderr.write(
    `${name.padEnd(16)} ${throughput.rps.toFixed(0).padStart(7)} req/s (32 conns)   p50 ${latency.p50Ms.toFixed(3)} ms  p99 ${latency.p99Ms.toFixed(3)} ms (1 conn)  errors ${throughput.errors + latency.errors}\n`,
  );
  let proxyCpuMicrosPerRequest: number | null = null;
  let proxyCpuSplit: CpuTime | null = null;
  if (cpuBeforeValue && cpuAfterValue && measuredRequests > 0) {
    proxyCpuSplit = {
      user: (cpuAfterValue.user - cpuBeforeValue.user) / measuredRequests,
      system: (cpuAfterValue.system - cpuBeforeValue.system) / measuredRequests,
    };
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
  if (startRss && endRss) {
    process.stderr.write(
      `${''.padEnd(16)} idle RSS MB: start ${startRss.map((m) => m.toFixed(1)).join(', ')} (private ${startAnon!.map((m) => m.toFixed(1)).join(', ')}); after the runs ${endRss.map((m) => m.toFixed(1)).join(', ')}\n`,
    );
  }
  return { name, port, throughput, latency, proxyCpuMicrosPerRequest, proxyCpuSplit, many, idleRssMb: startRss && endRss ? { start: startRss, end: endRss } : null, idleAnonMb: startAnon };
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

    // Plexus: caller proxy A (outbound) → callee proxy B (inbound) → app; then the same over mTLS.
    const certs = await benchCertificates(dir);
    const plexusPair = async (mtls: boolean): Promise<ChildProcess[]> => {
      const [aOut, aIn, bOut, bIn] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const tls = (svc: string): string[] => (mtls ? ['--mtls', join(dir, svc)] : []);
      const pb = child('proxy', ['--service', 'bench-app', '--app-port', String(appPort), '--outbound-port', String(bOut), '--inbound-port', String(bIn), ...tls('bench-app')]);
      const pa = child('proxy', ['--service', 'bench-client', '--app-port', '1', '--outbound-port', String(aOut), '--inbound-port', String(aIn), '--target', `bench-app@${bIn}`, ...tls('bench-client')]);
      procs.push(pa.proc, pb.proc);
      await Promise.all([pa.message, pb.message]);
      entry.set(pa.proc, aOut);
      return [pa.proc, pb.proc];
    };
    const entry = new Map<ChildProcess, number>();
    const plexusProcs = await plexusPair(false);
    const plexusMtlsProcs = await plexusPair(true);

    // nginx: A → B → app; then the same with TLS between A and B.
    if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx (sudo apt-get install -y nginx)`);
    const nginxPair = async (prefix: string, tls: boolean): Promise<{ port: number; pids: number[]; workers: number[] }> => {
      const [nA, nB] = [await freePort(), await freePort()];
      const pids: number[] = [];
      const workers: number[] = [];
      const pairTls = (role: 'a' | 'b'): NginxTls => (!tls ? {} : role === 'b' ? { server: certs.nginxServer } : { client: certs.nginxClient });
      for (const [name, listen, upstream, role] of [[`${prefix}-b`, nB, appPort, 'b'], [`${prefix}-a`, nA, nB, 'a']] as const) {
        for (const t of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, `${name}-${t}`));
        const conf = join(dir, `${name}.conf`);
        writeFileSync(conf, nginxConf(dir, listen, upstream, name, pairTls(role)));
        const proc = spawn(NGINX, ['-c', conf, '-p', dir, '-e', join(dir, `${name}-error.log`)], { stdio: ['ignore', 'ignore', 'inherit'] });
        proc.on('error', (err) => {
          process.stderr.write(`cannot start ${NGINX}: ${err.message} (apt-get install -y nginx)\n`);
        });
        procs.push(proc);
        await waitForPort(listen);
        if (proc.pid !== undefined) {
          pids.push(...withChildren(proc.pid));
          // Memory is compared on the workers (the master only supervises).
          workers.push(...withChildren(proc.pid).slice(1));
        }
      }
      return { port: nA, pids, workers };
    };
    const nginxPlain = await nginxPair('nginx', false);
    const nginxTls = await nginxPair('nginx-tls', true);

    const refs = await startMemoryReferences();
    procs.push(refs.bareNode, refs.proxyBin);

    const load = (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2)));
    const direct = await measure('direct', appPort, quick, null);
    // Sampled as the plexus pair's idle figure is (start of its scenario, everything idle).
    const idle = { bareNode: idleMemory(refs.bareNode), proxyBin: idleMemory(refs.proxyBin) };
    process.stderr.write(
      `idle RSS MB: bare node ${idle.bareNode.rssMb.toFixed(1)} (private ${idle.bareNode.anonMb.toFixed(1)}), the floor; ` +
        `proxy binary ${idle.proxyBin.rssMb.toFixed(1)} (private ${idle.proxyBin.anonMb.toFixed(1)})\n`,
    );
    const plexus = await measure('plexus pair', entry.get(plexusProcs[0]!)!, quick, nodeProxies(plexusProcs));
    const nginx = await measure('nginx pair', nginxPlain.port, quick, procProxies(nginxPlain.pids, nginxPlain.workers));
    const plexusMtls = await measure('plexus mTLS pair', entry.get(plexusMtlsProcs[0]!)!, quick, nodeProxies(plexusMtlsProcs));
    const nginxTlsPair = await measure('nginx TLS pair', nginxTls.port, quick, procProxies(nginxTls.pids, nginxTls.workers));

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
        idleMemory:
          'VmRSS of each process (private = RssAnon; the rest is file pages of the node binary, shared by every Node process); ' +
          'bareNode: `node -e` doing nothing; proxyBin: proxy/main.js as a user runs it, control plane unreachable',
        tls: 'mTLS pairs: TLS 1.3, P-256 workload certificates of one CA, client certificate verified, session resumption; plexus checks the SPIFFE ID, nginx proxy_ssl_verify the name',
      },
      scenarios: { direct, plexus, nginx, plexusMtls, nginxTls: nginxTlsPair },
      idleMemory: idle,
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
        plexusMtlsVsNginxTlsThroughput: plexusMtls.throughput.rps / nginxTlsPair.throughput.rps,
        plexusMtlsVsPlexusThroughput: plexusMtls.throughput.rps / plexus.throughput.rps,
        plexusMtlsAddedLatency: added(plexusMtls),
        nginxTlsAddedLatency: added(nginxTlsPair),
      },
      targets: {
        throughputAtLeastHalfOfNginx: plexus.throughput.rps >= 0.5 * nginx.throughput.rps,
        addedP50AtMost03Ms: added(plexus).p50Ms <= 0.3,
        addedP99AtMost1Ms: added(plexus).p99Ms <= 1,
        thousandConnectionsWithoutErrors:
          plexus.many !== null && plexus.many.connected === MANY_CONNECTIONS && plexus.many.closedEarly === 0 && plexus.many.errors === 0,
        // The pair's proxies and the binary a user runs (which also carries the control-plane link).
        idleRssAtMost40Mb:
          plexus.idleRssMb !== null && Math.max(...plexus.idleRssMb.start, ...plexus.idleRssMb.end, idle.proxyBin.rssMb) <= IDLE_RSS_LIMIT_MB,
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
      s.many === null ? '-' : `${s.many.connected - s.many.closedEarly}/${MANY_CONNECTIONS}, ${s.many.errors} err`,
      s.idleRssMb === null ? '-' : `${fmt(Math.max(...s.idleRssMb.start), 1)} / ${fmt(Math.max(...s.idleRssMb.end), 1)}`,
    ];
    printTable(
      `Data plane (${THROUGHPUT_CONNECTIONS} connections for req/s; 1 connection for latency; CPU and RSS per path, its proxies summed / the largest)`,
      ['path', 'req/s', 'p50 ms', 'p99 ms', 'added p50', 'added p99', 'proxy CPU µs/req', `${MANY_CONNECTIONS} conns held`, 'proxy RSS MB idle / after'],
      [row(direct), row(plexus), row(nginx), row(plexusMtls), row(nginxTlsPair)],
    );
    const r = result.ratios;
    const mem = (m: IdleMemory): string => `${fmt(m.rssMb, 1)} MB (private ${fmt(m.anonMb, 1)})`;
    process.stdout.write(
      `idle RSS: bare node ${mem(idle.bareNode)} — the floor; plexus pair proxies ${plexus.idleRssMb!.start.map((m) => fmt(m, 1)).join(' / ')} MB ` +
        `(private ${plexus.idleAnonMb!.map((m) => fmt(m, 1)).join(' / ')}); proxy binary ${mem(idle.proxyBin)}\n`,
    );
    process.stdout.write(
      `load average ${load.join(' ')} at start, ${result.machine.loadAverageAtEnd.join(' ')} at end\n` +
      `plexus/nginx: throughput ${fmt(r.plexusVsNginxThroughput, 2)}×, added p50 ${fmt(r.plexusVsNginxAddedP50, 2)}×, added p99 ${fmt(r.plexusVsNginxAddedP99, 2)}×` +
        `${r.plexusVsNginxCpuPerRequest === null ? '' : `, CPU per request ${fmt(r.plexusVsNginxCpuPerRequest, 2)}×`}\n` +
        `plexus mTLS/nginx TLS: throughput ${fmt(r.plexusMtlsVsNginxTlsThroughput, 2)}×; mTLS costs plexus ${fmt(1 - r.plexusMtlsVsPlexusThroughput, 2)} of its throughput\n` +
        `targets: ${Object.entries(result.targets).map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`).join('; ')}\nwritten to ${out}\n`,
    );
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A mesh CA for the run: workload certificates for the Plexus pair (files per service under
 * `dir`), and for the nginx pair a server certificate for B (named bench-app, which A verifies)
 * and a client certificate for A.
 */
async function benchCertificates(dir: string): Promise<{ nginxServer: NonNullable<NginxTls['server']>; nginxClient: NonNullable<NginxTls['client']> }> {
  const { ensureDevRoot } = await import('../lib/identity/ca-material.js');
  const { devCertificateAuthority, issueWorkloadTls, writeTlsFiles } = await import('../lib/identity/service-tls.js');
  const { generateP256, privateKeyToPem } = await import('../lib/identity/crypto.js');
  const { ca, rootsPem } = await devCertificateAuthority(await ensureDevRoot(join(dir, 'ca')), 'bench');
  for (const service of ['bench-app', 'bench-client']) await writeTlsFiles(join(dir, service), await issueWorkloadTls(ca, rootsPem, { namespace: 'default', service }));
  const keys = await generateP256(true);
  const server = await ca.issueServer(keys.publicKey, { trustDomain: 'plexus.local', namespace: 'default', service: 'bench-app' }, ['bench-app'], 86_400);
  const files = await writeTlsFiles(join(dir, 'nginx-b'), { certChainPem: `${server.pem}\n${ca.intermediate.pem}\n`, keyPem: await privateKeyToPem(keys.privateKey), rootsPem });
  const client = await writeTlsFiles(join(dir, 'nginx-a'), await issueWorkloadTls(ca, rootsPem, { namespace: 'default', service: 'bench-client' }));
  return {
    nginxServer: { cert: files.certFile, key: files.keyFile, ca: files.caFile },
    nginxClient: { cert: client.certFile, key: client.keyFile, ca: client.caFile, name: 'bench-app' },
  };
}

const role = arg('role');
if (role === 'app') runApp();
else if (role === 'proxy') await runProxy();
else if (role === 'load') await runLoad();
else await main();
