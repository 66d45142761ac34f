// A thin typed client of plexus.registry.v1.Registry on one address: promises instead of
// callbacks, a deadline on every unary call, domain errors instead of gRPC statuses, records
// instead of proto messages. plexctl (`registry list`) and tests use it directly; the
// Registration keep-alive (registration.ts) uses it per replica.
import * as grpc from '@grpc/grpc-js';
import { allPages, bearerTokenOptions, unaryCall, type UnaryInvoke } from '../grpc/client-call.js';
import { serviceClient } from '../grpc/proto.js';
import type { InstanceHealth } from '../model/instance.js';
import type { DeregisterResponse__Output } from '../proto/gen/plexus/registry/v1/DeregisterResponse.js';
import type { GetRequest } from '../proto/gen/plexus/registry/v1/GetRequest.js';
import type { HeartbeatResponse__Output } from '../proto/gen/plexus/registry/v1/HeartbeatResponse.js';
import type { HeartbeatStreamRequest } from '../proto/gen/plexus/registry/v1/HeartbeatStreamRequest.js';
import type { HeartbeatStreamResponse__Output } from '../proto/gen/plexus/registry/v1/HeartbeatStreamResponse.js';
import type { InstanceChange__Output } from '../proto/gen/plexus/registry/v1/InstanceChange.js';
import type { InstanceRef } from '../proto/gen/plexus/registry/v1/InstanceRef.js';
import type { ListRequest } from '../proto/gen/plexus/registry/v1/ListRequest.js';
import type { RegisterRequest } from '../proto/gen/plexus/registry/v1/RegisterRequest.js';
import type { RegisterResponse__Output } from '../proto/gen/plexus/registry/v1/RegisterResponse.js';
import type { RegistryClient } from '../proto/gen/plexus/registry/v1/Registry.js';
import type { WatchRequest } from '../proto/gen/plexus/registry/v1/WatchRequest.js';
import { UnavailableError } from '../errors.js';
import type { Instance__Output } from '../proto/gen/plexus/registry/v1/Instance.js';
import type { ListResponse__Output } from '../proto/gen/plexus/registry/v1/ListResponse.js';
import type { SetHealthResponse__Output } from '../proto/gen/plexus/registry/v1/SetHealthResponse.js';
import { fromGrpcError } from './errors.js';
import { healthToProto, protoToRecord, type InstanceWithRevision } from './instance-proto.js';

export const REGISTRY_PROTO = 'plexus/registry/v1/registry.proto';
export const REGISTRY_SERVICE = 'plexus.registry.v1.Registry';

export interface RegistryApiOptions {
  /** Deadline of each unary call; default 5000 ms. */
  deadlineMs?: number;
  channelOptions?: grpc.ChannelOptions;
  /** TLS (lib/grpc/tls.ts controlPlaneChannel); default plaintext, for insecure set-ups only. */
  credentials?: grpc.ChannelCredentials | undefined;
  /** Operator bearer token, sent on every call (reads need the viewer role). */
  token?: string | undefined;
}

export interface ListPage {
  instances: InstanceWithRevision[];
  nextPageToken: string;
  revision: number;
}

export interface WatchChange {
  type: 'put' | 'delete';
  instance: InstanceWithRevision;
  revision: number;
  reason?: 'deregistered' | 'expired';
}

export interface WatchMessage {
  changes: WatchChange[];
  revision: number;
  /** Forget everything seen before, then apply `changes`. */
  snapshot: boolean;
}

export interface WatchHandlers {
  onMessage(msg: WatchMessage): void;
  /** The stream ended with an error (UnavailableError when the replica went away). */
  onError(err: Error): void;
}

export class RegistryApi {
  readonly raw: RegistryClient;
  private readonly deadlineMs: number;

  constructor(readonly address: string, options: RegistryApiOptions = {}) {
    const Ctor = serviceClient(REGISTRY_PROTO, REGISTRY_SERVICE);
    this.raw = new Ctor(address, options.credentials ?? grpc.credentials.createInsecure(), {
      ...bearerTokenOptions(options.token),
      // Find a restarted replica quickly instead of backing off for up to two minutes.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
      ...options.channelOptions,
    }) as unknown as RegistryClient;
    this.deadlineMs = options.deadlineMs ?? 5000;
  }

