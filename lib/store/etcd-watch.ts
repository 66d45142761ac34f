// One prefix watch on etcd, on its own gRPC watch stream. etcd3's WatchBuilder is not used:
// on reconnect it resumes from the last *header* revision it saw, which can skip events
// that were still queued for a lagging watcher. Here the next revision to deliver is tracked
// from the events themselves, the stream is re-created from exactly that revision, and
// anything at or below the last delivered revision is dropped, so each change is delivered
// once, in order, across reconnects and server restarts. etcd keeps all events of one
// revision in one response (fragmenting is not requested), which makes that bookkeeping exact.
// On a cluster each stream goes to the member the store prefers (etcd-members.ts); a stream
// that fails marks its member down and the watch resumes on another member from the same
// revision (every member has the same log, so a lagging one delivers later, never differently).
// A frozen member keeps the stream open but silent, so with several members an idle stream is
// checked with a progress request and moved when the member does not answer in time.
import type { IDuplexStream, IEvent, IWatchRequest, IWatchResponse } from 'etcd3';
import type { Logger } from 'pino';
import { UnavailableError } from '../errors.js';
import { isUnavailable, mapEtcdError } from './etcd-errors.js';
import type { EtcdMember, EtcdMembers } from './etcd-members.js';
import { decodeValue } from './keys.js';
import type { Watch, WatchEvent, WatchHandler } from './store.js';

const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

export interface EtcdWatchOptions {
  members: EtcdMembers;
  prefix: string;
  rangeEnd: Buffer;
  fromRevision: number;
  handler: WatchHandler<unknown>;
  /** How long creating the watch on the server may take before it counts as unavailable. */
  createTimeoutMs: number;
  logger?: Logger | undefined;
  /** Called once when the watch ends (closed by the caller or after onResync). */
  onEnded: (w: EtcdWatch) => void;
}

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

