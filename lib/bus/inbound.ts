// Receive pipeline shared by every transport, one per subscription: decode and validate each
// message, ignore other clusters, drop duplicates, report sequence gaps, then hand the event
// to the handler. Nothing a peer sends can make this throw; handler errors are logged.
import type { Logger } from 'pino';
import type { GapReason, SubscriptionHandler } from './bus.js';
import { EVENT_TYPE_PREFIX, envelopeSchema, type Envelope } from './envelope.js';
import type { BusMetrics } from './metrics.js';
import { SequenceTracker } from './sequence.js';

const PREVIEW_CHARS = 120;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/** Parse and validate one message received on `subject` (`plexus.<cluster>.<kind>`). */
export function decodeEvent(subject: string, payload: Uint8Array | string): DecodeResult {
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : utf8.decode(payload);
  } catch {
    return { ok: false, reason: 'not UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, reason: `invalid envelope: ${issues.join('; ')}` };
  }
  const env = parsed.data;
  // The subject is `plexus.<cluster>.<kind>`: the envelope must agree with where it was sent,
  // or a subscription pattern would select events it did not ask for.
  const expected = `plexus.${env.cluster}.${env.type.slice(EVENT_TYPE_PREFIX.length)}`;
  if (expected !== subject) return { ok: false, reason: `type/cluster do not match subject (expected subject ${expected})` };
  return { ok: true, envelope: env };
}

function preview(payload: Uint8Array | string): string {
  const text = typeof payload === 'string' ? payload.slice(0, PREVIEW_CHARS) : Buffer.from(payload.subarray(0, PREVIEW_CHARS)).toString('latin1');
  return text;
}

export interface InboundOptions {
  cluster: string;
  /** Full subject pattern, for logs. */
  subject: string;
  handler: SubscriptionHandler;
  metrics: BusMetrics;
  logger: Logger;
}

export class Inbound {
  private readonly tracker = new SequenceTracker();
  private closed = false;

  constructor(private readonly opts: InboundOptions) {}

  close(): void {
    this.closed = true;
  }

  receive(subject: string, payload: Uint8Array | string): void {
    if (this.closed) return;
    const { logger, metrics } = this.opts;
    // Cheap pre-check on the subject: other clusters' events are not ours (federation later
    // uses its own subjects). Transports already filter by `plexus.<cluster>.`.
    if (!subject.startsWith(`plexus.${this.opts.cluster}.`)) return;
    const decoded = decodeEvent(subject, payload);
    if (!decoded.ok) {
      metrics.malformed();
      logger.warn(
        { subject, bytes: typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length, preview: preview(payload), reason: decoded.reason },
        'dropped malformed event',
      );
      return;
    }
    const env = decoded.envelope;
    const verdict = this.tracker.observe(env);
    if (!verdict.deliver) {
      logger.debug({ subject, duplicate: verdict.duplicate }, 'dropped duplicate event');
      return;
    }
    if (verdict.gap !== undefined) this.gap('sequence-gap', verdict.gap);
    if (this.closed) return;
    metrics.received();
    this.call('onEvent', () => this.opts.handler.onEvent(env));
  }

  gap(reason: GapReason, detail: string): void {
    if (this.closed) return;
    this.opts.metrics.gap(reason);
    this.opts.logger.info({ subject: this.opts.subject, reason, detail }, 'event gap: subscriber must re-list');
    this.call('onGap', () => this.opts.handler.onGap(reason, detail));
  }

  /** Handlers must not throw; if one does (or returns a rejected promise), log it and go on. */
  private call(what: string, fn: () => unknown): void {
    const fail = (err: unknown): void => {
      this.opts.logger.error({ err, subject: this.opts.subject }, `event handler ${what} failed`);
    };
    try {
      const result = fn();
      if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, fail);
      }
    } catch (err) {
      fail(err);
    }
  }
}
