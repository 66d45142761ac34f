// The registry's Watch RPC: a snapshot of the matching instances (when asked from revision 0,
// and again whenever store history is lost), then every change in store order. Each call runs
// its own list-watch (lib/watch); the server keeps the records it has sent so a deletion can
// carry the last record and whether it was a deregistration or an expiry.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { UnavailableError } from '../../lib/errors.js';
import { toGrpcError } from '../../lib/grpc/status.js';
import { instanceRecordSchema, type InstanceRecord } from '../../lib/model/instance.js';
import { parseStoreKey } from '../../lib/model/names.js';
import type { InstanceChange } from '../../lib/proto/gen/plexus/registry/v1/InstanceChange.js';
import type { WatchRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/WatchRequest.js';
import type { WatchResponse } from '../../lib/proto/gen/plexus/registry/v1/WatchResponse.js';
import { recordToProto } from '../../lib/registry-client/instance-proto.js';
import { instancesPrefix } from '../../lib/store/keys.js';
import type { ListResult, Store, WatchEvent } from '../../lib/store/store.js';
import { decoded, WatchStreamSession, type StoreCall, type Undecodable } from '../../lib/grpc/edge/index.js';
import { parseWatch, type WatchInput } from './validation.js';

/** An open server stream the registry ends (with UNAVAILABLE) when it shuts down. */
export interface StreamSession {
  shutdown(): void;
}

/** Changes per message in a snapshot. */
const SNAPSHOT_CHUNK = 500;
/** Messages queued for a client that does not read; beyond this the stream is ended. */
const MAX_QUEUED_MESSAGES = 10_000;

export interface WatchDeps {
  store: Store;
  call: StoreCall;
  cluster: string;
  logger: Logger;
  /** Open streams, so the server can end them on shutdown. */
  sessions: Set<StreamSession>;
  /** Throws (UNAUTHENTICATED / PERMISSION_DENIED) when the caller may not watch. */
  authorize?: (call: Call) => void;
}

type Call = grpc.ServerWritableStream<WatchRequest__Output | Undecodable, WatchResponse>;

export function watchHandler(deps: WatchDeps): grpc.handleServerStreamingCall<WatchRequest__Output | Undecodable, WatchResponse> {
  return (call) => {
    let input: WatchInput;
    try {
      deps.authorize?.(call);
      input = parseWatch(decoded(call.request, 'WatchRequest'));
    } catch (err) {
      call.emit('error', toGrpcError(err));
      return;
    }
    const session = new WatchSession(call, input, deps);
    deps.sessions.add(session);
    void session.run();
  };
}

class WatchSession extends WatchStreamSession<unknown, WatchResponse> implements StreamSession {
  private readonly known = new Map<string, InstanceRecord>();

  constructor(rpc: Call, private readonly input: WatchInput, private readonly deps: WatchDeps) {
    super(rpc, {
      store: deps.store,
      prefix: input.namespace === undefined ? instancesPrefix(deps.cluster) : instancesPrefix(deps.cluster, input.namespace, input.service),
      fromRevision: input.fromRevision,
      call: (op, fn) => deps.call(op === 'list' ? 'list instances' : 'watch instances', fn),
      logger: deps.logger,
      sessions: deps.sessions,
      maxQueued: MAX_QUEUED_MESSAGES,
      notReading: `watcher is not reading (${MAX_QUEUED_MESSAGES} messages queued); watch again from the last revision received`,
    });
  }

  shutdown(): void {
    this.fail(new UnavailableError('registry replica is shutting down; watch another replica from the last revision'));
  }

  protected onSnapshot(listing: ListResult<unknown>): void {
    this.known.clear();
    const changes: InstanceChange[] = [];
    for (const kv of listing.items) {
      const record = this.decode(kv.value);
      if (!record || !this.matches(record)) continue;
      this.known.set(kv.key, record);
      changes.push({ type: 'CHANGE_TYPE_PUT', instance: recordToProto(record, kv.revision), revision: kv.revision });
    }
    // The first chunk says "snapshot": forget everything, then apply this and what follows.
    for (let i = 0; i === 0 || i < changes.length; i += SNAPSHOT_CHUNK) {
      this.send({ changes: changes.slice(i, i + SNAPSHOT_CHUNK), revision: listing.revision, snapshot: i === 0 });
    }
  }

  protected onChanges(events: WatchEvent<unknown>[]): void {
    const changes: InstanceChange[] = [];
    let revision = 0;
    for (const ev of events) {
      revision = Math.max(revision, ev.revision);
      if (ev.type === 'put') {
        const record = this.decode(ev.value);
        if (!record || !this.matches(record)) continue;
        this.known.set(ev.key, record);
        changes.push({ type: 'CHANGE_TYPE_PUT', instance: recordToProto(record, ev.revision), revision: ev.revision });
      } else {
        const prev = this.known.get(ev.key) ?? this.decode(ev.prevValue);
        this.known.delete(ev.key);
        if (prev && !this.matches(prev)) continue;
        changes.push({
          type: 'CHANGE_TYPE_DELETE',
          instance: prev ? recordToProto(prev, ev.revision) : refFromKey(ev.key, this.deps.cluster),
          revision: ev.revision,
          reason: prev === undefined ? 'REMOVAL_REASON_UNSPECIFIED' : prev.deregistering ? 'REMOVAL_REASON_DEREGISTERED' : 'REMOVAL_REASON_EXPIRED',
        });
      }
    }
    if (changes.length > 0) this.send({ changes, revision, snapshot: false });
  }

  private matches(record: InstanceRecord): boolean {
    return this.input.service === undefined || record.service === this.input.service;
  }

  private decode(value: unknown): InstanceRecord | undefined {
    if (value === undefined) return undefined;
    const parsed = instanceRecordSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }
}

/** For a deletion the stream knows nothing about: namespace, service and id from the key. */
function refFromKey(key: string, cluster: string): { id: string; namespace: string; service: string; cluster: string } {
  const parsed = parseStoreKey(key);
  return parsed?.area === 'instances' ? { id: parsed.id, namespace: parsed.namespace, service: parsed.service, cluster } : { id: '', namespace: '', service: '', cluster };
}
