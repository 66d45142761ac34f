// Publish-side envelope construction: one builder per bus instance owns the epoch and the
// per-type sequence counters (see sequence.ts for why they count per type).
import { randomUUID } from 'node:crypto';
import { ResourceExhaustedError, ValidationError, violationsFromZod } from '../errors.js';
import { isClusterName } from '../model/names.js';
import type { PublishInput } from './bus.js';
import { EVENT_KINDS, EVENT_TYPE_PREFIX, envelopeSchema, subjectFor, type Envelope, type EventKind } from './envelope.js';

/** nats-server's default max_payload; the in-process bus enforces the same. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);

export interface BuiltEvent {
  envelope: Envelope;
  /** `plexus.<cluster>.<kind>` */
  subject: string;
  payload: string;
}

export class EnvelopeBuilder {
  /** Random per builder, i.e. per bus instance: changes whenever a publisher restarts. */
  readonly epoch = randomUUID();
  /** `/plexus/<cluster>/<service>/<replica>` */
  readonly source: string;
  private readonly sequences = new Map<EventKind, number>();

  /** `source` is `<service>/<replica>`, e.g. `registry/replica-1`. */
  constructor(readonly cluster: string, source: string) {
    const violations = [];
    if (!isClusterName(cluster)) violations.push({ path: 'cluster', message: `must be a DNS label (got '${cluster}')` });
    if (!/^[^/\s]+\/[^/\s]+$/.test(source)) {
      violations.push({ path: 'source', message: `must be '<service>/<replica>' (got '${source}')` });
    }
    if (violations.length > 0) throw new ValidationError(violations);
    this.source = `/plexus/${cluster}/${source}`;
  }

  /**
   * Builds and validates the envelope. Throws ValidationError (with field paths) on bad
   * input, ResourceExhaustedError when too large, both without consuming a sequence number. Once this returns, the number is used: if
   * sending then fails, subscribers see the hole at this publisher's next event of the kind.
   */
  build(input: PublishInput, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): BuiltEvent {
    if (!KINDS.has(input.kind)) {
      throw new ValidationError([{ path: 'kind', message: `must be one of ${EVENT_KINDS.join(', ')} (got '${String(input.kind)}')` }]);
    }
    const sequence = (this.sequences.get(input.kind) ?? 0) + 1;
    const candidate = {
      specversion: '1.0',
      id: randomUUID(),
      type: `${EVENT_TYPE_PREFIX}${input.kind}`,
      source: this.source,
      time: new Date().toISOString(),
      subject: input.subject,
      datacontenttype: 'application/json',
      data: input.data,
      cluster: this.cluster,
      revision: input.revision,
      sequence,
      epoch: this.epoch,
      ...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
    };
    const parsed = envelopeSchema.safeParse(candidate);
    if (!parsed.success) throw new ValidationError(violationsFromZod(parsed.error.issues));
    if (parsed.data.data === undefined) {
      throw new ValidationError([{ path: 'data', message: 'is required (use null for no data)' }]);
    }
    let payload: string;
    try {
      payload = JSON.stringify(parsed.data);
    } catch (err) {
      throw new ValidationError([{ path: 'data', message: `must be JSON-serialisable: ${(err as Error).message}` }]);
    }
    const bytes = Buffer.byteLength(payload);
    if (bytes > maxPayloadBytes) {
      throw new ResourceExhaustedError(`event of ${bytes} bytes exceeds the bus limit of ${maxPayloadBytes} bytes`);
    }
    this.sequences.set(input.kind, sequence);
    return { envelope: parsed.data, subject: subjectFor(this.cluster, input.kind), payload };
  }
}