export class EtcdWatch implements Watch {
  /** The lowest revision not yet delivered: the start revision of the next stream. */
  private next: number;
  private stream: WatchStream | undefined;
  /** Bumped per stream; events from an older stream are ignored. */
  private generation = 0;
  private ended = false;
  private backoffMs = INITIAL_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: EtcdWatchOptions) {
    this.next = opts.fromRevision;
  }

  /**
   * Creates the watch on the server, trying other members within the create timeout;
   * rejects with UnavailableError if no member can be reached.
   */
  async start(): Promise<void> {
    const deadline = Date.now() + this.opts.createTimeoutMs;
    for (;;) {
      const candidates = this.opts.members.order();
      const member = candidates[0]!;
      const remaining = deadline - Date.now();
      const another = candidates.length > 1 && member.downSince === undefined;
      try {
        await this.attach(member, another ? Math.max(300, Math.floor(remaining / 2)) : remaining);
        return;
      } catch (err) {
        if (this.ended || !isUnavailable(err) || candidates.length === 1 || deadline - Date.now() < 100) {
          this.end();
          throw err;
        }
      }
    }
  }

  async close(): Promise<void> {
    this.end();
  }

  private attach(member: EtcdMember, timeoutMs = this.opts.createTimeoutMs): Promise<void> {
    const gen = ++this.generation;
    return new Promise<void>((resolve, reject) => {
      let created = false;
      let lastHeard = Date.now();
      let progressAskedAt: number | undefined;
      const timer = setTimeout(
        () => fail(new UnavailableError(`etcd unavailable (watch): not created within ${timeoutMs} ms at ${member.endpoint}`)),
        timeoutMs,
      );
      const fail = (err: unknown): void => {
        clearTimeout(timer);
        if (gen !== this.generation || this.ended) return;
        this.stopLiveness();
        this.dropStream();
        const mapped = mapEtcdError(err, 'watch');
        if (mapped instanceof UnavailableError) this.opts.members.failed(member, err);
        if (!created) reject(mapped);
        else this.scheduleReconnect(err);
      };
      // With somewhere else to go, a silent stream is asked for progress; no answer in time
      // means the member is frozen or gone, and the watch moves.
      const checkLiveness = (): void => {
        if (gen !== this.generation || this.ended || !this.stream) return;
        const now = Date.now();
        if (progressAskedAt !== undefined) {
          if (now - progressAskedAt > this.opts.createTimeoutMs) {
            fail(new UnavailableError(`etcd member ${member.endpoint} did not answer a watch progress request within ${this.opts.createTimeoutMs} ms`));
          }
          return;
        }
        if (now - lastHeard >= this.opts.createTimeoutMs / 2) {
          progressAskedAt = now;
          try {
            this.stream.write({ progress_request: {} });
          } catch (err) {
            fail(err);
          }
        }
      };
      const onData = (res: IWatchResponse): void => {
        if (gen !== this.generation || this.ended) return;
        lastHeard = Date.now();
        progressAskedAt = undefined;
        if (res.canceled) {
          clearTimeout(timer);
          const compacted = Number(res.compact_revision);
          if (compacted > 0) {
            this.resync(`etcd compacted its history up to revision ${compacted}; this watch needed revision ${this.next}`);
            resolve();
            return;
          }
          fail(new UnavailableError(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`));
          return;
        }
        if (res.created && !created) {
          created = true;
          clearTimeout(timer);
          this.backoffMs = INITIAL_BACKOFF_MS;
          this.opts.members.succeeded(member);
          if (this.opts.members.size > 1) {
            this.stopLiveness();
            this.livenessTimer = setInterval(checkLiveness, Math.max(100, Math.floor(this.opts.createTimeoutMs / 4)));
            this.livenessTimer.unref();
          }
          resolve();
        }
        if (res.events.length > 0) this.deliver(res.events);
      };
      member.client.watchClient.watch().then(
        (stream) => {
          if (gen !== this.generation || this.ended) {
            closeStream(stream);
            return;
          }
          this.stream = stream;
          stream.on('data', onData);
          stream.on('error', fail);
          stream.on('end', () => fail(new UnavailableError('etcd watch stream ended')));
          stream.write({
            create_request: {
              key: Buffer.from(this.opts.prefix),
              range_end: this.opts.rangeEnd,
              start_revision: this.next,
              prev_kv: true,
            },
          });
        },
        fail,
      );
    });
  }

  private deliver(raw: IEvent[]): void {
    const events: WatchEvent[] = [];
    let last = this.next - 1;
    for (const ev of raw) {
      const revision = Number(ev.kv.mod_revision);
      if (revision < this.next) continue; // delivered before a reconnect
      last = Math.max(last, revision);
      const converted = this.convert(ev, revision);
      if (converted) events.push(converted);
    }
    this.next = last + 1;
    if (events.length === 0) return;
    try {
      this.opts.handler.onEvents(events);
    } catch (err) {
      this.opts.logger?.error({ err, prefix: this.opts.prefix }, 'store watch handler threw');
    }
  }

  private convert(ev: IEvent, revision: number): WatchEvent | undefined {
    const key = ev.kv.key.toString('utf8');
    try {
      if (ev.type === 'Put') {
        const out: WatchEvent = {
          type: 'put',
          key,
          value: decodeValue(ev.kv.value),
          revision,
          createRevision: Number(ev.kv.create_revision),
        };
        if (ev.kv.lease && ev.kv.lease !== '0') out.lease = ev.kv.lease;
        return out;
      }
      // etcd does not say whether a delete came from a lease, so leaseExpired stays unknown.
      const out: WatchEvent = { type: 'delete', key, revision };
      if (ev.prev_kv?.value) out.prevValue = decodeValue(ev.prev_kv.value);
      return out;
    } catch (err) {
      // Only a foreign writer can put non-JSON under our prefix; report it, keep watching.
      this.opts.logger?.error({ err, key, revision }, 'skipping a watch event whose value is not JSON');
      return undefined;
    }
  }

  private scheduleReconnect(cause: unknown): void {
    if (this.ended || this.retryTimer) return;
    // Another member that is up: move at once. Otherwise back off.
    const elsewhere = this.opts.members.size > 1 && this.opts.members.pick().downSince === undefined;
    const jittered = Math.round(this.backoffMs * (0.5 + Math.random() / 2));
    const delay = elsewhere ? Math.min(jittered, 50) : jittered;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.opts.logger?.warn(
      { err: cause, prefix: this.opts.prefix, fromRevision: this.next, retryInMs: delay },
      'etcd watch interrupted; resuming',
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attach(this.opts.members.pick()).catch((err: unknown) => this.scheduleReconnect(err));
    }, delay);
  }

  private resync(reason: string): void {
    this.end();
    try {
      this.opts.handler.onResync(reason);
    } catch (err) {
      this.opts.logger?.error({ err, prefix: this.opts.prefix }, 'store watch resync handler threw');
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopLiveness();
    this.dropStream();
    this.opts.onEnded(this);
  }

  private stopLiveness(): void {
    clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) closeStream(stream);
  }
}

/**
 * End our side first so the stream is no longer writable: etcd3 treats an error on a
 * writable stream as a host failure and resets every connection to that host.
 */
function closeStream(stream: WatchStream): void {
  stream.on('error', () => undefined);
  try {
    stream.end();
  } catch {
    /* already ended */
  }
  stream.cancel();
}
