// The gRPC half of one config-push stream, whatever protocol it speaks (our delta protocol or
// xDS ADS): it closes once, however the call ends; a half-close from the client is answered
// with ours; and it respects write backpressure: when `write()` returns false nothing more is
// written until 'drain', after which the owner is told it may flush again.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { toGrpcError } from '../../lib/grpc/status.js';
import type { NodeInfo } from './delta-request.js';

/** Where a stream's owner (its server) hears that the stream may write again, and that it ended. */
export interface StreamCallHost<S> {
  scheduleFlush(stream: S): void;
  ended(stream: S): void;
}

export interface StreamCallOptions<Req> {
  logger: Logger;
  /** Protocol and node key in log lines ("discovery"/"instance", "xDS"/"node"). */
  protocol: string;
  nodeKey: string;
  onData(req: Req): void;
}

/** What a session hands out to write: per type, while it has work. */
export interface ResponseQueue<T, Out> {
  hasWork(type: T): boolean;
  nextResponse(type: T): Out | undefined;
}

export class StreamCall<Req, Res, S extends { readonly node: NodeInfo | undefined }> {
  readonly peer: string;
  private blocked = false;
  private closed = false;

  constructor(
    private readonly call: grpc.ServerDuplexStream<Req, Res>,
    private readonly stream: S,
    private readonly host: StreamCallHost<S>,
    private readonly options: StreamCallOptions<Req>,
  ) {
    this.peer = call.getPeer();
    call.on('data', (req: Req) => options.onData(req));
    call.on('end', () => this.end());
    call.on('cancelled', () => this.close());
    call.on('error', (err) => {
      options.logger.debug({ err, peer: this.peer }, `${options.protocol} stream error`);
      this.close();
    });
    call.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while gRPC holds back writes (the client is not reading fast enough). */
  get isBlocked(): boolean {
    return this.blocked;
  }

  /** The underlying call (metadata, auth context). */
  get grpcCall(): grpc.ServerDuplexStream<Req, Res> {
    return this.call;
  }

  /** Write every response `queue` has, type by type, until backpressure says stop. */
  flush<T, Out>(types: readonly T[], queue: ResponseQueue<T, Out>, write: (out: Out) => void): void {
    if (this.closed || this.blocked) return;
    for (const type of types) {
      while (!this.blocked && queue.hasWork(type)) {
        const out = queue.nextResponse(type);
        if (!out) break;
        write(out);
      }
      if (this.blocked) return;
    }
  }

  write(msg: Res): void {
    let ok: boolean;
    try {
      ok = this.call.write(msg);
    } catch (err) {
      // Writing to a stream that just ended: the close handlers clean up.
      const { logger, protocol, nodeKey } = this.options;
      logger.debug({ err, [nodeKey]: this.stream.node?.instanceId }, `write on a closing ${protocol} stream`);
      this.close();
      return;
    }
    if (!ok) {
      this.blocked = true;
      this.call.once('drain', () => {
        this.blocked = false;
        this.host.scheduleFlush(this.stream);
      });
    }
  }

  /** End the stream with a status (server shutdown, superseded, bad input). */
  fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    this.call.emit('error', toGrpcError(err));
  }

  /** The client half-closed: finish our side too. */
  private end(): void {
    if (this.closed) return;
    this.close();
    try {
      this.call.end();
    } catch {
      /* already ended */
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.ended(this.stream);
  }
}
