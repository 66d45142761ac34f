// The proxy's side of the discovery protocol (DESIGN.md "Discovery protocol"): one
// bidirectional DeltaResources stream to a config-push replica. On every (re)connect it names
// the node and, per type, its subscriptions plus the versions it already holds, so the server
// sends only what it missed. Each response is applied through `apply` and answered with an
// ACK, or a NACK carrying the reason when `apply` throws (the proxy then keeps its last good
// config). Subscriptions may grow at any time (on-demand lookups). When the stream fails the
// client reconnects with jittered exponential backoff, rotating through the configured
// addresses; meanwhile the proxy keeps serving what it has.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { serviceClient } from '../../lib/grpc/proto.js';
import { isResourceType, type ResourceType } from '../../lib/mesh/resources.js';
import type { DeltaRequest } from '../../lib/proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse__Output } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import type { DiscoveryClient } from '../../lib/proto/gen/plexus/discovery/v1/Discovery.js';
import type { Node } from '../../lib/proto/gen/plexus/discovery/v1/Node.js';
import { Backoff } from '../../lib/registry-client/backoff.js';
import type { RawResource } from '../config/mesh-config.js';

export const DISCOVERY_PROTO = 'plexus/discovery/v1/discovery.proto';
export const DISCOVERY_SERVICE = 'plexus.discovery.v1.Discovery';

export interface DiscoverySource {
  /** Names to subscribe to per type (sent on every connect). */
  subscriptions(): Record<ResourceType, string[]>;
  /** Versions held per type (initial_versions on resume). */
  held(type: ResourceType): Record<string, string>;
  /** Apply a response; throw to NACK it. */
  apply(type: ResourceType, resources: RawResource[], removed: string[]): void;
}

export interface DiscoveryStreamOptions {
  addresses: string[];
  node: Node;
  source: DiscoverySource;
  logger: Logger;
  /** Sent as `authorization: Bearer <token>` when set. */
  token?: string | undefined;
  onConnectedChange?: (connected: boolean) => void;
  backoff?: { initialMs: number; maxMs: number };
}

type Stream = grpc.ClientDuplexStream<DeltaRequest, DeltaResponse__Output>;

export class DiscoveryStream {
  private readonly clients = new Map<string, DiscoveryClient>();
  private addressIndex = 0;
  private stream: Stream | undefined;
  private connected = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  /** Names already sent on the current stream, per type (to send only additions). */
  private sent = new Map<ResourceType, Set<string>>();
  connects = 0;
  lastError: string | undefined;

  constructor(private readonly opts: DiscoveryStreamOptions) {
    if (opts.addresses.length === 0) throw new Error('discovery stream needs at least one config-push address');
    this.backoff = new Backoff({ initialMs: opts.backoff?.initialMs ?? 200, maxMs: opts.backoff?.maxMs ?? 5000 });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get address(): string {
    return this.opts.addresses[this.addressIndex % this.opts.addresses.length]!;
  }

  start(): void {
    this.open();
  }

  /** Add names to a type's subscription (no-op for names already sent on this stream). */
  subscribe(type: ResourceType, names: string[]): void {
    if (!this.stream) return; // sent with everything else on the next connect
    const sent = this.sentFor(type);
    const fresh = names.filter((n) => !sent.has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) sent.add(n);
    this.write({ type, subscribe: fresh });
  }

  private sentFor(type: ResourceType): Set<string> {
    let s = this.sent.get(type);
    if (!s) {
      s = new Set();
      this.sent.set(type, s);
    }
    return s;
  }

  private client(address: string): DiscoveryClient {
    let c = this.clients.get(address);
    if (!c) {
      const Ctor = serviceClient(DISCOVERY_PROTO, DISCOVERY_SERVICE);
      c = new Ctor(address, grpc.credentials.createInsecure(), {
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 2000,
      }) as unknown as DiscoveryClient;
      this.clients.set(address, c);
    }
    return c;
  }

  private open(): void {
    if (this.closed) return;
    const address = this.address;
    const metadata = new grpc.Metadata();
    if (this.opts.token) metadata.set('authorization', `Bearer ${this.opts.token}`);
    const stream = this.client(address).DeltaResources(metadata) as unknown as Stream;
    this.stream = stream;
    this.sent = new Map();
    let gotResponse = false;
    stream.on('data', (msg: DeltaResponse__Output) => {
      if (!gotResponse) {
        gotResponse = true;
        this.backoff.reset();
        this.setConnected(true);
      }
      this.onResponse(msg);
    });
    stream.on('metadata', () => this.setConnected(true));
    // A resumed stream whose proxy is up to date gets no response at all: count it connected
    // once the channel is up and the stream has not failed.
    this.client(address).waitForReady(Date.now() + 60_000, (err) => {
      if (!err && this.stream === stream) this.setConnected(true);
    });
    const onEnd = (err: Error | undefined): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.setConnected(false);
      if (this.closed) return;
      this.lastError = err ? err.message : 'stream ended by the server';
      this.opts.logger.warn({ address, err: this.lastError }, 'discovery stream lost; reconnecting');
      this.addressIndex++;
      const delay = this.backoff.next();
      this.retryTimer = setTimeout(() => this.open(), delay);
      this.retryTimer.unref();
    };
    stream.on('error', (err: Error) => onEnd(err));
    stream.on('end', () => onEnd(undefined));

    // First request names the node; then one request per type with subscriptions and what
    // is held. Inbound goes first: readiness depends on it.
    const subs = this.opts.source.subscriptions();
    let first = true;
    for (const type of ['Inbound', 'Endpoints', 'Service'] as const) {
      const names = subs[type];
      if (names.length === 0) continue;
      const sent = this.sentFor(type);
      for (const n of names) sent.add(n);
      const req: DeltaRequest = { type, subscribe: names, initialVersions: this.opts.source.held(type) };
      if (first) req.node = this.opts.node;
      first = false;
      this.write(req);
    }
    this.connects++;
  }

  private onResponse(msg: DeltaResponse__Output): void {
    const type = msg.type;
    if (!isResourceType(type)) {
      this.write({ type, responseNonce: msg.nonce, errorDetail: { code: grpc.status.INVALID_ARGUMENT, message: `unknown resource type ${JSON.stringify(type)}` } });
      return;
    }
    const resources: RawResource[] = msg.resources.map((r) => ({ name: r.name, version: r.version, body: r.body }));
    try {
      this.opts.source.apply(type, resources, msg.removedResources);
      this.write({ type, responseNonce: msg.nonce });
    } catch (err) {
      const message = (err as Error).message;
      this.opts.logger.warn({ type, nonce: msg.nonce, err: message }, 'config rejected (NACK); keeping the last good config');
      this.write({ type, responseNonce: msg.nonce, errorDetail: { code: grpc.status.INVALID_ARGUMENT, message: message.slice(0, 4000) } });
    }
  }

  private write(req: DeltaRequest): void {
    const s = this.stream;
    if (!s || s.destroyed || s.writableEnded) return;
    s.write(req);
  }

  private setConnected(v: boolean): void {
    if (this.connected === v) return;
    this.connected = v;
    this.opts.onConnectedChange?.(v);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.end();
      s.cancel();
    }
    this.setConnected(false);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

