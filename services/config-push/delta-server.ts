// How to stream: the discovery server. Owns the open streams, an index of who subscribes to
// what, and the flush scheduling; takes resource changes from the cache (what to serve) and
// marks them on exactly the streams that subscribe to them. Writing happens in one batch per
// event-loop turn, so a burst of changes becomes at most one response per stream and type.
import type * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { PermissionDeniedError, PlexusError } from '../../lib/errors.js';
import type { Workload } from '../../lib/identity/peer-identity.js';
import { toGrpcError } from '../../lib/grpc/status.js';
import type { ResourceChange } from '../../lib/mesh/resource-cache.js';
import { RESOURCE_TYPES, type ResourceType } from '../../lib/mesh/resources.js';
import type { DeltaRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import type { AckResult, ResourceSource } from './delta-session.js';
import { EndpointDeltas, type VersionHistory } from './endpoint-deltas.js';
import { DeltaStream, type ConnectedProxy, type DeltaCall, type StreamHost } from './delta-stream.js';
import { configPushMetrics } from './metrics.js';
import { StreamSet } from './stream-set.js';

export interface DeltaServerOptions {
  cache: ResourceSource & VersionHistory & { onChanges(listener: (changes: ResourceChange[]) => void): () => void };
  /** Send Endpoints deltas to proxies that can apply them (default true). */
  endpointDeltas?: boolean;
  cluster: string;
  replica: string;
  maxNames: number;
  maxInflight: number;
  viewRevision: () => number;
  logger: Logger;
  /**
   * The workload behind a new stream, from its verified certificate; throws UNAUTHENTICATED
   * when it has none. Undefined only with insecure: true (plaintext, nobody is identified).
   */
  identify?: ((call: grpc.ServerDuplexStream<DeltaRequest__Output, DeltaResponse>) => Workload) | undefined;
}

export type ActivityListener = () => void;

/**
 * A proxy whose stream to this replica ended, with what it subscribed to: rollout tracking
 * counts it as DISCONNECTED while its instance stays registered (it should hold changes to
 * those resources but cannot get them), proxy-status reports how long it has been gone.
 */
export interface DepartedProxy {
  instanceId: string;
  namespace: string;
  service: string;
  at: Date;
  subscriptions: Map<ResourceType, { wildcard: boolean; names: Set<string> }>;
}

/** Departed proxies remembered per replica (oldest forgotten first). */
const MAX_DEPARTED = 10_000;

export class DeltaServer implements StreamHost {
  readonly source: ResourceSource;
  readonly cluster: string;
  readonly maxNames: number;
  readonly maxInflight: number;
  readonly noncePrefix: string;
  readonly replica: string;
  readonly endpointDeltas: EndpointDeltas | undefined;
  private readonly opts: DeltaServerOptions;
  private readonly logger: Logger;
  private readonly streams: StreamSet<DeltaStream>;
  private readonly byInstance = new Map<string, DeltaStream>();
  private readonly index = new Map<ResourceType, Map<string, Set<DeltaStream>>>();
  private readonly wildcard = new Map<ResourceType, Set<DeltaStream>>();
  private readonly activity = new Set<ActivityListener>();
  /** Clients of other encodings (xDS), shown in status and counted in rollouts. */
  private readonly attached = new Set<ConnectedProxy>();
  private readonly departedById = new Map<string, DepartedProxy>();
  private readonly unsubscribe: () => void;

  constructor(opts: DeltaServerOptions) {
    this.opts = opts;
    this.logger = opts.logger;
    this.streams = new StreamSet(opts.logger, 'discovery', 'instance');
    this.source = opts.cache;
    this.cluster = opts.cluster;
    this.replica = opts.replica;
    this.maxNames = opts.maxNames;
    this.maxInflight = opts.maxInflight;
    this.endpointDeltas = opts.endpointDeltas === false ? undefined : new EndpointDeltas(opts.cache);
    // Nonces must not collide with another replica's or an earlier process's: a proxy that
    // moved here could otherwise ACK a nonce this server never sent.
    // 48 random bits, short because every response carries it.
    this.noncePrefix = randomBytes(6).toString('base64url');
    for (const t of RESOURCE_TYPES) {
      this.index.set(t, new Map());
      this.wildcard.set(t, new Set());
    }
    this.unsubscribe = opts.cache.onChanges((changes) => this.onResourceChanges(changes));
  }

  /** The bidi handler for plexus.discovery.v1.Discovery/DeltaResources. */
  handle = (call: grpc.ServerDuplexStream<DeltaRequest__Output, DeltaResponse>): void => {
    let caller: Workload | undefined;
    try {
      caller = this.opts.identify?.(call);
    } catch (err) {
      configPushMetrics.streams.inc({ result: 'unauthenticated' });
      this.logger.info({ peer: call.getPeer(), err: (err as Error).message }, 'discovery stream refused: no workload identity');
      call.emit('error', toGrpcError(err));
      return;
    }
    this.streams.open(call, (id) => new DeltaStream(id, call as DeltaCall, this, this.logger, caller));
  };

  /** True when streams are not authenticated at all (insecure: true). */
  get insecure(): boolean {
    return this.opts.identify === undefined;
  }

  /** Open, identified streams of every encoding. */
  connected(): ConnectedProxy[] {
    const out: ConnectedProxy[] = this.streams.identified();
    for (const p of this.attached) if (p.node !== undefined && !p.isClosed) out.push(p);
    return out;
  }

  /** The connected client (any encoding) with this instance / node id. */
  proxyOf(instanceId: string): ConnectedProxy | undefined {
    const own = this.byInstance.get(instanceId);
    if (own && !own.isClosed) return own;
    let found: ConnectedProxy | undefined;
    for (const p of this.attached) if (p.node?.instanceId === instanceId && !p.isClosed) found = p;
    return found;
  }

  /**
   * Show a client of another encoding in status and rollouts. It calls `notify` on ACKs, NACKs
   * and pushes (rollout tracking re-evaluates) and `detach` when it ends.
   */
  attach(proxy: ConnectedProxy): { notify(): void; detach(): void } {
    this.attached.add(proxy);
    this.notify();
    return {
      notify: () => this.notify(),
      detach: () => {
        if (this.attached.delete(proxy)) this.notify();
      },
    };
  }

  streamOf(instanceId: string): DeltaStream | undefined {
    return this.byInstance.get(instanceId);
  }

  /** Proxies whose stream here ended and that have not come back to this replica. */
  departed(): IterableIterator<DepartedProxy> {
    return this.departedById.values();
  }

  departedOf(instanceId: string): DepartedProxy | undefined {
    return this.departedById.get(instanceId);
  }

  /** Forget departed proxies whose instance is gone (the caller knows the registry's view). */
  forgetDeparted(keep: (d: DepartedProxy) => boolean): void {
    for (const [id, d] of this.departedById) if (!keep(d)) this.departedById.delete(id);
  }

  /** Called on ACKs, NACKs, streams coming and going, and pushes (rollout tracking). */
  onActivity(listener: ActivityListener): () => void {
    this.activity.add(listener);
    return () => this.activity.delete(listener);
  }

  viewRevision(): number {
    return this.opts.viewRevision();
  }

  queuedByType(): Map<string, number> {
    const out = new Map<string, number>(RESOURCE_TYPES.map((t) => [t, 0]));
    for (const s of this.streams) for (const st of s.session.types.values()) out.set(st.type, (out.get(st.type) ?? 0) + st.dirty.size);
    return out;
  }

  inflightByType(): Map<string, number> {
    const out = new Map<string, number>(RESOURCE_TYPES.map((t) => [t, 0]));
    for (const s of this.streams) for (const st of s.session.types.values()) out.set(st.type, (out.get(st.type) ?? 0) + st.inflight.size);
    return out;
  }

  /** End every stream with UNAVAILABLE so proxies move to another replica at once. */
  close(): void {
    if (!this.streams.close()) return;
    this.unsubscribe();
    this.byInstance.clear();
  }

  // ------------------------------------------------------------------ StreamHost

  identified(stream: DeltaStream): void {
    const id = stream.node!.instanceId;
    const older = this.byInstance.get(id);
    // Only the identity that holds an instance's stream may replace it: a stream that claims
    // another workload's instance id is refused, and the proxy holding it keeps its stream.
    if (older && older !== stream && !older.isClosed && older.caller?.spiffeId !== stream.caller?.spiffeId) {
      throw new PermissionDeniedError(`instance ${id} is connected as ${older.caller?.spiffeId ?? 'an unauthenticated proxy'}; ${stream.caller?.spiffeId ?? 'this caller'} may not take over its stream`);
    }
    this.byInstance.set(id, stream);
    this.departedById.delete(id);
    if (older && older !== stream) {
      this.logger.info({ instance: id, peer: stream.peer, previousPeer: older.peer }, 'proxy reconnected: ending its older stream');
      older.fail(new PlexusError('CONFLICT', 'superseded by a newer discovery stream of the same instance'));
    }
    this.logger.debug({ instance: id, peer: stream.peer, node: stream.node }, 'proxy connected');
    this.notify();
  }

  subscriptionsChanged(stream: DeltaStream, type: ResourceType, added: string[], removed: string[], wildcard: boolean): void {
    const idx = this.index.get(type)!;
    for (const name of added) {
      let set = idx.get(name);
      if (!set) idx.set(name, (set = new Set()));
      set.add(stream);
    }
    for (const name of removed) {
      const set = idx.get(name);
      set?.delete(stream);
      if (set && set.size === 0) idx.delete(name);
    }
    if (wildcard) this.wildcard.get(type)!.add(stream);
    else this.wildcard.get(type)!.delete(stream);
    this.notify();
  }

  scheduleFlush(stream: DeltaStream): void {
    this.streams.scheduleFlush(stream);
  }

  acknowledged(stream: DeltaStream, result: AckResult): void {
    const type = result.type;
    if (result.nack) {
      configPushMetrics.nacks.inc({ type });
      this.logger.warn(
        { instance: stream.node?.instanceId, type, nonce: result.nonce, code: result.nack.code, error: result.nack.message, rejected: result.nack.rejected.slice(0, 10) },
        'proxy rejected config (NACK)',
      );
    } else {
      configPushMetrics.acks.inc({ type });
      const now = performance.now();
      for (const a of result.acked) if (a.changedAt !== undefined) configPushMetrics.convergence.observe((now - a.changedAt) / 1000);
    }
    this.notify();
  }

  ended(stream: DeltaStream): void {
    this.streams.delete(stream);
    const id = stream.node?.instanceId;
    if (id && this.byInstance.get(id) === stream) {
      this.byInstance.delete(id);
      if (!this.streams.isClosed) this.remember(stream);
    }
    for (const t of RESOURCE_TYPES) {
      const st = stream.session.state(t);
      const idx = this.index.get(t)!;
      for (const name of st.names) {
        const set = idx.get(name);
        set?.delete(stream);
        if (set && set.size === 0) idx.delete(name);
      }
      this.wildcard.get(t)!.delete(stream);
    }
    if (id) this.logger.debug({ instance: id, peer: stream.peer }, 'proxy disconnected');
    this.notify();
  }

  // ------------------------------------------------------------------ internals

  private remember(stream: DeltaStream): void {
    const node = stream.node!;
    const subscriptions: DepartedProxy['subscriptions'] = new Map();
    for (const t of RESOURCE_TYPES) {
      const st = stream.session.state(t);
      if (st.started) subscriptions.set(t, { wildcard: st.wildcard, names: new Set([...st.names, ...st.acked.keys()]) });
    }
    this.departedById.delete(node.instanceId);
    this.departedById.set(node.instanceId, { instanceId: node.instanceId, namespace: node.namespace, service: node.service, at: new Date(), subscriptions });
    while (this.departedById.size > MAX_DEPARTED) this.departedById.delete(this.departedById.keys().next().value!);
  }

  private onResourceChanges(changes: ResourceChange[]): void {
    for (const c of changes) {
      const explicit = this.index.get(c.type)!.get(c.name);
      if (explicit) for (const s of explicit) if (s.session.markChanged(c.type, c.name)) this.scheduleFlush(s);
      for (const s of this.wildcard.get(c.type)!) if (s.session.markChanged(c.type, c.name)) this.scheduleFlush(s);
    }
    this.notify();
  }

  private notify(): void {
    for (const l of this.activity) l();
  }
}
