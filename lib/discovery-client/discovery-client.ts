// A client of the discovery protocol (DESIGN.md "Discovery protocol"): one stream at a time to
// one of several config-push addresses, per-type subscriptions that can change at any time,
// ACK/NACK of every response, and resume after a reconnect with `initial_versions` so the
// server sends only what changed. The proxy ships it (proxy/control-plane-link.ts); tests and
// the benchmarks drive the same client as simulated proxies.
//
// Where resources live: by default the client holds what it acknowledged (`held`, `body`). A
// proxy passes a `source` instead: it names the subscriptions and held versions on every
// connect and applies each response itself (its MeshConfig), throwing to NACK it.
//
// Validation: each response is checked with `verify` (default without a source: every body
// parses with its schema from lib/mesh/resources.ts); a failure NACKs the whole response and
// keeps the last good resources, as the protocol asks.
//
// Endpoints deltas: a client that can apply them (`endpointDeltas`, or a source that says so)
// names the "endpoints-delta" capability; the server then sends a changed Endpoints resource as
// the change from the version the client holds (`baseVersion` + `delta`, lib/mesh/endpoints-delta.ts).
// A sourceless client turns it into the whole body itself; a source applies it. A delta whose
// base is not what the client holds is NACKed with FAILED_PRECONDITION, which the server answers
// with the whole body (it is not recorded as a rejection).
//
// Reconnects: when the stream fails the client moves to the next address; it opens the next
// stream once that replica is reachable (a restarted replica at once, after a short jitter),
// and backs off exponentially (jittered, reset once a replica answers) only when a reachable
// replica ended the stream, so a dead mesh is not hammered; meanwhile the holder keeps serving.
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { loadPackageDefinition } from '../grpc/proto.js';
import { Backoff } from '../registry-client/backoff.js';
import { isPlexusError } from '../errors.js';
import { canonicalJson } from '../mesh/canonical-json.js';
import { applyEndpointsDelta, decodeEndpointsDelta, ENDPOINTS_DELTA_CAPABILITY, heldMatchesBase } from '../mesh/endpoints-delta.js';
import { decodeResource, RESOURCE_TYPES, WILDCARD, type ResourceBodies, type ResourceType } from '../mesh/resources.js';
import type { DeltaRequest } from '../proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse__Output } from '../proto/gen/plexus/discovery/v1/DeltaResponse.js';
import type { Node } from '../proto/gen/plexus/discovery/v1/Node.js';

export const DISCOVERY_PROTO = 'plexus/discovery/v1/discovery.proto';
export const DISCOVERY_SERVICE = 'plexus.discovery.v1.Discovery';
const METHOD_PATH = `/${DISCOVERY_SERVICE}/DeltaResources`;
/**
 * Types in the order a new stream subscribes to them: Inbound first (a proxy's readiness depends
 * on it), then Service before Endpoints (responses come in request order, so a client that holds
 * a service's Endpoints also holds its Service).
 */
const CONNECT_ORDER: readonly ResourceType[] = ['Inbound', 'Service', 'Endpoints'];
/** gRPC FAILED_PRECONDITION: the NACK of a delta whose base this client does not hold. */
const BASE_MISMATCH = grpc.status.FAILED_PRECONDITION;
/** NACK messages are cut to this length. */
const MAX_NACK_MESSAGE = 4000;

/** A holder of resources that applies responses itself (the proxy's MeshConfig). */
export interface DiscoverySource {
  /** Names (or '*') to subscribe to, per type; asked on every connect. */
  subscriptions(): Record<ResourceType, string[]>;
  /** Versions held per type, sent as `initial_versions` on every connect. */
  held(type: ResourceType): Record<string, string>;
  /**
   * Apply a response all-or-nothing; throw to NACK it (the message becomes error_detail). A
   * FailedPreconditionError says "I do not hold the base of that delta" (the server resends whole).
   */
  apply(type: ResourceType, resources: readonly ReceivedResource[], removed: readonly string[]): void;
  /** The source applies Endpoints deltas (`baseVersion` + `delta`). */
  readonly endpointDeltas?: boolean;
}

