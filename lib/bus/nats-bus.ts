// The event bus over NATS core (nats.js v2). Decisions, all because the store is the truth
// and a lost notification must be noticed, not prevented at any cost:
// - connect: one bounded attempt at start (an unreachable server is an UnavailableError
//   within `connectTimeoutMs`); once connected, reconnect forever with jittered waits.
// - publish: validates, writes and waits for the server's PONG (flushes are coalesced), at
//   most `publishTimeoutMs`. While disconnected it rejects at once with UnavailableError
//   instead of buffering: the sequence number is spent anyway, so subscribers see the hole
//   at this publisher's next event of that kind and re-list.
// - receipt: every subscription has a bounded backlog (pending-queue.ts); overflow drops
//   messages and reports 'slow-consumer'. A reconnect reports 'reconnect' to every
//   subscription once the server has its subscriptions again.
import { connect, Events, type NatsConnection, type Status, type Subscription as NatsSubscription } from 'nats';
import { pino, type Logger } from 'pino';
import { UnavailableError } from '../errors.js';
import type { BusStats, EventBus, PublishInput, Subscription, SubscriptionHandler } from './bus.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, EnvelopeBuilder } from './envelope-builder.js';
import { EnvelopeBus } from './envelope-bus.js';
import type { Envelope } from './envelope.js';
import { Inbound } from './inbound.js';
import { BusMetrics } from './metrics.js';
import { DEFAULT_PENDING_LIMITS, PendingQueue, type PendingLimits } from './pending-queue.js';
import { validatePattern } from './subject-pattern.js';

export interface NatsBusOptions {
  /** `nats://host:port` or `host:port`. */
  servers: string[];
  /** Connection name shown by the server's monitoring. */
  name?: string;
  cluster: string;
  /** `<service>/<replica>`; becomes `/plexus/<cluster>/<source>`. */
  source: string;
  logger?: Logger;
  /** Bound on the first connection and on each reconnect attempt (default 2000). */
  connectTimeoutMs?: number;
  /** Bound on one publish's flush, and on subscribe's confirmation (default 2000). */
  publishTimeoutMs?: number;
  /** Wait between reconnect rounds, plus up to `reconnectJitterMs` random (defaults 500 + 500). */
  reconnectTimeWaitMs?: number;
  reconnectJitterMs?: number;
  /** A connection is declared dead after `maxPingsOut` unanswered pings (defaults 5000 ms, 2). */
  pingIntervalMs?: number;
  maxPingsOut?: number;
  /** Per-subscription backlog limits (default: nats.go's 512k messages / 64 MiB). */
  pendingLimits?: PendingLimits;
}

interface LiveSubscription {
  sub: NatsSubscription;
  inbound: Inbound;
  queue: PendingQueue;
}

interface FlushWaiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class NatsBus extends EnvelopeBus implements EventBus {
  readonly kind = 'nats' as const;
  private readonly metrics = new BusMetrics('nats');
  private readonly subs = new Set<LiveSubscription>();
  private connected = true;
  private flushWaiters: FlushWaiter[] = [];
  private readonly statusIter: AsyncIterable<Status>;
  private readonly statusLoop: Promise<void>;

  private constructor(
    private readonly nc: NatsConnection,
    builder: EnvelopeBuilder,
    private readonly logger: Logger,
    private readonly publishTimeoutMs: number,
    private readonly pendingLimits: PendingLimits,
  ) {
    super(builder);
    this.statusIter = nc.status();
    this.statusLoop = this.watchStatus();
  }

