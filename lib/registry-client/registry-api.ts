// A thin typed client of plexus.registry.v1.Registry: promises instead of callbacks, a deadline
// on every unary call, domain errors instead of gRPC statuses, records instead of proto
// messages. plexctl (`registry list`) and tests use it directly; the Registration keep-alive
// (registration.ts) uses one per replica. The address may list replicas (`host:port,host:port`,
// plexctl): a unary call goes to the next one when resending is safe (lib/grpc/replica-failover.ts:
// reads always, writes only when provably not sent); streams use the first.
import * as grpc from '@grpc/grpc-js';
import { allPages, bearerTokenOptions } from '../grpc/client-call.js';
import { callReplicas, splitAddresses, unavailableCause, type CallSafety } from '../grpc/replica-failover.js';
import { isServiceError } from '../grpc/status.js';
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

type Invoke<T> = (raw: RegistryClient, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: T) => void) => void;

export class RegistryApi {
  /** The client of the first (usually only) address; streams use it. */
  readonly raw: RegistryClient;
  private readonly raws: RegistryClient[];
  private readonly addresses: string[];
  private preferred = 0;
  private readonly deadlineMs: number;

  constructor(readonly address: string, options: RegistryApiOptions = {}) {
    const Ctor = serviceClient(REGISTRY_PROTO, REGISTRY_SERVICE);
    this.addresses = splitAddresses(address);
    if (this.addresses.length === 0) this.addresses.push(address);
    this.raws = this.addresses.map(
      (a) =>
        new Ctor(a, options.credentials ?? grpc.credentials.createInsecure(), {
          ...bearerTokenOptions(options.token),
          // Find a restarted replica quickly instead of backing off for up to two minutes.
          'grpc.initial_reconnect_backoff_ms': 100,
          'grpc.max_reconnect_backoff_ms': 2000,
          ...options.channelOptions,
        }) as unknown as RegistryClient,
    );
    this.raw = this.raws[0]!;
    this.deadlineMs = options.deadlineMs ?? 5000;
  }

  register(req: RegisterRequest, deadlineMs?: number): Promise<RegisterResponse__Output> {
    return this.unary<RegisterResponse__Output>('Register', 'write', (raw, o, cb) => raw.Register(req, o, cb), deadlineMs);
  }

  heartbeat(ref: InstanceRef, deadlineMs?: number): Promise<HeartbeatResponse__Output> {
    return this.unary<HeartbeatResponse__Output>('Heartbeat', 'write', (raw, o, cb) => raw.Heartbeat({ instance: ref }, o, cb), deadlineMs);
  }

  async setHealth(ref: InstanceRef, health: InstanceHealth, deadlineMs?: number): Promise<InstanceWithRevision> {
    const res = await this.unary<SetHealthResponse__Output>('SetHealth', 'write', (raw, o, cb) => raw.SetHealth({ instance: ref, health: healthToProto(health) }, o, cb), deadlineMs);
    if (!res.instance) throw fromGrpcError(new Error('SetHealth answered without an instance'), 'SetHealth');
    return protoToRecord(res.instance);
  }

  deregister(ref: InstanceRef, deadlineMs?: number): Promise<DeregisterResponse__Output> {
    return this.unary<DeregisterResponse__Output>('Deregister', 'write', (raw, o, cb) => raw.Deregister({ instance: ref }, o, cb), deadlineMs);
  }

  async get(req: GetRequest, deadlineMs?: number): Promise<InstanceWithRevision> {
    return protoToRecord(await this.unary<Instance__Output>('Get', 'read', (raw, o, cb) => raw.Get(req, o, cb), deadlineMs));
  }

  async list(req: ListRequest = {}, deadlineMs?: number): Promise<ListPage> {
    const res = await this.unary<ListResponse__Output>('List', 'read', (raw, o, cb) => raw.List(req, o, cb), deadlineMs);
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
    for (const raw of this.raws) raw.close();
  }

  private async unary<T>(what: string, safety: CallSafety, invoke: Invoke<T>, deadlineMs?: number): Promise<T> {
    const { value, index } = await callReplicas<T>({
      service: 'registry',
      addresses: this.addresses,
      safety,
      first: this.preferred,
      attempt: (i) =>
        new Promise<T>((resolve, reject) =>
          invoke(this.raws[i]!, { deadline: Date.now() + (deadlineMs ?? this.deadlineMs) }, (err, res) => {
            if (err) reject(err);
            else if (res === undefined) reject(new Error('empty response'));
            else resolve(res);
          }),
        ),
      mapError: (err, address) =>
        isServiceError(err) && err.code === grpc.status.UNAVAILABLE
          ? new UnavailableError(`${what}: registry at ${address} is unavailable: ${unavailableCause(err)}`, { cause: err })
          : fromGrpcError(err, what),
    });
    this.preferred = index;
    return value;
  }
}