export interface ReceivedResource {
  name: string;
  version: string;
  /** The whole body; empty when the resource came as a delta. */
  body: Buffer;
  /** Set for an Endpoints delta: the version it applies to. */
  baseVersion?: string;
  delta?: Buffer;
}

export interface HeldResource {
  version: string;
  body: Buffer;
}

export interface ReceivedResponse {
  type: ResourceType;
  nonce: string;
  resources: ReceivedResource[];
  removed: string[];
  viewRevision: number;
  /** Serialized size of the response message on the wire (protobuf bytes, before framing). */
  bytes: number;
  /** Whether it was accepted (ACK) or rejected (NACK). Undefined in manual mode until answered. */
  accepted?: boolean;
}

export interface DiscoveryClientOptions {
  /** `host:port` of config-push replicas; the client moves to the next on failure. */
  addresses: string[];
  node: Node;
  /** Initial subscriptions per type (names or '*'). */
  subscriptions?: Partial<Record<ResourceType, string[]>>;
  /**
   * Checks a response before it is applied; return an error message to NACK it. Default:
   * every body must parse with its resource schema.
   */
  verify?: (response: ReceivedResponse) => string | undefined;
  /**
   * Resources already held (e.g. a proxy restarting from its last good config): sent as
   * `initial_versions` so the server sends only what differs.
   */
  resume?: Partial<Record<ResourceType, ReadonlyMap<string, HeldResource>>>;
  /** Holds and applies the resources instead of the client (see the header). */
  source?: DiscoverySource;
  /** Ask for Endpoints deltas (a sourceless client applies them to what it holds); default off. */
  endpointDeltas?: boolean;
  /** Sent as `authorization: Bearer <token>` when set. */
  token?: string | undefined;
  /** mTLS with the proxy's workload certificate (lib/grpc/tls.ts); default plaintext (insecure set-ups). */
  credentials?: grpc.ChannelCredentials | undefined;
  /** Do not answer responses automatically: call ack()/nack() (tests). */
  manualAck?: boolean;
  /** Reconnect backoff bounds (jittered, doubling); default 100 ms to 2 s. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  channelOptions?: grpc.ChannelOptions;
}

interface TypeSubscription {
  wildcard: boolean;
  names: Set<string>;
  held: Map<string, HeldResource>;
  /**
   * Versions this client rejected and has not replaced by an accepted one (name → version, ""
   * = a removal), with the latest reason: sent as `rejected_versions` on every connect so no
   * replica resends them (the NACK quarantine outlives the stream).
   */
  rejected: Map<string, string>;
  rejectedError: { code: number; message: string } | undefined;
}

export interface DiscoveryClientEvents {
  /** A stream is established: the replica answered, or its channel is up and the stream open. */
  connected: [address: string];
  /** The current stream failed or ended (it may never have been established). */
  disconnected: [error: Error | undefined];
  /** A response arrived (before it is answered in manual mode). */
  response: [response: ReceivedResponse];
  /** Held resources changed after an ACK. */
  applied: [response: ReceivedResponse];
  nacked: [response: ReceivedResponse, message: string];
}

type Stream = grpc.ClientDuplexStream<DeltaRequest, DeltaResponse__Output>;

export class DiscoveryClient extends EventEmitter<DiscoveryClientEvents> {
  private readonly opts: DiscoveryClientOptions;
  private readonly subs = new Map<ResourceType, TypeSubscription>();
  private readonly clients = new Map<string, grpc.Client>();
  private readonly serialize: (req: DeltaRequest) => Buffer;
  private readonly deserialize: (buf: Buffer) => DeltaResponse__Output;
  private stream: Stream | undefined;
  private addressIndex = 0;
  private currentAddress: string | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Counts reconnect waits; a wait whose number is no longer current is abandoned. */
  private attempt = 0;
  private readonly backoff: Backoff;
  private established = false;
  private lastBytes = 0;
  /** Responses waiting for a manual answer, by nonce. */
  private readonly unanswered = new Map<string, ReceivedResponse>();
  /** Responses received since start (all streams). */
  responses = 0;
  /** Streams opened since start. */
  connects = 0;
  /** Why the last stream ended, if one did. */
  lastError: string | undefined;

