// The protocol state of one proxy's discovery stream, per resource type: subscriptions, what
// the proxy holds (sent), what it acknowledged, what it rejected, and responses awaiting an
// ACK. Pure logic over the resource cache: no gRPC here (delta-stream.ts does the I/O), so the
// rules of DESIGN.md "Discovery protocol" are testable on their own.
//
// Rules:
// - a response carries only resources whose current version differs from what the proxy holds;
// - a version the proxy rejected (NACK) is not sent again; the next different version is. The
//   proxy reports what it rejected on earlier streams (`rejected_versions` on its first request
//   per type), so the quarantine survives reconnects and moves to another replica; no store
//   write is needed and a store outage cannot lose it;
// - a resumed stream (`initial_versions`) counts what the proxy holds as held and acked;
// - removals go to proxies that hold the resource, and explicitly subscribed names that do not
//   exist are answered once in `removed_resources` (so an on-demand lookup is not left hanging);
// - at most `maxInflight` unacknowledged responses per type; beyond that changes wait (only the
//   newest version of each resource, by name), so a proxy that never ACKs costs bounded memory;
// - with `offerBases` (a proxy that applies deltas), a response names for each resource the
//   version the proxy holds AND acknowledged (`bases`): the stream may send the change from that
//   version instead of the whole body. A NACK with FAILED_PRECONDITION of a response that offered
//   bases means "I do not hold that base": its versions are not quarantined but resent whole
//   (once: the resend offers no base, so a second such NACK is an ordinary rejection).
import type { CachedResource } from '../../lib/mesh/resource-cache.js';
import { RESOURCE_TYPES, WILDCARD, type ResourceType } from '../../lib/mesh/resources.js';

/** Marker in sent/nacked maps: the proxy was told the resource does not exist. */
export const ABSENT = '';

/** What a session needs of a resource: the xDS encoding serves its own resources through the same rules. */
export interface SessionResource {
  name: string;
  version: string;
  /** performance.now() of the change that produced this version. */
  changedAt: number;
}

/** gRPC FAILED_PRECONDITION: the NACK code of a proxy that does not hold a delta's base. */
export const BASE_MISMATCH_CODE = 9;

export interface ResourceSource<T extends string = ResourceType, R extends SessionResource = CachedResource> {
  get(type: T, name: string): R | undefined;
  names(type: T): IterableIterator<string>;
}

export interface NackRecord {
  nonce: string;
  code: number;
  message: string;
  at: Date;
  rejected: Array<{ name: string; version: string }>;
}

export interface Inflight {
  nonce: string;
  resources: Map<string, string>;
  removed: string[];
  sentAt: number;
  /**
   * name → performance.now() of the change that produced the version, for versions that
   * changed while this stream was open (the convergence metric; initial sends are not changes).
   */
  changedAt: Map<string, number>;
  /** Names whose response offered a base (see `bases` of OutgoingResponse); absent when none. */
  bases?: Map<string, string>;
}

export interface OutgoingResponse<T extends string = ResourceType, R extends SessionResource = CachedResource> {
  type: T;
  nonce: string;
  resources: R[];
  removed: string[];
  /** Resources whose version changed while the stream was open (not initial sends). */
  changes: R[];
  /** name → the version the proxy holds and acknowledged, a base for a delta (only with `offerBases`). */
  bases: Map<string, string>;
}

export interface AckResult<T extends string = ResourceType> {
  type: T;
  nonce: string;
  /** undefined for an ACK. */
  nack?: NackRecord;
  /** Resources applied by this ACK and when their change happened. */
  acked: Array<{ name: string; version: string; changedAt: number | undefined }>;
  /** The nonce was unknown (stale, or from another stream): nothing recorded. */
  unknown: boolean;
}

const NO_VERSIONS: ReadonlyMap<string, string> = new Map();
const NO_NAMES: ReadonlySet<string> = new Set();
const NO_INFLIGHT: ReadonlyMap<string, Inflight> = new Map();