  register(req: RegisterRequest, deadlineMs?: number): Promise<RegisterResponse__Output> {
    return this.unary<RegisterResponse__Output>('Register', (o, cb) => this.raw.Register(req, o, cb), deadlineMs);
  }

  heartbeat(ref: InstanceRef, deadlineMs?: number): Promise<HeartbeatResponse__Output> {
    return this.unary<HeartbeatResponse__Output>('Heartbeat', (o, cb) => this.raw.Heartbeat({ instance: ref }, o, cb), deadlineMs);
  }

  async setHealth(ref: InstanceRef, health: InstanceHealth, deadlineMs?: number): Promise<InstanceWithRevision> {
    const res = await this.unary<SetHealthResponse__Output>('SetHealth', (o, cb) => this.raw.SetHealth({ instance: ref, health: healthToProto(health) }, o, cb), deadlineMs);
    if (!res.instance) throw fromGrpcError(new Error('SetHealth answered without an instance'), 'SetHealth');
    return protoToRecord(res.instance);
  }

  deregister(ref: InstanceRef, deadlineMs?: number): Promise<DeregisterResponse__Output> {
    return this.unary<DeregisterResponse__Output>('Deregister', (o, cb) => this.raw.Deregister({ instance: ref }, o, cb), deadlineMs);
  }

  async get(req: GetRequest, deadlineMs?: number): Promise<InstanceWithRevision> {
    return protoToRecord(await this.unary<Instance__Output>('Get', (o, cb) => this.raw.Get(req, o, cb), deadlineMs));
  }

  async list(req: ListRequest = {}, deadlineMs?: number): Promise<ListPage> {
    const res = await this.unary<ListResponse__Output>('List', (o, cb) => this.raw.List(req, o, cb), deadlineMs);
    return { instances: res.instances.map(protoToRecord), nextPageToken: res.nextPageToken, revision: res.revision };
  }

  /** Every page of a listing (pages are separate reads: not one snapshot). */
  async listAll(req: Omit<ListRequest, 'pageToken'> = {}): Promise<{ instances: InstanceWithRevision[]; revision: number }> {
    const { items, revision } = await allPages(async (pageToken) => {
      const page = await this.list({ ...req, pageToken });
      return { items: page.instances, nextPageToken: page.nextPageToken, revision: page.revision };
    });
    return { instances: items, revision };
  }

  /** Server stream of changes; cancel() ends it without an error callback. */
  watch(req: WatchRequest, handlers: WatchHandlers): { cancel(): void } {
    const stream = this.raw.Watch(req);
    let cancelled = false;
    stream.on('data', (msg: { changes: InstanceChange__Output[]; revision: number; snapshot: boolean }) => {
      handlers.onMessage({
        revision: msg.revision,
        snapshot: msg.snapshot,
        changes: msg.changes.flatMap((c): WatchChange[] => {
          if (!c.instance) return [];
          const change: WatchChange = { type: c.type === 'CHANGE_TYPE_DELETE' ? 'delete' : 'put', instance: protoToRecord(c.instance), revision: c.revision };
          if (c.reason === 'REMOVAL_REASON_DEREGISTERED') change.reason = 'deregistered';
          if (c.reason === 'REMOVAL_REASON_EXPIRED') change.reason = 'expired';
          return [change];
        }),
      });
    });
    stream.on('error', (err: Error) => {
      if (!cancelled) handlers.onError(fromGrpcError(err, 'Watch'));
    });
    stream.on('end', () => {
      if (!cancelled) handlers.onError(new UnavailableError('Watch: the server ended the stream'));
    });
    return {
      cancel: () => {
        cancelled = true;
        stream.cancel();
      },
    };
  }

  /** A raw HeartbeatStream (see heartbeat-stream-client.ts for request/response pairing). */
  heartbeatStream(): grpc.ClientDuplexStream<HeartbeatStreamRequest, HeartbeatStreamResponse__Output> {
    return this.raw.HeartbeatStream();
  }

  close(): void {
    this.raw.close();
  }

  private unary<T>(what: string, invoke: UnaryInvoke<T>, deadlineMs?: number): Promise<T> {
    return unaryCall(what, deadlineMs ?? this.deadlineMs, invoke);
  }
}
