// Event envelope: CloudEvents 1.0 structured JSON plus Plexus extensions (DESIGN.md
// "Events on NATS"). Validated on publish and on receipt.
import { z } from 'zod';
import { DNS_LABEL_RE } from '../model/names.js';

export const EVENT_TYPE_PREFIX = 'dev.plexus.';

/** Subject tail after `plexus.<cluster>.` */
export const EVENT_KINDS = [
  'instance.registered',
  'instance.updated',
  'instance.deregistered',
  'instance.expired',
  'policy.applied',
  'policy.deleted',
  'identity.token-revoked',
  'identity.bundle-changed',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];


export const envelopeSchema = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1).max(128),
    /** `dev.plexus.<kind>`, e.g. `dev.plexus.instance.registered`. */
    type: z.string().startsWith(EVENT_TYPE_PREFIX),
    /** `/plexus/<cluster>/<service>/<replica-id>`: one publishing replica. */
    source: z.string().min(1).max(256),
    time: z.string().datetime({ offset: true }),
    /** What the event is about, e.g. `default/catalog/i-123` or `Route/default/catalog`. */
    subject: z.string().min(1).max(512),
    datacontenttype: z.literal('application/json').optional(),
    data: z.unknown(),
    cluster: z.string().regex(DNS_LABEL_RE),
    /** Store revision of the change this event announces. */
    revision: z.number().int().nonnegative(),
    /** Per publishing replica (source), epoch and type: 1, 2, 3… with no gaps (see lib/bus/sequence.ts). */
    sequence: z.number().int().positive(),
    /** Changes whenever a publisher restarts; a new epoch restarts the sequence at 1. */
    epoch: z.string().min(1).max(64),
    /**
     * CloudEvents distributed-tracing extension: the W3C traceparent of the operation that
     * caused the event (e.g. a policy Apply), so consumers' spans join its trace.
     */
    traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/).optional(),
    tracestate: z.string().max(512).optional(),
  })
  .strict();

export type Envelope = z.infer<typeof envelopeSchema>;

export function eventKindOf(env: Pick<Envelope, 'type'>): string {
  return env.type.slice(EVENT_TYPE_PREFIX.length);
}

export function subjectFor(cluster: string, kind: EventKind): string {
  return `plexus.${cluster}.${kind}`;
}
