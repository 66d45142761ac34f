// Forwards one request to a destination service and streams the answer back: circuit breaking,
// host choice, tries with per-try timeouts, retries with backoff, the overall timeout, outlier
// reports, and the final response (with response header edits and flags). Used by both the
// outbound side (to other services) and the inbound side (to the local app).
//
// A response is committed — its headers sent downstream — only when no retry will follow; after
// that, an upstream failure can only cut the downstream response. Retries need the whole body:
// a body that outgrew the replay buffer (request-body.ts) is never retried.
import { ServerResponse } from 'node:http';
import type http from 'node:http';
import type http2 from 'node:http2';
import type { RetryPolicy } from '../../lib/mesh/resources.js';
import type { HeaderBag } from '../routing/header-edits.js';
import { backoffMs, retriableFailure, retriableStatus, type TryFailure } from '../routing/retry-policy.js';
import type { CompiledRoute, Destination } from '../routing/route-table.js';
import type { Cluster } from '../upstream/cluster.js';
import type { Host } from '../upstream/host.js';
import type { Exchange } from './exchange.js';
import { downstreamResponseHeaders, forwardableTrailers, toHeaderList } from './headers.js';
import { FastResponse } from './h1-messages.js';
import { FLAGS_HEADER, type AnyResponse } from './local-reply.js';
import { RequestBody } from './request-body.js';
import { startTry, type TryRequest, type TryResponse, type UpstreamTry } from './upstream-try.js';

export interface ForwardOptions {
  exchange: Exchange;
  cluster: Cluster;
  route: CompiledRoute;
  destination: Destination;
  request: TryRequest;
  /** Replay buffer for retries and mirrors, in bytes. */
  bufferLimit: number;
  /** Called for each retry (metrics). */
  onRetry?: () => void;
}

