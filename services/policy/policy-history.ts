// Bounded per-policy history: one store key per change,
//   metaKey(cluster, 'history', kind, namespace, name, <revision padded to 20 digits>),
// so replicas writing history for the same policy never contend, and keys sort by revision.
// After each write the oldest entries beyond `limit` are deleted. History is an audit aid:
// a failure to record it is logged, never turned into a failed write (the change is stored).
import type { Logger } from 'pino';
import { historySegment, type HistoryEntry, type PolicyKind } from '../../lib/policy/index.js';
import { metaKey } from '../../lib/store/keys.js';
import type { Store } from '../../lib/store/store.js';

export interface PolicyRefLike {
  kind: PolicyKind;
  namespace: string;
  name: string;
}

export class PolicyHistory {
  constructor(
    private readonly store: Store,
    private readonly cluster: string,
    private readonly limit: number,
    private readonly logger: Logger,
  ) {}

  prefix(ref: PolicyRefLike): string {
    return `${metaKey(this.cluster, 'history', ref.kind, ref.namespace, ref.name)}/`;
  }

  async record(ref: PolicyRefLike, entry: HistoryEntry): Promise<void> {
    try {
      await this.store.put(this.prefix(ref) + historySegment(entry.revision), entry);
      const { items } = await this.store.list<HistoryEntry>(this.prefix(ref));
      const excess = items.length - this.limit;
      for (let i = 0; i < excess; i++) await this.store.delete(items[i]!.key);
    } catch (err) {
      this.logger.warn({ err, ref, revision: entry.revision }, 'could not record policy history');
    }
  }

  /** Newest first, at most `limit` entries. */
  async list(ref: PolicyRefLike, limit: number): Promise<HistoryEntry[]> {
    const { items } = await this.store.list<HistoryEntry>(this.prefix(ref));
    return items
      .map((kv) => kv.value)
      .sort((a, b) => b.revision - a.revision)
      .slice(0, limit);
  }
}
