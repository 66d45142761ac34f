// A client of the discovery protocol (DESIGN.md "Discovery protocol"): one stream at a time to
// one of several config-push addresses, per-type subscriptions that can change at any time,
// ACK/NACK of every response, and resume after a reconnect with `initial_versions` so the
// server sends only what changed. Used by the proxy, by tests and by the benchmark.
//
// Validation: each response is checked with `verify` (default: every body parses with its
// schema from lib/mesh/resources.ts); a failure NACKs the whole response and keeps the last good
// resources, as the protocol asks.
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { loadPackageDefinition } from '../grpc/proto.js';
import { decodeResource, RESOURCE_TYPES, WILDCARD, type ResourceBodies, type ResourceType } from '../mesh/resources.js';
import type { DeltaRequest } from '../proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse__Output } from '../proto/gen/plexus/discovery/v1/DeltaResponse.js';
import type { Node } from '../proto/gen/plexus/discovery/v1/Node.js';

const DISCOVERY_PROTO = 'plexus/discovery/v1/discovery.proto';
const METHOD_PATH = '/plexus.discovery.v1.Discovery/DeltaResources';

export interface HeldResource {
  version: string;
  body: Buffer;
}

export interface ReceivedResponse {
  type: ResourceType;
  nonce: string;
  resources: Array<{ name: string; version: string; body: Buffer }>;
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
  /** Do not answer responses automatically: call ack()/nack() (tests). */
  manualAck?: boolean;
  /** Reconnect backoff bounds (jittered, doubling). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  channelOptions?: grpc.ChannelOptions;
}

interface TypeSubscription {
  wildcard: boolean;
  names: Set<string>;
  held: Map<string, HeldResource>;
}

export interface DiscoveryClientEvents {
  connected: [address: string];
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
  private backoff: number;
  private lastBytes = 0;
  /** Responses waiting for a manual answer, by nonce. */
  private readonly unanswered = new Map<string, ReceivedResponse>();
  /** Responses received since start (all streams). */
  responses = 0;
  /** Streams opened since start. */
  connects = 0;

  constructor(opts: DiscoveryClientOptions) {
    super();
    if (opts.addresses.length === 0) throw new RangeError('DiscoveryClient needs at least one address');
    this.opts = opts;
    this.backoff = opts.backoffMinMs ?? 100;
    for (const t of RESOURCE_TYPES) this.subs.set(t, { wildcard: false, names: new Set(), held: new Map() });
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

  /** The address of the replica the client is connected to, if any. */
  get address(): string | undefined {
    return this.stream ? this.currentAddress : undefined;
  }

  get connected(): boolean {
    return this.stream !== undefined;
  }

  /** Open the stream (and keep it open, reconnecting, until close()). */
  start(): void {
    if (this.closed || this.stream) return;
    this.connect();
  }

  /** Resources of a type held (acknowledged), by name. */
  held(type: ResourceType): ReadonlyMap<string, HeldResource> {
    return this.subs.get(type)!.held;
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
    if (removed.length > 0) this.send({ type, unsubscribe: removed });
  }

  /** Manual mode: accept a response. */
  ack(nonce: string): void {
    const r = this.unanswered.get(nonce);
    if (!r) throw new Error(`no unanswered response with nonce ${nonce}`);
    this.unanswered.delete(nonce);
    this.accept(r);
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
    clearTimeout(this.retryTimer);
    const s = this.stream;
    this.stream = undefined;
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
      c = new grpc.Client(address, grpc.credentials.createInsecure(), {
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
    const address = this.opts.addresses[this.addressIndex % this.opts.addresses.length]!;
    this.currentAddress = address;
    const client = this.clientFor(address);
    const stream = client.makeBidiStreamRequest(METHOD_PATH, this.serialize, this.deserialize) as Stream;
    this.stream = stream;
    this.connects++;
    this.unanswered.clear();
    let opened = false;
    stream.on('metadata', () => {
      opened = true;
    });
    stream.on('data', (res: DeltaResponse__Output) => {
      if (this.stream !== stream) return;
      if (!opened) opened = true;
      this.backoff = this.opts.backoffMinMs ?? 100;
      this.onResponse(res, this.lastBytes);
    });
    const down = (err: Error | undefined): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.unanswered.clear();
      this.emit('disconnected', err);
      if (this.closed) return;
      // Move on to the next replica; back off so a dead mesh is not hammered.
      this.addressIndex++;
      const delay = Math.round(this.backoff * (0.5 + Math.random() / 2));
      this.backoff = Math.min(this.backoff * 2, this.opts.backoffMaxMs ?? 2000);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
    stream.on('error', (err: Error) => down(err));
    stream.on('end', () => down(undefined));
    // First request: the node and the first subscribed type; then one request per other type.
    let first = true;
    for (const type of RESOURCE_TYPES) {
      const sub = this.subs.get(type)!;
      const subscribe = [...sub.names];
      if (sub.wildcard) subscribe.push(WILDCARD);
      if (subscribe.length === 0) continue;
      const req: DeltaRequest = { type, subscribe, initialVersions: Object.fromEntries([...sub.held].map(([n, r]) => [n, r.version])) };
      if (first) req.node = this.opts.node;
      first = false;
      stream.write(req);
    }
    if (first) stream.write({ node: this.opts.node });
    this.emit('connected', address);
  }

  private send(req: DeltaRequest): void {
    // Not connected: the next connect sends the whole subscription anyway.
    this.stream?.write(req);
  }

  private onResponse(res: DeltaResponse__Output, bytes: number): void {
    this.responses++;
    const type = res.type as ResourceType;
    if (!this.subs.has(type)) {
      this.stream?.write({ type: res.type, responseNonce: res.nonce, errorDetail: { code: 3, message: `unknown type ${res.type}` } });
      return;
    }
    const received: ReceivedResponse = {
      type,
      nonce: res.nonce,
      resources: res.resources.map((r) => ({ name: r.name, version: r.version, body: Buffer.from(r.body) })),
      removed: res.removedResources,
      viewRevision: res.viewRevision,
      bytes,
    };
    this.emit('response', received);
    if (this.opts.manualAck) {
      this.unanswered.set(res.nonce, received);
      return;
    }
    const problem = (this.opts.verify ?? defaultVerify)(received);
    if (problem === undefined) this.accept(received);
    else this.reject(received, problem, 3);
  }

  private accept(r: ReceivedResponse): void {
    const sub = this.subs.get(r.type)!;
    for (const res of r.resources) sub.held.set(res.name, { version: res.version, body: res.body });
    for (const name of r.removed) sub.held.delete(name);
    r.accepted = true;
    this.stream?.write({ type: r.type, responseNonce: r.nonce });
    this.emit('applied', r);
  }

  private reject(r: ReceivedResponse, message: string, code: number): void {
    r.accepted = false;
    this.stream?.write({ type: r.type, responseNonce: r.nonce, errorDetail: { code, message } });
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