  /** Connects once (bounded); throws UnavailableError if no server answers, ValidationError on bad identity. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const builder = new EnvelopeBuilder(options.cluster, options.source);
    const logger = (options.logger ?? pino({ enabled: false })).child({ component: 'bus', transport: 'nats' });
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        name: options.name ?? builder.source.slice(1),
        timeout: options.connectTimeoutMs ?? 2000,
        waitOnFirstConnect: false,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
        reconnectJitter: options.reconnectJitterMs ?? 500,
        pingInterval: options.pingIntervalMs ?? 5000,
        maxPingOut: options.maxPingsOut ?? 2,
      });
    } catch (err) {
      throw new UnavailableError(`NATS unreachable at ${options.servers.join(', ')}: ${(err as Error).message}`, { cause: err });
    }
    logger.info({ server: nc.getServer(), source: builder.source, epoch: builder.epoch }, 'connected to NATS');
    return new NatsBus(nc, builder, logger, options.publishTimeoutMs ?? 2000, options.pendingLimits ?? DEFAULT_PENDING_LIMITS);
  }

  async publish(input: PublishInput): Promise<Envelope> {
    this.assertOpen();
    const maxPayload = this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
    const built = this.builder.build(input, maxPayload);
    // From here on the sequence number is spent (see the header comment).
    if (!this.connected) throw new UnavailableError(`NATS disconnected: event ${built.subject} #${built.envelope.sequence} not sent`);
    try {
      this.nc.publish(built.subject, built.payload);
    } catch (err) {
      throw new UnavailableError(`NATS publish failed: ${(err as Error).message}`, { cause: err });
    }
    await this.bounded(this.coalescedFlush(), `event ${built.subject} #${built.envelope.sequence} not confirmed by NATS`);
    this.metrics.published();
    return built.envelope;
  }

  /**
   * Resolves once the server has the subscription (one round trip). While disconnected it
   * resolves at once: nats.js subscribes again on reconnect, and the reconnect is reported
   * to the handler as a gap.
   */
  async subscribe(pattern: string, handler: SubscriptionHandler): Promise<Subscription> {
    this.assertOpen();
    const cluster = this.builder.cluster;
    const subject = `plexus.${cluster}.${validatePattern(pattern).join('.')}`;
    const inbound = new Inbound({ cluster, subject, handler, metrics: this.metrics, logger: this.logger });
    const queue = new PendingQueue(this.pendingLimits, {
      message: (s, p) => inbound.receive(s, p),
      gap: (reason, detail) => inbound.gap(reason, detail),
    });
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ err, subject }, 'NATS subscription error');
          return;
        }
        queue.push(msg.subject, msg.data);
      },
    });
    const live: LiveSubscription = { sub, inbound, queue };
    this.subs.add(live);
    if (this.connected) {
      try {
        await this.bounded(this.coalescedFlush(), `subscription ${subject} not confirmed by NATS`);
      } catch (err) {
        // Still registered locally; the reconnect that must follow re-subscribes and reports a gap.
        this.logger.warn({ err, subject }, 'subscription not confirmed yet');
      }
    }
    return { close: async () => this.unsubscribe(live) };
  }

  stats(): BusStats {
    return this.metrics.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const live of [...this.subs]) this.unsubscribe(live);
    await this.nc.close();
    // nats.js v2 never ends a connection's status() iterators, even on close: stop ours.
    const iter = this.statusIter as Partial<{ stop(): void }>;
    if (typeof iter.stop === 'function') {
      iter.stop();
      await this.statusLoop;
    }
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of waiters) w.reject(new UnavailableError('event bus closed'));
  }

  private unsubscribe(live: LiveSubscription): void {
    if (!this.subs.delete(live)) return;
    live.inbound.close();
    live.queue.close();
    if (!this.nc.isClosed()) live.sub.unsubscribe();
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.statusIter) {
      switch (status.type) {
        case Events.Disconnect:
          this.connected = false;
          this.logger.warn({ server: status.data }, 'disconnected from NATS; reconnecting');
          break;
        case Events.Reconnect:
          this.connected = true;
          this.logger.info({ server: status.data }, 'reconnected to NATS');
          void this.reportReconnect(String(status.data));
          break;
        case Events.Error:
        case Events.LDM:
          this.logger.warn({ status: status.type, data: status.data }, 'NATS server notice');
          break;
        default:
          this.logger.debug({ status: status.type, data: status.data }, 'NATS status');
      }
    }
  }

  /**
   * nats.js has re-sent our SUBs before announcing the reconnect; one round trip makes sure
   * the server processed them, so a consumer's re-list cannot fall between.
   */
  private async reportReconnect(server: string): Promise<void> {
    try {
      await this.bounded(this.coalescedFlush(), 're-subscription not confirmed');
    } catch (err) {
      this.logger.warn({ err }, 'reconnect flush failed; reporting the gap anyway');
    }
    for (const live of this.subs) live.queue.pushGap('reconnect', `reconnected to ${server}`);
  }

  /**
   * One flush (PING/PONG) for every publish issued in the same tick: everything written
   * before the PING is confirmed by its PONG.
   */
  private coalescedFlush(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.flushWaiters.push({ resolve, reject });
      if (this.flushWaiters.length > 1) return;
      queueMicrotask(() => {
        const batch = this.flushWaiters;
        this.flushWaiters = [];
        this.nc.flush().then(
          () => batch.forEach((w) => w.resolve()),
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        );
      });
    });
  }

  private async bounded(work: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnavailableError(`${what} within ${this.publishTimeoutMs} ms`)), this.publishTimeoutMs);
    });
    try {
      await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError(`${what}: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
