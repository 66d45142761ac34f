// The event bus: fast notifications between services. The store stays the source of truth,
// so every consumer must handle `onGap` by re-listing from the store.
import type { Envelope, EventKind } from './envelope.js';

export interface PublishInput {
  kind: EventKind;
  /** What the event is about, e.g. `default/catalog/i-123`. */
  subject: string;
  data: unknown;
  /** Store revision of the change. */
  revision: number;
  /** W3C traceparent of the operation behind the event (CloudEvents distributed tracing). */
  traceparent?: string;
}

export type GapReason =
  | 'sequence-gap' // a publisher's sequence jumped
  | 'reconnect' // the connection to the bus was lost and came back
  | 'slow-consumer' // the bus dropped messages for us
  | 'subscribed'; // initial: nothing seen yet (never emitted; reserved)

export interface SubscriptionHandler {
  /** Called for each valid event, in arrival order. Must not throw (errors are logged). */
  onEvent(event: Envelope): void;
  /** Events may have been missed: re-list from the store. */
  onGap(reason: GapReason, detail: string): void;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface BusStats {
  published: number;
  received: number;
  malformed: number;
  gaps: number;
}

export interface EventBus {
  readonly kind: 'nats' | 'memory';
  /** Validates and publishes; resolves once handed to the bus (NATS: flushed to the server). */
  publish(input: PublishInput): Promise<Envelope>;
  /**
   * Subscribe to `plexus.<cluster>.<pattern>`, where pattern is NATS-style over the kind,
   * e.g. `instance.*`, `policy.>`, `>`.
   */
  subscribe(pattern: string, handler: SubscriptionHandler): Promise<Subscription>;
  stats(): BusStats;
  close(): Promise<void>;
}
