// A bounded backlog between a subscription's socket callback and its handler. nats.js v2 has
// no client-side pending limits or slow-consumer events (nats.go has SetPendingLimits), and a
// server that cannot write to us fast enough just drops the connection; so the bus bounds
// its own backlog: messages are queued as they are read and handed to the handler in batches
// on later event-loop turns, so socket reads and handling interleave and the backlog is
// visible. Beyond the limits new messages are dropped and one gap marker is queued, so the
// handler hears about the loss after everything received before it (its re-list then covers
// what was dropped).
import type { GapReason } from './bus.js';

export interface PendingLimits {
  messages: number;
  bytes: number;
}

/** nats.go's defaults for a subscription's pending limits. */
export const DEFAULT_PENDING_LIMITS: PendingLimits = { messages: 512 * 1024, bytes: 64 * 1024 * 1024 };

/** Messages handed to the handler per event-loop turn before yielding to I/O. */
const BATCH = 256;

type Item = { subject: string; payload: Uint8Array } | { gap: GapReason; detail: string };

export interface PendingQueueSink {
  message(subject: string, payload: Uint8Array): void;
  gap(reason: GapReason, detail: string): void;
}

export class PendingQueue {
  private items: Item[] = [];
  private head = 0;
  private queuedMessages = 0;
  private queuedBytes = 0;
  private dropped = 0;
  /** True while a slow-consumer marker is queued and not yet delivered. */
  private markerQueued = false;
  private timer: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly limits: PendingLimits,
    private readonly sink: PendingQueueSink,
  ) {}

  get pendingMessages(): number {
    return this.queuedMessages;
  }

  push(subject: string, payload: Uint8Array): void {
    if (this.closed) return;
    if (this.queuedMessages + 1 > this.limits.messages || this.queuedBytes + payload.length > this.limits.bytes) {
      this.dropped++;
      if (!this.markerQueued) {
        this.markerQueued = true;
        this.enqueue({ gap: 'slow-consumer', detail: '' });
      }
      return;
    }
    this.queuedMessages++;
    this.queuedBytes += payload.length;
    this.enqueue({ subject, payload });
  }

  pushGap(reason: GapReason, detail: string): void {
    if (!this.closed) this.enqueue({ gap: reason, detail });
  }

  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
  }

  private enqueue(item: Item): void {
    this.items.push(item);
    this.timer ??= setImmediate(() => this.drain());
  }

  private drain(): void {
    this.timer = undefined;
    let n = 0;
    while (!this.closed && this.head < this.items.length && n < BATCH) {
      const item = this.items[this.head++] as Item;
      n++;
      if ('gap' in item) {
        let detail = item.detail;
        if (item.gap === 'slow-consumer') {
          detail = `dropped ${this.dropped} message(s): backlog over ${this.limits.messages} messages or ${this.limits.bytes} bytes`;
          this.dropped = 0;
          this.markerQueued = false;
        }
        this.sink.gap(item.gap, detail);
      } else {
        this.queuedMessages--;
        this.queuedBytes -= item.payload.length;
        this.sink.message(item.subject, item.payload);
      }
    }
    if (this.closed) return;
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    } else {
      if (this.head > 4096) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.timer = setImmediate(() => this.drain());
    }
  }
}