export class TypeState<T extends string = ResourceType> {
  wildcard = false;
  readonly names = new Set<string>();
  /** A request for this type has been seen. */
  started = false;
  /** Send a response on the next flush even if it is empty (a fresh subscription). */
  respondEmpty = false;
  readonly sent = new Map<string, string>();
  readonly acked = new Map<string, string>();
  /** Names to send whole next time (the proxy said it did not hold the base of a delta). */
  /** Made on first use: most streams never need it, and every proxy's session costs heap. */
  noDelta: Set<string> | undefined;
  lastNack: NackRecord | undefined;
  /** Epoch ms of the last ACK (a number, not a Date: one object fewer per proxy and type, and per ACK). */
  lastAckAt: number | undefined;
  // Rejections, queued names and responses in flight are empty at steady state: each is made
  // when its first entry comes and dropped with its last (an empty Map or Set is ~180 B of
  // heap, and every connected proxy has one of each per type).
  private nackedNames: Map<string, string> | undefined;
  private dirtyNames: Set<string> | undefined;
  private inflightByNonce: Map<string, Inflight> | undefined;

  constructor(readonly type: T) {}

  /** Versions the proxy rejected (name → version, ABSENT = a removal). */
  get nacked(): ReadonlyMap<string, string> {
    return this.nackedNames ?? NO_VERSIONS;
  }

  /** Names whose state may need a response. */
  get dirty(): ReadonlySet<string> {
    return this.dirtyNames ?? NO_NAMES;
  }

  /** Responses awaiting an ACK, oldest first, by nonce. */
  get inflight(): ReadonlyMap<string, Inflight> {
    return this.inflightByNonce ?? NO_INFLIGHT;
  }

  setNacked(name: string, version: string): void {
    (this.nackedNames ??= new Map()).set(name, version);
  }

  unNack(name: string): void {
    if (this.nackedNames?.delete(name) && this.nackedNames.size === 0) this.nackedNames = undefined;
  }

  markDirty(name: string): void {
    (this.dirtyNames ??= new Set()).add(name);
  }

  unDirty(name: string): void {
    if (this.dirtyNames?.delete(name) && this.dirtyNames.size === 0) this.dirtyNames = undefined;
  }

  clearDirty(): void {
    this.dirtyNames = undefined;
  }

  addInflight(inflight: Inflight, key = inflight.nonce): void {
    (this.inflightByNonce ??= new Map()).set(key, inflight);
  }

  removeInflight(nonce: string): void {
    if (this.inflightByNonce?.delete(nonce) && this.inflightByNonce.size === 0) this.inflightByNonce = undefined;
  }

  subscribed(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /** Newest response still waiting for its ACK. */
  get pendingNonce(): string {
    let last = '';
    for (const n of this.inflight.keys()) last = n;
    return last;
  }
}

export interface SessionOptions {
  /** Unique prefix for this stream's nonces (replica + stream id). */
  noncePrefix: string;
  maxInflight: number;
}

/** Session rules over any set of resource types; the Plexus protocol's by default. */
export class DeltaSession<T extends string = ResourceType, R extends SessionResource = CachedResource> {
  readonly types = new Map<T, TypeState<T>>();
  private nonceCounter = 0;
  /** performance.now() when the stream opened: older changes are initial state, not pushes of a change. */
  readonly openedAt = performance.now();
  /** The proxy applies deltas: responses name the bases it holds (set once the node is known). */
  offerBases = false;

  constructor(
    private readonly source: ResourceSource<T, R>,
    private readonly opts: SessionOptions,
    resourceTypes: readonly T[] = RESOURCE_TYPES as unknown as readonly T[],
  ) {
    for (const t of resourceTypes) this.types.set(t, new TypeState(t));
  }

  state(type: T): TypeState<T> {
    return this.types.get(type)!;
  }

