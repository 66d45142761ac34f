// What every EventBus transport shares: the envelope builder that stamps source and epoch, and
// refusing new work once closed. The transports differ only in how bytes travel.
import { UnavailableError } from '../errors.js';
import type { EnvelopeBuilder } from './envelope-builder.js';

export abstract class EnvelopeBus {
  protected closed = false;

  protected constructor(protected readonly builder: EnvelopeBuilder) {}

  get source(): string {
    return this.builder.source;
  }
  get epoch(): string {
    return this.builder.epoch;
  }

  /** Throws UNAVAILABLE once the bus is closed. */
  protected assertOpen(): void {
    if (this.closed) throw new UnavailableError('event bus is closed');
  }
}
