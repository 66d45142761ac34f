// The bus factory: services build their bus from validated config and their identity.
import type { Logger } from 'pino';
import { z } from 'zod';
import { splitCommas } from '../config/fields.js';
import type { EventBus } from './bus.js';
import { defaultHub, MemoryBus, type MemoryHub } from './memory-bus.js';
import { NatsBus } from './nats-bus.js';

export type { EventBus, PublishInput, Subscription, SubscriptionHandler, GapReason, BusStats } from './bus.js';
export { envelopeSchema, subjectFor, eventKindOf, EVENT_KINDS, type Envelope, type EventKind } from './envelope.js';
export { MemoryBus, MemoryHub, defaultHub } from './memory-bus.js';
export { NatsBus, type NatsBusOptions } from './nats-bus.js';

/** `nats://host:port`, `tls://host:port` or `host:port`. */
const NATS_SERVER = /^((nats|tls):\/\/)?[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

export const busConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memory') }).strict(),
  z
    .object({
      kind: z.literal('nats'),
      servers: z.preprocess(
        splitCommas,
        z.array(z.string().regex(NATS_SERVER, "must be 'nats://host:port' or 'host:port'")).min(1, 'needs at least one server'),
      ),
      name: z.string().min(1).max(128).optional(),
    })
    .strict(),
]);

export type BusConfig = z.infer<typeof busConfigSchema>;

export interface BusIdentity {
  cluster: string;
  service: string;
  replica: string;
}

/**
 * Builds the configured bus. `memory` attaches to `hub` (default: the process-wide
 * `defaultHub`, so dev mode's services see each other). `nats` connects once and throws
 * UnavailableError if no server answers in time.
 */
export async function createBus(
  config: BusConfig,
  ident: BusIdentity,
  logger: Logger,
  options: { hub?: MemoryHub } = {},
): Promise<EventBus> {
  const source = `${ident.service}/${ident.replica}`;
  switch (config.kind) {
    case 'memory':
      return new MemoryBus({ cluster: ident.cluster, source, logger, hub: options.hub ?? defaultHub });
    case 'nats':
      return NatsBus.connect({
        servers: config.servers,
        ...(config.name === undefined ? {} : { name: config.name }),
        cluster: ident.cluster,
        source,
        logger,
      });
  }
}