  /**
   * Apply a subscription change (and, on the first request for a type, what the proxy already
   * holds). Returns the names that became subscribed (for the subscription index).
   */
  subscribe(
    type: T,
    subscribe: readonly string[],
    unsubscribe: readonly string[],
    initialVersions: Readonly<Record<string, string>> | undefined,
    rejectedVersions?: Readonly<Record<string, string>>,
    rejectedError?: { code: number; message: string },
  ): { added: string[]; removed: string[]; wildcardChanged: boolean } {
    const st = this.state(type);
    const added: string[] = [];
    const removed: string[] = [];
    const wasWildcard = st.wildcard;
    const first = !st.started;
    st.started = true;
    for (const name of subscribe) {
      if (name === WILDCARD) {
        if (!st.wildcard) {
          st.wildcard = true;
          for (const n of this.source.names(type)) st.markDirty(n);
        }
      } else if (!st.names.has(name)) {
        st.names.add(name);
        added.push(name);
        st.markDirty(name);
      }
    }
    for (const name of unsubscribe) {
      if (name === WILDCARD) {
        if (st.wildcard) {
          st.wildcard = false;
          // The proxy drops what it no longer subscribes to; forget it.
          for (const n of [...st.sent.keys()]) if (!st.names.has(n)) this.forget(st, n);
        }
      } else if (st.names.delete(name)) {
        removed.push(name);
        if (!st.wildcard) this.forget(st, name);
      }
    }
    if (first) {
      const held = Object.entries(initialVersions ?? {});
      for (const [name, version] of held) {
        if (!st.subscribed(name) || version === ABSENT) continue;
        st.sent.set(name, version);
        st.acked.set(name, version);
        st.markDirty(name);
      }
      // A fresh subscription is always answered; a resume only with what differs.
      st.respondEmpty = held.length === 0;
      const rejected = Object.entries(rejectedVersions ?? {}).filter(([name]) => st.subscribed(name));
      for (const [name, version] of rejected) {
        st.setNacked(name, version);
        st.markDirty(name);
      }
      if (rejected.length > 0) {
        st.lastNack = {
          nonce: '',
          code: rejectedError?.code ?? 2,
          message: rejectedError?.message ?? 'rejected on an earlier stream',
          at: new Date(),
          rejected: rejected.map(([name, version]) => ({ name, version })),
        };
      }
    }
    return { added, removed, wildcardChanged: wasWildcard !== st.wildcard };
  }

  /** The cache changed `name`: reconsider it if subscribed. Returns true when it is queued. */
  markChanged(type: T, name: string): boolean {
    const st = this.state(type);
    if (!st.subscribed(name) && !st.sent.has(name)) return false;
    st.markDirty(name);
    return true;
  }

  /** Whether a flush could send something now for `type`. */
  hasWork(type: T): boolean {
    const st = this.state(type);
    if (st.inflight.size >= this.opts.maxInflight) return false;
    return st.dirty.size > 0 || st.respondEmpty;
  }

  /** Names waiting for a response (all types). */
  get queued(): number {
    let n = 0;
    for (const st of this.types.values()) n += st.dirty.size;
    return n;
  }

  /**
   * Build the next response for `type` from the dirty names, record it as in flight and as
   * held by the proxy, or return undefined when nothing differs.
   */
  nextResponse(type: T): OutgoingResponse<T, R> | undefined {
    const st = this.state(type);
    if (st.inflight.size >= this.opts.maxInflight) return undefined;
    const resources: R[] = [];
    const removed: string[] = [];
    for (const name of st.dirty) {
      const cur = this.source.get(type, name);
      const held = st.sent.get(name);
      if (!st.subscribed(name)) {
        // Only reachable for names dropped by an unsubscribe: nothing to send.
        continue;
      }
      if (cur) {
        if (held === cur.version) continue;
        if (st.nacked.get(name) === cur.version) continue;
        resources.push(cur);
      } else {
        if (held === ABSENT) continue;
        if (held === undefined && !st.names.has(name)) continue;
        if (st.nacked.get(name) === ABSENT) continue;
        removed.push(name);
      }
    }
    st.clearDirty();
    if (resources.length === 0 && removed.length === 0 && !st.respondEmpty) return undefined;
    st.respondEmpty = false;
    const nonce = `${this.opts.noncePrefix}.${++this.nonceCounter}`;
    const inflight: Inflight = { nonce, resources: new Map(), removed, sentAt: performance.now(), changedAt: new Map() };
    const bases = new Map<string, string>();
    if (this.offerBases) {
      for (const r of resources) {
        const held = st.sent.get(r.name);
        if (held !== undefined && held !== ABSENT && held === st.acked.get(r.name) && !st.noDelta?.has(r.name)) bases.set(r.name, held);
      }
      if (bases.size > 0) inflight.bases = bases;
    }
    for (const r of resources) {
      st.sent.set(r.name, r.version);
      inflight.resources.set(r.name, r.version);
      if (r.changedAt >= this.openedAt) inflight.changedAt.set(r.name, r.changedAt);
    }
    for (const name of removed) {
      if (st.names.has(name)) st.sent.set(name, ABSENT);
      else st.sent.delete(name);
    }
    st.addInflight(inflight);
    return { type, nonce, resources, removed, changes: resources.filter((r) => r.changedAt >= this.openedAt), bases };
  }