  constructor(opts: DiscoveryClientOptions) {
    super();
    if (opts.addresses.length === 0) throw new RangeError('DiscoveryClient needs at least one address');
    const deltas = opts.source ? opts.source.endpointDeltas === true : opts.endpointDeltas === true;
    const caps = opts.node.capabilities ?? [];
    this.opts = deltas && !caps.includes(ENDPOINTS_DELTA_CAPABILITY) ? { ...opts, node: { ...opts.node, capabilities: [...caps, ENDPOINTS_DELTA_CAPABILITY] } } : opts;
    this.backoff = new Backoff({ initialMs: opts.backoffMinMs ?? 100, maxMs: opts.backoffMaxMs ?? 2000 });
    for (const t of RESOURCE_TYPES) this.subs.set(t, { wildcard: false, names: new Set(), held: new Map(), rejected: new Map(), rejectedError: undefined });
    for (const [type, names] of Object.entries(opts.subscriptions ?? {}) as Array<[ResourceType, string[]]>) {
      this.addNames(type, names);
    }
    for (const [type, held] of Object.entries(opts.resume ?? {}) as Array<[ResourceType, ReadonlyMap<string, HeldResource>]>) {
      for (const [name, r] of held) this.subs.get(type)?.held.set(name, r);
    }
    const method = (loadPackageDefinition(DISCOVERY_PROTO)['plexus.discovery.v1.Discovery'] as grpc.ServiceDefinition).DeltaResources!;
    this.serialize = method.requestSerialize as (req: DeltaRequest) => Buffer;
    const deserialize = method.responseDeserialize as (buf: Buffer) => DeltaResponse__Output;
    this.deserialize = (buf) => {
      this.lastBytes = buf.length;
      return deserialize(buf);
    };
  }

  /** The address of the replica the client has a stream to (or is opening one to), if any. */
  get address(): string | undefined {
    return this.stream ? this.currentAddress : undefined;
  }

  /** The replica in use, or the next one to try while reconnecting. */
  get target(): string {
    return this.opts.addresses[this.addressIndex % this.opts.addresses.length]!;
  }

  /** A stream is established (see the `connected` event). */
  get connected(): boolean {
    return this.stream !== undefined && this.established;
  }

  /** Open the stream (and keep it open, reconnecting, until close()). */
  start(): void {
    if (this.closed || this.stream) return;
    this.connect();
  }

  /** Resources of a type held (acknowledged), by name; empty with a `source` (it holds them). */
  held(type: ResourceType): ReadonlyMap<string, HeldResource> {
    return this.subs.get(type)!.held;
  }

  /** Versions rejected and not since replaced, by name ("" = a removal). */
  rejected(type: ResourceType): ReadonlyMap<string, string> {
    return this.subs.get(type)!.rejected;
  }

  version(type: ResourceType, name: string): string | undefined {
    return this.subs.get(type)!.held.get(name)?.version;
  }

  /** The parsed body of a held resource. */
  body<T extends ResourceType>(type: T, name: string): ResourceBodies[T] | undefined {
    const r = this.subs.get(type)!.held.get(name);
    return r ? decodeResource(type, r.body) : undefined;
  }

  subscribe(type: ResourceType, names: string[]): void {
    const added = this.addNames(type, names);
    if (added.length > 0) this.send({ type, subscribe: added });
  }

  unsubscribe(type: ResourceType, names: string[]): void {
    const sub = this.subs.get(type)!;
    const removed: string[] = [];
    for (const n of names) {
      if (n === WILDCARD ? sub.wildcard : sub.names.has(n)) removed.push(n);
      if (n === WILDCARD) sub.wildcard = false;
      else sub.names.delete(n);
    }
    // The server forgets them; so do we (unless still covered by the wildcard).
    for (const n of [...sub.held.keys()]) if (!sub.wildcard && !sub.names.has(n)) sub.held.delete(n);
    for (const n of [...sub.rejected.keys()]) if (!sub.wildcard && !sub.names.has(n)) sub.rejected.delete(n);
    if (removed.length > 0) this.send({ type, unsubscribe: removed });
  }

