// Bus counters: one plain per-bus `BusStats` object (what `EventBus.stats()` returns) plus
// process-wide prom-client counters in the default registry, labelled by transport. Several
// buses may live in one process (dev mode, tests), so the counters are registered once and
// shared; each bus keeps its own stats.
import { Counter, register } from 'prom-client';
import type { BusStats, GapReason } from './bus.js';

export type BusTransport = 'nats' | 'memory';

type Names = 'published' | 'received' | 'malformed' | 'gaps';

const HELP: Record<Names, [string, string, string[]]> = {
  published: ['plexus_bus_published_events_total', 'Events published to the bus.', ['transport']],
  received: ['plexus_bus_received_events_total', 'Valid events delivered to subscribers.', ['transport']],
  malformed: ['plexus_bus_malformed_events_total', 'Messages dropped because they are not valid event envelopes.', ['transport']],
  gaps: ['plexus_bus_gaps_total', 'Times a subscriber was told it may have missed events.', ['transport', 'reason']],
};

function counter(which: Names): Counter<string> {
  const [name, help, labelNames] = HELP[which];
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames });
}

export class BusMetrics {
  private readonly counts: BusStats = { published: 0, received: 0, malformed: 0, gaps: 0 };

  constructor(private readonly transport: BusTransport) {}

  published(): void {
    this.counts.published++;
    counter('published').inc({ transport: this.transport });
  }
  received(): void {
    this.counts.received++;
    counter('received').inc({ transport: this.transport });
  }
  malformed(): void {
    this.counts.malformed++;
    counter('malformed').inc({ transport: this.transport });
  }
  gap(reason: GapReason): void {
    this.counts.gaps++;
    counter('gaps').inc({ transport: this.transport, reason });
  }
  snapshot(): BusStats {
    return { ...this.counts };
  }
}