const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export class Forwarder {
  private readonly ex: Exchange;
  private readonly cluster: Cluster;
  private readonly route: CompiledRoute;
  private dest: Destination;
  private readonly request: TryRequest;
  private readonly retry: RetryPolicy | null;
  private body: RequestBody | undefined;
  private current: UpstreamTry | undefined;
  private currentHost: Host | undefined;
  /** The current try still holds its host (endTry not yet called). */
  private tryOpen = false;
  private tried: Set<Host> | undefined;
  private retriesDone = 0;
  private holdingRetry = false;
  private staleRetried = false;
  private committed = false;
  private finished = false;
  private timeout: NodeJS.Timeout | undefined;
  private tryTimer: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private readonly hashKey: string | undefined;

  constructor(private readonly opts: ForwardOptions) {
    this.ex = opts.exchange;
    this.cluster = opts.cluster;
    this.route = opts.route;
    this.dest = opts.destination;
    this.request = opts.request;
    this.retry = opts.route.retries && opts.route.retries.attempts > 0 ? opts.route.retries : null;
    const hashHeader = opts.cluster.hashHeaderName;
    if (hashHeader !== null) {
      const v = this.ex.req.headers[hashHeader];
      this.hashKey = Array.isArray(v) ? v.join(',') : v;
    }
  }

  start(): void {
    const overflow = this.cluster.breaker.tryAcquire();
    if (overflow !== undefined) {
      this.ex.reply(503, 'UO', `upstream overflow: circuit breaker ${overflow} limit reached for ${this.cluster.name}`);
      return;
    }
    this.ex.onDone(() => this.onDownstreamClosed());
    const timeoutMs = this.route.timeoutMs;
    if (timeoutMs !== null && timeoutMs > 0) this.timeout = setTimeout(() => this.onTimeout(), timeoutMs);
    this.attempt();
  }

  /** The full body, if it is known and small enough (for mirroring). */
  bufferedBody(): Promise<Buffer | undefined> {
    if (!this.request.hasBody) return Promise.resolve(Buffer.alloc(0));
    const body = this.body;
    if (!body) return Promise.resolve(undefined);
    if (body.ended || body.overflowed) return Promise.resolve(body.complete);
    const req = this.ex.req as http.IncomingMessage;
    return new Promise((resolve) => {
      req.once('end', () => resolve(body.complete));
      req.once('close', () => resolve(body.complete));
    });
  }

  private attempt(): void {
    if (this.finished) return;
    let host = this.cluster.pick(this.dest.key, this.dest.subset, { hashKey: this.hashKey, exclude: this.tried });
    if (!host) {
      // The subset lost its last healthy host since the route chose it (the first try's failure
      // ejected it): draw again, so subset fallback sends the retry to another destination.
      const again = this.route.destinations.pick();
      if (again.key !== this.dest.key) {
        this.dest = again;
        host = this.cluster.pick(again.key, again.subset, { hashKey: this.hashKey, exclude: this.tried });
      }
    }
    if (!host) {
      this.fail(503, 'UH', `no healthy upstream for ${this.cluster.name}`);
      return;
    }
    this.ex.tries++;
    this.ex.upstreamHost = host.key;
    this.currentHost = host;
    this.tryOpen = true;
    host.active++;
    host.totalRequests++;
    const perTry = this.retry?.perTryTimeoutMs;
    if (perTry) this.tryTimer = setTimeout(() => this.onTryFailure('per-try-timeout', new Error('per-try timeout')), perTry);
    const t = startTry(this.cluster.pool, host, this.request, {
      onResponse: (r) => {
        if (this.current === t) this.onResponse(r);
        else r.body.resume();
      },
      onFailure: (kind, err) => {
        if (this.current === t) this.onTryFailure(kind, err);
      },
    });
    this.current = t;
    if (this.request.hasBody) {
      // A FastRequest is Readable enough for RequestBody (data/end, pause/resume/isPaused).
      this.body ??= new RequestBody(this.ex.req as http.IncomingMessage, this.opts.bufferLimit);
      this.body.attach(t.sink);
    }
  }

  /** The try is over (either way): free the host and the retry budget it held. */
  private endTry(): void {
    if (this.tryTimer) clearTimeout(this.tryTimer);
    this.tryTimer = undefined;
    if (!this.tryOpen) return;
    this.tryOpen = false;
    if (this.currentHost) {
      this.currentHost.active--;
      (this.tried ??= new Set()).add(this.currentHost);
    }
    if (this.holdingRetry) {
      this.holdingRetry = false;
      this.cluster.breaker.releaseRetry();
    }
    this.body?.detach();
  }

  private canRetry(): boolean {
    const p = this.retry;
    if (!p || this.retriesDone >= p.attempts || this.ex.downstreamGone) return false;
    if (this.body && !this.body.replayable) return false;
    if (!this.cluster.breaker.tryAcquireRetry()) return false;
    return true;
  }

  private scheduleRetry(): void {
    this.retriesDone++;
    this.holdingRetry = true;
    this.opts.onRetry?.();
    this.current = undefined;
    const delay = backoffMs(this.retry!, this.retriesDone);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      // The retry's budget is held until its try ends (endTry releases it).
      this.attempt();
    }, delay);
  }

  private onResponse(r: TryResponse): void {
    const host = this.currentHost!;
    const status = r.status;
    if (this.retry && retriableStatus(this.retry, status)) {
      this.cluster.report(host, 'error5xx');
      this.endTry();
      if (this.canRetry()) {
        r.body.resume();
        this.scheduleRetry();
        return;
      }
      if (this.retriesDone > 0) this.ex.addFlag('URX');
      this.commit(r);
      return;
    }
    this.cluster.report(host, status >= 500 ? 'error5xx' : 'success');
    this.endTry();
    this.commit(r);
  }

  private onTryFailure(kind: TryFailure, err: Error): void {
    if (this.finished) return;
    const t = this.current;
    const host = this.currentHost!;
    if (kind === 'per-try-timeout') t?.abort();
    const reused = t?.reusedConnection() ?? false;
    this.current = undefined;
    this.endTry();
    // A keep-alive connection the upstream closed while idle: not the host's fault, and the
    // request never reached it. Retry once at once (Node's documented reusedSocket pattern).
    const code = (err as NodeJS.ErrnoException).code;
    if (kind === 'reset' && reused && !this.staleRetried && code && STALE_CONNECTION_CODES.has(code) && (!this.body || this.body.replayable)) {
      this.staleRetried = true;
      this.tried?.delete(host);
      this.attempt();
      return;
    }
    this.cluster.report(host, kind === 'connect-failure' ? 'connect-error' : 'error5xx');
    if (this.retry && retriableFailure(this.retry, kind) && this.canRetry()) {
      this.scheduleRetry();
      return;
    }
    if (this.retriesDone > 0) this.ex.addFlag('URX');
    if (kind === 'connect-failure') this.fail(503, 'UF', `upstream connect error: ${code ?? err.message} (${host.key})`);
    else if (kind === 'per-try-timeout') this.fail(504, 'UT', `upstream request timeout (per-try timeout, ${host.key})`);
    else this.fail(503, 'UC', `upstream connection reset before response: ${code ?? err.message} (${host.key})`);
  }

  private onTimeout(): void {
    this.timeout = undefined;
    if (this.finished) return;
    this.current?.abort();
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.current) this.endTry();
    this.current = undefined;
    if (!this.committed) this.fail(504, 'UT', `upstream request timeout after ${this.route.timeoutMs} ms`);
    else {
      this.ex.addFlag('UT');
      this.finish();
      this.ex.res.destroy();
    }
  }

  private fail(status: number, flag: 'UH' | 'UF' | 'UT' | 'UC', message: string): void {
    if (this.finished) return;
    this.finish();
    this.ex.reply(status, flag, message);
  }

  private commit(r: TryResponse): void {
    if (this.finished) {
      r.body.resume();
      return;
    }
    this.committed = true;
    const ex = this.ex;
    const res = ex.res;
    const headers = downstreamResponseHeaders(r.headers);
    this.route.responseHeaders?.(headers);
    if (ex.flags !== '') {
      const up = headers[FLAGS_HEADER];
      headers[FLAGS_HEADER] = up ? `${String(up)},${ex.flags}` : ex.flags;
    }
    if (r.endStream) {
      this.finish();
      if (ex.req.httpVersionMajor === 2) {
        const stream = (res as http2.Http2ServerResponse).stream;
        // Responding on the stream bypasses the compat object: keep its status right for telemetry.
        res.statusCode = r.status;
        if (!stream.destroyed && !stream.headersSent) {
          stream.respond({ ...(headers as http2.OutgoingHttpHeaders), ':status': r.status }, { endStream: true });
        }
        return;
      }
      writeHead(res, r.status, headers);
      (res as http.ServerResponse).end();
      return;
    }
    writeHead(res, r.status, headers, r.rawChunked === true);
    const body = r.body;
    // node:http, node:http2 and fast-path responses alike: write/drain/addTrailers/end.
    const out = res as http.ServerResponse;
    body.on('data', (chunk: Buffer) => {
      if (!out.write(chunk)) {
        body.pause();
        out.once('drain', () => body.resume());
      }
    });
    body.once('end', () => {
      const trailers = forwardableTrailers(r.trailers());
      if (trailers) out.addTrailers(trailers);
      this.finish();
      out.end();
    });
    body.once('close', () => {
      if (!r.complete() && !this.finished) {
        // The upstream went away mid-body: the downstream response cannot be completed.
        ex.addFlag('UC');
        this.finish();
        res.destroy();
      }
    });
    body.on('error', () => undefined);
  }

  /** Upstream side done (success or failure): stop timers, release the circuit breaker. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timeout) clearTimeout(this.timeout);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.timeout = undefined;
    this.backoffTimer = undefined;
    this.cluster.breaker.release();
  }

  /** The downstream response closed; if the upstream side is still busy, abandon it. */
  private onDownstreamClosed(): void {
    if (this.finished) return;
    if (this.current) {
      this.current.abort();
      this.endTry();
      this.current = undefined;
    }
    this.finish();
  }
}

function writeHead(res: AnyResponse, status: number, headers: HeaderBag, rawChunked = false): void {
  if (res instanceof FastResponse) res.writeHead(status, headers, rawChunked);
  else if (res instanceof ServerResponse) res.writeHead(status, toHeaderList(headers));
  else (res as http2.Http2ServerResponse).writeHead(status, headers as http2.OutgoingHttpHeaders);
}