  /** Manual mode: accept a response. */
  ack(nonce: string): void {
    const r = this.unanswered.get(nonce);
    if (!r) throw new Error(`no unanswered response with nonce ${nonce}`);
    this.unanswered.delete(nonce);
    const whole = !this.opts.source && r.resources.some((x) => x.delta) ? this.wholeBodies(r) : r;
    if ('code' in whole) this.reject(r, whole.message, whole.code);
    else {
      this.accept(whole);
      r.accepted = whole.accepted;
    }
  }

  /** Manual mode: reject a response. */
  nack(nonce: string, message: string, code = 3): void {
    const r = this.unanswered.get(nonce);
    if (!r) throw new Error(`no unanswered response with nonce ${nonce}`);
    this.unanswered.delete(nonce);
    this.reject(r, message, code);
  }

  /** Stop reading responses (simulates a stuck proxy); gRPC flow control pushes back. */
  pauseReading(): void {
    this.stream?.pause();
  }

  resumeReading(): void {
    this.stream?.resume();
  }

  /** Drop the current stream and reconnect (to the next address) after the backoff. */
  reconnect(): void {
    const s = this.stream;
    if (s) s.cancel();
  }

  close(): void {
    this.closed = true;
    this.attempt++;
    clearTimeout(this.retryTimer);
    const s = this.stream;
    this.stream = undefined;
    this.established = false;
    if (s) {
      s.removeAllListeners('data');
      s.on('error', () => undefined);
      s.cancel();
    }
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  // ------------------------------------------------------------------ internals

  private addNames(type: ResourceType, names: string[]): string[] {
    const sub = this.subs.get(type)!;
    const added: string[] = [];
    for (const n of names) {
      if (n === WILDCARD) {
        if (!sub.wildcard) added.push(n);
        sub.wildcard = true;
      } else if (!sub.names.has(n)) {
        sub.names.add(n);
        added.push(n);
      }
    }
    return added;
  }

  private clientFor(address: string): grpc.Client {
    let c = this.clients.get(address);
    if (!c) {
      c = new grpc.Client(address, this.opts.credentials ?? grpc.credentials.createInsecure(), {
        // Detects a dead replica on an idle stream within ~40 s (the server allows pings every 5 s).
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 2000,
        'grpc.max_receive_message_length': 64 * 1024 * 1024,
        ...this.opts.channelOptions,
      });
      this.clients.set(address, c);
    }
    return c;
  }

  private connect(): void {
    if (this.closed) return;
    const address = this.target;
    this.currentAddress = address;
    const client = this.clientFor(address);
    const metadata = new grpc.Metadata();
    if (this.opts.token) metadata.set('authorization', `Bearer ${this.opts.token}`);
    const stream = client.makeBidiStreamRequest(METHOD_PATH, this.serialize, this.deserialize, metadata) as Stream;
    this.stream = stream;
    this.established = false;
    this.connects++;
    this.unanswered.clear();
    const up = (): void => {
      if (this.stream !== stream || this.established) return;
      this.established = true;
      this.emit('connected', address);
    };
    stream.on('metadata', up);
    stream.on('data', (res: DeltaResponse__Output) => {
      if (this.stream !== stream) return;
      up();
      this.backoff.reset();
      this.onResponse(res, this.lastBytes);
    });
    // A resumed stream that is up to date gets no response at all: count it established once
    // the channel is up and the stream has not failed.
    client.waitForReady(Date.now() + 60_000, (err) => {
      if (!err) up();
    });
    const down = (err: Error | undefined): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.established = false;
      this.unanswered.clear();
      this.lastError = err ? err.message : 'stream ended by the server';
      this.emit('disconnected', err);
      if (this.closed) return;
      this.addressIndex++;
      this.reconnectWhenReachable();
    };
    stream.on('error', (err: Error) => down(err));
    stream.on('end', () => down(undefined));
    // First request: the node and the first subscribed type; then one request per other type.
    const source = this.opts.source;
    const fromSource = source?.subscriptions();
    let first = true;
    for (const type of CONNECT_ORDER) {
      if (fromSource) this.addNames(type, fromSource[type]);
      const sub = this.subs.get(type)!;
      const subscribe = [...(sub.wildcard ? [WILDCARD] : []), ...sub.names];
      if (subscribe.length === 0) continue;
      const initialVersions = source ? source.held(type) : Object.fromEntries([...sub.held].map(([n, r]) => [n, r.version]));
      const req: DeltaRequest = { type, subscribe, initialVersions };
      if (sub.rejected.size > 0) {
        req.rejectedVersions = Object.fromEntries(sub.rejected);
        if (sub.rejectedError) req.rejectedError = sub.rejectedError;
      }
      if (first) req.node = this.opts.node;
      first = false;
      stream.write(req);
    }
    if (first) stream.write({ node: this.opts.node });
  }

