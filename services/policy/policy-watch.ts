// The policy Watch RPC. From revision 0 (or whenever store history is lost) the client gets
// RESET, one PUT per current policy and SYNCED; then every change in store order. Each call
// runs its own list-watch (lib/watch), closed when the client goes away or the server shuts down.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ValidationError } from '../../lib/errors.js';
import { WatchStreamSession } from '../../lib/grpc/edge/index.js';
import { isDnsLabel } from '../../lib/model/names.js';
import { isPolicyKind, policyKindList, refFromStoreKey, type PolicyRecord, type PolicyRef } from '../../lib/policy/index.js';
import type { PolicyObject } from '../../lib/proto/gen/plexus/policy/v1/PolicyObject.js';
import type { WatchEvent } from '../../lib/proto/gen/plexus/policy/v1/WatchEvent.js';
import type { WatchRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/WatchRequest.js';
import { policiesPrefix } from '../../lib/store/keys.js';
import type { KeyValue, ListResult, Store, WatchEvent as StoreEvent } from '../../lib/store/store.js';
import { toPolicyObject } from './policy-proto.js';

export interface WatchDeps {
  store: Store;
  cluster: string;
  logger: Logger;
  maxQueue: number;
  /** Open sessions, so the server can end them on shutdown. */
  sessions: Set<{ end(): void }>;
}

export interface WatchInput {
  kind: string | undefined;
  namespace: string | undefined;
  fromRevision: number;
}

export function parseWatchRequest(req: WatchRequest__Output): WatchInput {
  const violations = [];
  if (req.kind && !isPolicyKind(req.kind)) violations.push({ path: 'kind', message: `must be empty or one of ${policyKindList()}` });
  if (req.namespace && !isDnsLabel(req.namespace)) violations.push({ path: 'namespace', message: 'must be empty or a DNS-1123 label' });
  if (!Number.isSafeInteger(req.fromRevision) || req.fromRevision < 0) violations.push({ path: 'from_revision', message: 'must be ≥ 0' });
  if (violations.length) throw new ValidationError(violations);
  return { kind: req.kind || undefined, namespace: req.namespace || undefined, fromRevision: req.fromRevision };
}

export class WatchSession extends WatchStreamSession<PolicyRecord, WatchEvent> {
  constructor(
    call: grpc.ServerWritableStream<WatchRequest__Output, WatchEvent>,
    private readonly input: WatchInput,
    private readonly deps: WatchDeps,
  ) {
    super(call, {
      store: deps.store,
      prefix: input.kind ? policiesPrefix(deps.cluster, input.kind, input.namespace) : policiesPrefix(deps.cluster),
      fromRevision: input.fromRevision,
      logger: deps.logger,
      sessions: deps.sessions,
      maxQueued: deps.maxQueue,
      notReading: `watch client is not reading: more than ${deps.maxQueue} events queued`,
    });
  }

  /** RESET, one PUT per policy, SYNCED: the client replaces what it holds. */
  protected onSnapshot(listing: ListResult<PolicyRecord>): void {
    this.send({ type: 'RESET', revision: listing.revision });
    for (const kv of listing.items) {
      const ref = this.refOf(kv.key);
      if (ref) this.send({ type: 'PUT', revision: kv.revision, policy: toPolicyObject(ref, kv) });
    }
    this.send({ type: 'SYNCED', revision: listing.revision });
  }

  protected onChanges(events: StoreEvent<PolicyRecord>[]): void {
    for (const ev of events) this.forward(ev);
  }

  private forward(ev: StoreEvent<PolicyRecord>): void {
    const ref = this.refOf(ev.key);
    if (!ref) return;
    if (ev.type === 'put') {
      const kv: KeyValue<PolicyRecord> = { key: ev.key, value: ev.value, revision: ev.revision, createRevision: ev.createRevision };
      this.send({ type: 'PUT', revision: ev.revision, policy: toPolicyObject(ref, kv) });
    } else {
      const policy: PolicyObject = { kind: ref.kind, namespace: ref.namespace, name: ref.name, revision: ev.revision };
      this.send({ type: 'DELETE', revision: ev.revision, policy });
    }
  }

  /** Keys under the prefix that are policies this watch asked for (namespace filter without kind). */
  private refOf(key: string): PolicyRef | undefined {
    const ref = refFromStoreKey(this.deps.cluster, key);
    if (!ref) return undefined;
    if (this.input.namespace && ref.namespace !== this.input.namespace) return undefined;
    return ref;
  }
}
