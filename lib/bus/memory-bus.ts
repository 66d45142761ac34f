// In-process event bus for dev mode and unit tests. Buses attached to the same MemoryHub see
// each other's events, so registry, policy and config-push can run in one process. Messages
// travel as JSON text exactly as on NATS and go through the same receive pipeline, and
// delivery is asynchronous (a microtask per message, in publish order), never re-entrant
// into the publisher.
import { pino, type Logger } from 'pino';
import type { EventBus, GapReason, PublishInput, Subscription, SubscriptionHandler, BusStats } from './bus.js';
import { EnvelopeBuilder } from './envelope-builder.js';
import { EnvelopeBus } from './envelope-bus.js';
import type { Envelope } from './envelope.js';
import { Inbound } from './inbound.js';
import { BusMetrics } from './metrics.js';
import { subjectMatches, validatePattern } from './subject-pattern.js';

interface HubSubscriber {
  readonly tokens: readonly string[];
  receive(subject: string, payload: Uint8Array | string): void;
  gap(reason: GapReason, detail: string): void;
}

/** The in-process "server": routes published subjects to matching subscribers. */
export class MemoryHub {
  private readonly subscribers = new Set<HubSubscriber>();

  /** @internal used by MemoryBus */
  attach(sub: HubSubscriber): void {
    this.subscribers.add(sub);
  }
  /** @internal used by MemoryBus */
  detach(sub: HubSubscriber): void {
    this.subscribers.delete(sub);
  }

  /** Number of live subscriptions (for tests and leak checks). */
  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Delivers a raw message to every subscription whose pattern matches `subject`, each in its
   * own microtask. MemoryBus.publish uses this; tests use it to inject malformed messages the
   * way a plain NATS connection would.
   */
  publishRaw(subject: string, payload: Uint8Array | string): void {
    const tokens = subject.split('.');
    for (const sub of this.subscribers) {
      if (subjectMatches(sub.tokens, tokens)) queueMicrotask(() => sub.receive(subject, payload));
    }
  }

  /**
   * Tells every subscription it may have missed events, as a NATS reconnect or slow-consumer
   * error would; lets consumers' gap handling be exercised without a server.
   */
  signalGap(reason: Exclude<GapReason, 'sequence-gap' | 'subscribed'>, detail: string): void {
    for (const sub of this.subscribers) queueMicrotask(() => sub.gap(reason, detail));
  }
}

/** The hub that dev mode's services share when none is given. */
export const defaultHub = new MemoryHub();

export interface MemoryBusOptions {
  cluster: string;
  /** `<service>/<replica>`, e.g. `registry/replica-1`; becomes `/plexus/<cluster>/<source>`. */
  source: string;
  logger?: Logger;
  hub?: MemoryHub;
}

export class MemoryBus extends EnvelopeBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly hub: MemoryHub;
  private readonly logger: Logger;
  private readonly metrics = new BusMetrics('memory');
  private readonly subs = new Set<HubSubscriber & { inbound: Inbound }>();

  constructor(options: MemoryBusOptions) {
    super(new EnvelopeBuilder(options.cluster, options.source));
    this.hub = options.hub ?? defaultHub;
    this.logger = (options.logger ?? pino({ enabled: false })).child({ component: 'bus', transport: 'memory' });
  }

  async publish(input: PublishInput): Promise<Envelope> {
    this.assertOpen();
    const built = this.builder.build(input);
    this.hub.publishRaw(built.subject, built.payload);
    this.metrics.published();
    return built.envelope;
  }

  async subscribe(pattern: string, handler: SubscriptionHandler): Promise<Subscription> {
    this.assertOpen();
    const cluster = this.builder.cluster;
    const tokens = ['plexus', cluster, ...validatePattern(pattern)];
    const subject = tokens.join('.');
    const inbound = new Inbound({ cluster, subject, handler, metrics: this.metrics, logger: this.logger });
    const sub = {
      tokens,
      inbound,
      receive: (s: string, p: Uint8Array | string) => inbound.receive(s, p),
      gap: (reason: GapReason, detail: string) => inbound.gap(reason, detail),
    };
    this.subs.add(sub);
    this.hub.attach(sub);
    return {
      close: async () => {
        inbound.close();
        this.hub.detach(sub);
        this.subs.delete(sub);
      },
    };
  }

  stats(): BusStats {
    return this.metrics.snapshot();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const sub of this.subs) {
      sub.inbound.close();
      this.hub.detach(sub);
    }
    this.subs.clear();
  }
}