  /**
   * Open the next stream once the target replica is reachable. A replica that accepts
   * connections but ended our stream costs a backoff step; one that cannot be reached (dead,
   * restarting) does not: the channel retries the connection on its own schedule and the stream
   * opens, after a short jitter, as soon as it is up, so a restarted replica is resumed within
   * about one channel retry instead of a backoff that grew the whole time it was down. With
   * other replicas to try, an unreachable one is left for the next after a backoff step.
   */
  private reconnectWhenReachable(): void {
    const attempt = ++this.attempt;
    const channel = this.clientFor(this.target).getChannel();
    const later = (ms: number, then: () => void): void => {
      this.retryTimer = setTimeout(then, ms);
      this.retryTimer.unref();
    };
    const check = (): void => {
      if (this.closed || attempt !== this.attempt) return;
      let state: grpc.connectivityState;
      try {
        state = channel.getConnectivityState(true);
      } catch {
        return; // closed
      }
      if (state === grpc.connectivityState.READY) {
        const reachedNow = !readyAtFirst;
        later(reachedNow ? Math.random() * (this.opts.backoffMinMs ?? 100) : this.backoff.next(), () => this.connect());
      } else if (state === grpc.connectivityState.TRANSIENT_FAILURE && this.opts.addresses.length > 1) {
        this.addressIndex++;
        later(this.backoff.next(), () => this.reconnectWhenReachable());
      } else {
        channel.watchConnectivityState(state, Date.now() + 10_000, check);
      }
    };
    const readyAtFirst = channel.getConnectivityState(false) === grpc.connectivityState.READY;
    check();
  }

  private send(req: DeltaRequest): void {
    // Not connected: the next connect sends the whole subscription anyway.
    const s = this.stream;
    if (!s || s.destroyed || s.writableEnded) return;
    s.write(req);
  }

  private onResponse(res: DeltaResponse__Output, bytes: number): void {
    this.responses++;
    const type = res.type as ResourceType;
    if (!this.subs.has(type)) {
      this.send({ type: res.type, responseNonce: res.nonce, errorDetail: { code: grpc.status.INVALID_ARGUMENT, message: `unknown type ${res.type}` } });
      return;
    }
    const received: ReceivedResponse = {
      type,
      nonce: res.nonce,
      resources: res.resources.map((r) =>
        r.baseVersion !== '' ? { name: r.name, version: r.version, body: Buffer.alloc(0), baseVersion: r.baseVersion, delta: Buffer.from(r.delta) } : { name: r.name, version: r.version, body: Buffer.from(r.body) },
      ),
      removed: res.removedResources,
      viewRevision: res.viewRevision,
      bytes,
    };
    this.emit('response', received);
    if (this.opts.manualAck) {
      this.unanswered.set(res.nonce, received);
      return;
    }
    let whole = received;
    if (!this.opts.source && received.resources.some((r) => r.delta)) {
      const out = this.wholeBodies(received);
      if ('code' in out) {
        this.reject(received, out.message, out.code);
        return;
      }
      whole = out;
    }
    const verify = this.opts.verify ?? (this.opts.source ? undefined : defaultVerify);
    const problem = verify?.(whole);
    if (problem === undefined) this.accept(whole);
    else this.reject(whole, problem, grpc.status.INVALID_ARGUMENT);
    received.accepted = whole.accepted;
  }