  /** An ACK (no error) or NACK for `nonce` of `type`. */
  acknowledge(type: T, nonce: string, error: { code: number; message: string } | undefined): AckResult<T> {
    const st = this.state(type);
    const inflight = st.inflight.get(nonce);
    if (!inflight) return { type, nonce, acked: [], unknown: true };
    // Responses are answered in order: an answer to a later nonce implies the earlier ones
    // were processed the same way (gRPC streams are ordered), so settle those first.
    for (const [n, earlier] of st.inflight) {
      if (n === nonce) break;
      this.settle(st, earlier, error);
      st.removeInflight(n);
    }
    st.removeInflight(nonce);
    const result = this.settle(st, inflight, error);
    return { type, nonce, ...result, unknown: false };
  }

  private settle(
    st: TypeState<T>,
    inflight: Inflight,
    error: { code: number; message: string } | undefined,
  ): Pick<AckResult<T>, 'nack' | 'acked'> {
    if (!error) {
      const acked: AckResult<T>['acked'] = [];
      for (const [name, version] of inflight.resources) {
        if (!st.subscribed(name)) continue;
        st.acked.set(name, version);
        st.noDelta?.delete(name);
        st.unNack(name);
        acked.push({ name, version, changedAt: inflight.changedAt.get(name) });
      }
      for (const name of inflight.removed) {
        st.acked.delete(name);
        st.unNack(name);
      }
      st.lastAckAt = Date.now();
      return { acked };
    }
    // Rejected: the proxy keeps its last good config, so it holds what it last acked.
    const rejected: NackRecord['rejected'] = [];
    if (error.code === BASE_MISMATCH_CODE && inflight.bases) {
      // Not a rejection of the content: resend whole what the response offered as a delta.
      st.noDelta ??= new Set();
      for (const name of inflight.bases.keys()) st.noDelta.add(name);
      for (const name of [...inflight.resources.keys(), ...inflight.removed]) this.revertSent(st, name);
      const nack: NackRecord = { nonce: inflight.nonce, code: error.code, message: error.message, at: new Date(), rejected: [] };
      st.lastNack = nack;
      return { nack, acked: [] };
    }
    for (const [name, version] of inflight.resources) {
      rejected.push({ name, version });
      st.setNacked(name, version);
      this.revertSent(st, name);
    }
    for (const name of inflight.removed) {
      rejected.push({ name, version: ABSENT });
      st.setNacked(name, ABSENT);
      this.revertSent(st, name);
    }
    const nack: NackRecord = { nonce: inflight.nonce, code: error.code, message: error.message, at: new Date(), rejected };
    st.lastNack = nack;
    return { nack, acked: [] };
  }

  private revertSent(st: TypeState<T>, name: string): void {
    const acked = st.acked.get(name);
    if (acked === undefined) st.sent.delete(name);
    else st.sent.set(name, acked);
    // Reconsider: a newer version than the rejected one may already be current.
    st.markDirty(name);
  }

  private forget(st: TypeState<T>, name: string): void {
    st.sent.delete(name);
    st.acked.delete(name);
    st.unNack(name);
    st.noDelta?.delete(name);
    st.unDirty(name);
  }
}
