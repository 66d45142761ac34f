// The console's HTTP side. Every request is treated as hostile: only GET; the request line,
// query string and headers are bounded; requests with a body are refused; static files come
// from a fixed table read at start (a path is a key, never a file-system path, so there is
// nothing to traverse); the Host must name this server when it listens on loopback (DNS
// rebinding); every response carries a strict CSP (no inline script or style, no framing),
// nosniff and no-referrer. Live updates are server-sent events, capped in number.
//
//   GET /                      the page          GET /static/<file>   its CSS and JS
//   GET /api/<topic>           a JSON snapshot   (topology, proxies, rollouts, policies, identity)
//   GET /api/policy-history?kind=&namespace=&name=   revisions with a diff to each previous one
//   GET /events                server-sent events, one per changed topic (debounced)
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { lineDiff } from '../../lib/text/line-diff.js';
import { counterBy, gauge } from '../../lib/admin/metrics.js';
import { isPlexusError, ValidationError } from '../../lib/errors.js';
import { isDnsLabel } from '../../lib/model/names.js';
import { isPolicyKind } from '../../lib/policy/index.js';
import type { PolicyClient } from '../../lib/policy-client/index.js';
import { TOPICS, type ConsoleModel, type Topic } from './console-model.js';
import { reportListening } from '../../lib/net.js';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');
const STATIC: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'style.css': 'text/css; charset=utf-8', 'favicon.svg': 'image/svg+xml' };
export const MAX_URL_LENGTH = 2048;
export const MAX_QUERY_LENGTH = 512;
const PUSH_DEBOUNCE_MS = 250;
const HEARTBEAT_MS = 15_000;

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export interface ConsoleHttpOptions {
  host: string;
  port: number;
  model: ConsoleModel;
  policyClient: () => PolicyClient;
  maxEventStreams: number;
  logger: Logger;
}

export interface ConsoleHttpServer {
  port: number;
  url: string;
  /** Open server-sent event streams. */
  streams(): number;
  close(): Promise<void>;
}

function loadStatic(): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  files.set('/', { body: readFileSync(join(WEB_DIR, 'index.html')), type: 'text/html; charset=utf-8' });
  for (const [name, type] of Object.entries(STATIC)) files.set(`/static/${name}`, { body: readFileSync(join(WEB_DIR, name)), type });
  return files;
}

const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === '::1' || host === 'localhost';

export async function startConsoleHttp(opts: ConsoleHttpOptions): Promise<ConsoleHttpServer> {
  const files = loadStatic();
  const requests = counterBy('plexus_console_http_requests_total', 'Console HTTP requests by response code', ['code']);
  const streams = new Set<http.ServerResponse>();
  gauge({ name: 'plexus_console_event_streams', help: 'Open live-update (server-sent events) streams', collect() { this.set(streams.size); } });
  let allowedHosts: Set<string> | undefined;

  const send = (res: http.ServerResponse, code: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void => {
    requests.inc({ code: String(code) });
    res.writeHead(code, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)), ...extra });
    res.end(body);
  };
  const json = (res: http.ServerResponse, value: unknown): void => send(res, 200, JSON.stringify(value), 'application/json; charset=utf-8');

  const server = http.createServer({ maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5000 }, (req, res) => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const url = req.url ?? '/';
    if (req.method !== 'GET') return send(res, 405, 'only GET\n', undefined, { allow: 'GET' });
    if (url.length > MAX_URL_LENGTH) return send(res, 414, 'request target too long\n');
    if ((req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined) {
      res.shouldKeepAlive = false;
      return send(res, 400, 'GET requests have no body\n', undefined, { connection: 'close' });
    }
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) return send(res, 421, 'unexpected Host\n');
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (query.length > MAX_QUERY_LENGTH) return send(res, 414, 'query string too long\n');

    const file = files.get(path);
    if (file) return send(res, 200, file.body, file.type, { 'cache-control': 'no-cache' });
    if (path === '/events') return openStream(req, res);
    if (path === '/api/policy-history') {
      policyHistory(new URLSearchParams(query)).then(
        (body) => json(res, body),
        (err: unknown) => {
          const status = isPlexusError(err, 'INVALID_ARGUMENT') ? 400 : isPlexusError(err, 'NOT_FOUND') ? 404 : 502;
          send(res, status, `${(err as Error).message}\n`);
        },
      );
      return;
    }
    if (path.startsWith('/api/')) {
      const topic = path.slice(5) as Topic;
      if ((TOPICS as readonly string[]).includes(topic)) return json(res, opts.model.view(topic));
    }
    send(res, 404, 'not found\n');
  });

  const policyHistory = async (params: URLSearchParams): Promise<unknown> => {
    const kind = params.get('kind') ?? '';
    const namespace = params.get('namespace') ?? '';
    const name = params.get('name') ?? '';
    if (!isPolicyKind(kind) || !isDnsLabel(namespace) || !isDnsLabel(name)) {
      throw new ValidationError([{ path: 'query', message: 'kind, namespace and name must name a policy' }]);
    }
    const res = await opts.policyClient().history({ kind, namespace, name, limit: 20 });
    // Newest first; each entry carries the diff from the revision before it.
    const entries = [...res.entries].sort((a, b) => Number(b.revision) - Number(a.revision));
    return {
      policy: `${kind}/${namespace}/${name}`,
      entries: entries.map((e, i) => {
        const previous = entries[i + 1];
        return {
          revision: Number(e.revision),
          action: e.action,
          principal: e.principal,
          time: e.time,
          document: pretty(e.document),
          diff: lineDiff(previous ? pretty(previous.document) : '', pretty(e.document)),
        };
      }),
    };
  };

  // Server-sent events: a snapshot of every topic on connect, then each changed topic.
  const dirty = new Set<Topic>();
  let flushTimer: NodeJS.Timeout | undefined;
  const frame = (topic: Topic): string => `event: ${topic}\ndata: ${JSON.stringify(opts.model.view(topic))}\n\n`;
  const flush = (): void => {
    flushTimer = undefined;
    const frames = [...dirty].map(frame).join('');
    dirty.clear();
    for (const s of streams) s.write(frames);
  };
  const stopListening = opts.model.onChange((topic) => {
    if (streams.size === 0) return;
    dirty.add(topic);
    flushTimer ??= setTimeout(flush, PUSH_DEBOUNCE_MS);
  });
  const heartbeat = setInterval(() => {
    for (const s of streams) s.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const openStream = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (streams.size >= opts.maxEventStreams) return send(res, 503, 'too many live-update connections\n', undefined, { 'retry-after': '10' });
    requests.inc({ code: '200' });
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n\n${TOPICS.map(frame).join('')}`);
    streams.add(res);
    const done = (): void => {
      streams.delete(res);
    };
    req.socket.setTimeout(0);
    res.once('close', done);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (isLoopback(opts.host)) allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.logger.info({ url }, 'console listening');
  reportListening('http', opts.host, port);
  return {
    port,
    url,
    streams: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        stopListening();
        clearInterval(heartbeat);
        if (flushTimer) clearTimeout(flushTimer);
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function pretty(document: string): string {
  try {
    return `${JSON.stringify(JSON.parse(document), null, 2)}\n`;
  } catch {
    return document;
  }
}