  /** A sourceless client's deltas turned into whole bodies from what it holds (or why not). */
  private wholeBodies(r: ReceivedResponse): ReceivedResponse | { code: number; message: string } {
    const held = this.subs.get(r.type)!.held;
    const resources: ReceivedResource[] = [];
    for (const res of r.resources) {
      if (!res.delta) {
        resources.push(res);
        continue;
      }
      const base = held.get(res.name);
      if (r.type !== 'Endpoints' || !base || !heldMatchesBase(base.version, res.baseVersion ?? '')) {
        return { code: BASE_MISMATCH, message: `${r.type} ${res.name}: delta from ${res.baseVersion}, but this client holds ${base?.version ?? 'nothing'}` };
      }
      try {
        const next = applyEndpointsDelta(decodeResource('Endpoints', base.body), decodeEndpointsDelta(res.delta));
        resources.push({ name: res.name, version: res.version, body: Buffer.from(canonicalJson(next.body), 'utf8') });
      } catch (err) {
        return { code: grpc.status.INVALID_ARGUMENT, message: `${r.type} ${res.name}: ${(err as Error).message}` };
      }
    }
    return { ...r, resources };
  }

  /** ACK, once the source (if any) has applied it; a source that throws turns it into a NACK. */
  private accept(r: ReceivedResponse): void {
    const source = this.opts.source;
    if (source) {
      try {
        source.apply(r.type, r.resources, r.removed);
      } catch (err) {
        const mismatch = isPlexusError(err, 'FAILED_PRECONDITION');
        this.reject(r, (err as Error).message, mismatch ? BASE_MISMATCH : grpc.status.INVALID_ARGUMENT);
        return;
      }
    } else {
      const sub = this.subs.get(r.type)!;
      for (const res of r.resources) sub.held.set(res.name, { version: res.version, body: res.body });
      for (const name of r.removed) sub.held.delete(name);
    }
    const sub = this.subs.get(r.type)!;
    for (const res of r.resources) sub.rejected.delete(res.name);
    for (const name of r.removed) sub.rejected.delete(name);
    r.accepted = true;
    this.send({ type: r.type, responseNonce: r.nonce });
    this.emit('applied', r);
  }

  private reject(r: ReceivedResponse, message: string, code: number): void {
    r.accepted = false;
    const sub = this.subs.get(r.type)!;
    if (code === BASE_MISMATCH) {
      // Not a verdict on the content: the server resends the whole body.
      this.send({ type: r.type, responseNonce: r.nonce, errorDetail: { code, message: message.slice(0, MAX_NACK_MESSAGE) } });
      this.emit('nacked', r, message);
      return;
    }
    for (const res of r.resources) sub.rejected.set(res.name, res.version);
    for (const name of r.removed) sub.rejected.set(name, '');
    sub.rejectedError = { code, message: message.slice(0, MAX_NACK_MESSAGE) };
    this.send({ type: r.type, responseNonce: r.nonce, errorDetail: { code, message: message.slice(0, MAX_NACK_MESSAGE) } });
    this.emit('nacked', r, message);
  }
}

function defaultVerify(r: ReceivedResponse): string | undefined {
  for (const res of r.resources) {
    try {
      const body = decodeResource(r.type, res.body);
      if (body.name !== res.name) return `${r.type} ${res.name}: body names ${body.name}`;
    } catch (err) {
      return `${r.type} ${res.name}: ${(err as Error).message}`;
    }
  }
  return undefined;
}
