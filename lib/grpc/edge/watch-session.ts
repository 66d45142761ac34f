// One server-streaming Watch call over a list-watch (lib/watch): what the registry's and the
// policy service's Watch RPCs share. The subclass turns a listing and store changes into its
// messages; this class runs the list-watch, ends it with the call, and bounds what a client
// that does not read can queue (beyond `maxQueued` messages the call ends with
// RESOURCE_EXHAUSTED, so the client watches again from the last revision it received).
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ResourceExhaustedError } from '../../errors.js';
import type { ListResult, Store, WatchEvent } from '../../store/store.js';
import { ListWatch, type ListWatchCall } from '../../watch/list-watch.js';
import { toGrpcError } from '../status.js';

export interface WatchSessionOptions {
  store: Store;
  prefix: string;
  fromRevision: number;
  call?: ListWatchCall;
  logger: Logger;
  /** Open sessions, so the server can end them on shutdown; a session leaves it when it ends. */
  sessions: Set<object>;
  maxQueued: number;
  /** The RESOURCE_EXHAUSTED message for a client past `maxQueued`. */
  notReading: string;
}

export abstract class WatchStreamSession<T, M> {
  private readonly listWatch: ListWatch<T>;
  private ended = false;

  constructor(
    private readonly rpc: grpc.ServerWritableStream<unknown, M>,
    private readonly opts: WatchSessionOptions,
  ) {
    this.listWatch = new ListWatch<T>({
      store: opts.store,
      prefix: opts.prefix,
      call: opts.call,
      logger: opts.logger,
      handler: {
        onSnapshot: (listing) => this.ended || this.onSnapshot(listing),
        onChanges: (events) => this.ended || this.onChanges(events),
        onError: (err) => this.fail(err),
      },
    });
    rpc.on('cancelled', () => this.release());
    rpc.on('close', () => this.release());
  }

  /** The complete state at listing.revision: the client replaces what it holds. */
  protected abstract onSnapshot(listing: ListResult<T>): void;
  /** Changes after the last snapshot, in revision order. */
  protected abstract onChanges(events: WatchEvent<T>[]): void;

  async run(): Promise<void> {
    try {
      await this.listWatch.start(this.opts.fromRevision);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Ends the call without an error status (server shutting down). */
  end(): void {
    if (this.release() && !this.rpc.writableEnded) this.rpc.end();
  }

  /** Ends the call with the error's status. */
  fail(err: unknown): void {
    if (!this.release()) return;
    this.opts.logger.debug({ err }, 'watch ended with an error');
    this.rpc.emit('error', toGrpcError(err));
  }

  protected send(msg: M): void {
    if (this.ended) return;
    this.rpc.write(msg);
    if (this.rpc.writableLength > this.opts.maxQueued) this.fail(new ResourceExhaustedError(this.opts.notReading));
  }

  /** Stops the list-watch once; false when it was already stopped. */
  private release(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.opts.sessions.delete(this);
    void this.listWatch.close();
    return true;
  }
}
