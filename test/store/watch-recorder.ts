// What the store suites hear from a watch, kept for assertions.
import type { WatchEvent, WatchHandler } from '../../lib/store/store.js';

/** Collects what a watch delivers. */
export class WatchRecorder<T = unknown> implements WatchHandler<T> {
  readonly events: WatchEvent<T>[] = [];
  readonly resyncs: string[] = [];
  onEvents(events: WatchEvent<T>[]): void {
    this.events.push(...events);
  }
  onResync(reason: string): void {
    this.resyncs.push(reason);
  }
  has(key: string): boolean {
    return this.events.some((e) => e.key === key);
  }
  count(type: WatchEvent['type'], key: string): number {
    return this.events.filter((e) => e.type === type && e.key === key).length;
  }
}
