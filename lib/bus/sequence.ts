// Receipt-side gap detection. Every publisher stamps each event with its epoch (random per
// bus instance, so it changes on restart) and a sequence number that counts 1, 2, 3… per
// (source, epoch, event type). Counting per type, not per publisher, lets a subscription to
// any subset of kinds (`instance.expired`, `policy.>`) detect gaps exactly: a subject pattern
// always selects whole types, so it sees every sequence number of the streams it follows.
import type { Envelope } from './envelope.js';

export type SequenceVerdict =
  | { deliver: true; gap?: string }
  | { deliver: false; duplicate: string };

interface StreamState {
  epoch: string;
  last: number;
}

/**
 * Tracks (source, type) → (epoch, last sequence) for one subscription.
 * - first event of an unknown stream: accepted whatever its number (we subscribed late; the
 *   consumer's initial list from the store covers what came before);
 * - next number: accepted; a jump: accepted and reported as a gap;
 * - a number ≤ the last one of the same epoch: a duplicate, dropped;
 * - a new epoch from a known stream: a publisher restart, not a gap if it starts at 1,
 *   a gap if it starts higher (we missed its first events).
 * Bounded: the least recently seen streams are forgotten beyond `maxStreams`.
 */
export class SequenceTracker {
  private readonly streams = new Map<string, StreamState>();

  constructor(private readonly maxStreams = 10_000) {}

  observe(env: Pick<Envelope, 'source' | 'type' | 'epoch' | 'sequence'>): SequenceVerdict {
    const key = `${env.source} ${env.type}`;
    const prev = this.streams.get(key);
    if (prev && prev.epoch === env.epoch && env.sequence <= prev.last) {
      return { deliver: false, duplicate: `${key} epoch ${env.epoch}: sequence ${env.sequence} ≤ last ${prev.last}` };
    }
    // Delete then set keeps Map order = recency, so eviction drops the stalest stream.
    this.streams.delete(key);
    this.streams.set(key, { epoch: env.epoch, last: env.sequence });
    if (this.streams.size > this.maxStreams) {
      const oldest = this.streams.keys().next();
      if (!oldest.done) this.streams.delete(oldest.value);
    }
    if (!prev) return { deliver: true };
    if (prev.epoch === env.epoch) {
      if (env.sequence === prev.last + 1) return { deliver: true };
      const missed = env.sequence - prev.last - 1;
      return {
        deliver: true,
        gap: `${key} epoch ${env.epoch}: expected sequence ${prev.last + 1}, got ${env.sequence} (${missed} missed)`,
      };
    }
    if (env.sequence === 1) return { deliver: true };
    return {
      deliver: true,
      gap: `${key}: new epoch ${env.epoch} starts at sequence ${env.sequence} (${env.sequence - 1} missed)`,
    };
  }
}
