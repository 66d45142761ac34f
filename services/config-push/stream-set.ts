// The open streams of one config-push server (our delta protocol or xDS ADS) and their flush
// scheduling: a stream with something to send is flushed in one batch per event-loop turn, so a
// burst of changes becomes at most one response per stream and type. On shutdown every stream
// ends with UNAVAILABLE, and streams opened after that are refused the same way.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { UnavailableError } from '../../lib/errors.js';
import { toGrpcError } from '../../lib/grpc/status.js';
import type { NodeInfo } from './delta-request.js';

export interface FlushableStream {
  readonly node: NodeInfo | undefined;
  readonly isClosed: boolean;
  flush(): void;
  fail(err: unknown): void;
}

const SHUTTING_DOWN = 'config-push is shutting down; reconnect to another replica';

export class StreamSet<S extends FlushableStream> implements Iterable<S> {
  private readonly streams = new Set<S>();
  private readonly pending = new Set<S>();
  private flushScheduled = false;
  private nextId = 0;
  private closed = false;

  /** `protocol` and `nodeKey` name a stream in log lines ("discovery"/"instance", "xDS"/"node"). */
  constructor(
    private readonly logger: Logger,
    private readonly protocol: string,
    private readonly nodeKey: string,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  [Symbol.iterator](): Iterator<S> {
    return this.streams[Symbol.iterator]();
  }

  /** Open a stream on `call` with the next id, or refuse it with UNAVAILABLE after close(). */
  open(call: grpc.ServerDuplexStream<unknown, unknown>, create: (id: number) => S): void {
    if (this.closed) {
      call.emit('error', toGrpcError(new UnavailableError(SHUTTING_DOWN)));
      return;
    }
    this.streams.add(create(++this.nextId));
  }

  /** Open streams whose node is known. */
  identified(): S[] {
    return [...this.streams].filter((s) => s.node !== undefined && !s.isClosed);
  }

  /** The stream ended: forget it. */
  delete(stream: S): void {
    this.streams.delete(stream);
    this.pending.delete(stream);
  }

  scheduleFlush(stream: S): void {
    this.pending.add(stream);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushAll());
  }

  /** End every stream with UNAVAILABLE, once; false if already closed. */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    for (const s of [...this.streams]) s.fail(new UnavailableError(SHUTTING_DOWN));
    this.streams.clear();
    return true;
  }

  private flushAll(): void {
    this.flushScheduled = false;
    const batch = [...this.pending];
    this.pending.clear();
    for (const s of batch) {
      try {
        s.flush();
      } catch (err) {
        this.logger.error({ err, [this.nodeKey]: s.node?.instanceId }, `${this.protocol} flush failed; ending the stream`);
        s.fail(err);
      }
    }
  }
}
