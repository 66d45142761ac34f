// One request/response pair passing through a listener: its identity (request id, trace),
// the response flags it collects, and its single completion, which feeds telemetry when the
// response closes — finished or cut off.
import type http from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { Direction } from '../telemetry/metrics.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { requestIdFrom, traceFrom, type TraceContext } from '../telemetry/trace-context.js';
import { FastResponse } from './h1-messages.js';
import { sendLocalReply, type AnyRequest, type AnyResponse, type ResponseFlag } from './local-reply.js';

export class Exchange {
  readonly start = performance.now();
  readonly requestId: string;
  readonly trace: TraceContext;
  /** This hop's span when tracing is on. */
  private readonly span: Span | undefined;
  flags = '';
  source = 'unknown';
  destination = 'unknown';
  route = '-';
  upstreamHost = '-';
  tries = 0;
  path: string;
  authority = '';
  /** Set when the downstream connection went away before the response finished. */
  downstreamGone = false;
  private readonly closeHooks: Array<() => void> = [];

  constructor(
    readonly req: AnyRequest,
    readonly res: AnyResponse,
    readonly direction: Direction,
    private readonly telemetry: Telemetry,
  ) {
    this.requestId = requestIdFrom(req.headers['x-request-id']);
    const traced = telemetry.startSpan(direction, req.headers.traceparent);
    this.trace = traced?.trace ?? traceFrom(req.headers.traceparent);
    this.span = traced?.span;
    this.path = req.url ?? '/';
    telemetry.begin(direction);
    // All three kinds of response (node:http, node:http2, the fast path's) emit 'close' once.
    const events = res as http.ServerResponse;
    events.once('close', () => this.onClose());
    // Aborted clients surface as stream errors on node:http(2) objects; the 'close' path above
    // handles them. The fast path's request and response never emit 'error' (no listener then).
    if (!(res instanceof FastResponse)) {
      (req as http.IncomingMessage).on('error', ignore);
      events.on('error', ignore);
    }
  }

  addFlag(flag: ResponseFlag): void {
    if (this.flags === '') this.flags = flag;
    else if (!this.flags.split(',').includes(flag)) this.flags += `,${flag}`;
  }

  /** A local reply (see local-reply.ts) carrying this exchange's flags and request id. */
  reply(status: number, flag: ResponseFlag | undefined, message: string): void {
    if (flag) this.addFlag(flag);
    sendLocalReply(this.req, this.res, status, this.flags, message, { 'x-request-id': this.requestId });
  }

  /** Run when the response closes (used to release resources held for the request). */
  onDone(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  private onClose(): void {
    const res = this.res;
    if (!res.writableFinished) {
      this.downstreamGone = true;
      this.addFlag('DC');
    }
    for (const hook of this.closeHooks) hook();
    this.telemetry.end({
      direction: this.direction,
      start: this.start,
      method: this.req.method ?? '',
      path: this.path,
      authority: this.authority,
      protocol: this.req.httpVersionMajor === 2 ? 'HTTP/2' : `HTTP/1.${this.req.httpVersionMinor}`,
      status: res.headersSent ? res.statusCode : 0,
      flags: this.flags,
      source: this.source,
      destination: this.destination,
      route: this.route,
      upstreamHost: this.upstreamHost,
      requestId: this.requestId,
      traceId: this.trace.traceId,
      tries: this.tries,
      span: this.span,
    });
  }
}

function ignore(): void {}
