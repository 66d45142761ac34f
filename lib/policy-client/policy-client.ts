// A thin typed client of plexus.policy.v1.Policies: promises, a deadline per call, the bearer
// token on every call, and domain errors (ValidationError with field violations, CONFLICT,
// NOT_FOUND, ...) instead of gRPC statuses. plexctl, benchmarks and tests use it.
// The address may list replicas (`host:port,host:port`): a call goes to the next one when
// resending it is safe (lib/grpc/replica-failover.ts: reads and dry runs always, a write only
// when it provably never left, or when it carries an expected revision).
import * as grpc from '@grpc/grpc-js';
import { allPages } from '../grpc/client-call.js';
import { callReplicas, splitAddresses, unavailableCause, type CallSafety } from '../grpc/replica-failover.js';
import { serviceClient } from '../grpc/proto.js';
import type { ApplyResponse__Output } from '../proto/gen/plexus/policy/v1/ApplyResponse.js';
import type { DeleteResponse__Output } from '../proto/gen/plexus/policy/v1/DeleteResponse.js';
import type { GetResponse__Output } from '../proto/gen/plexus/policy/v1/GetResponse.js';
import type { HistoryResponse__Output } from '../proto/gen/plexus/policy/v1/HistoryResponse.js';
import type { ListRequest } from '../proto/gen/plexus/policy/v1/ListRequest.js';
import type { ListResponse__Output } from '../proto/gen/plexus/policy/v1/ListResponse.js';
import type { PoliciesClient } from '../proto/gen/plexus/policy/v1/Policies.js';
import type { PolicyObject__Output } from '../proto/gen/plexus/policy/v1/PolicyObject.js';
import type { WatchEvent__Output } from '../proto/gen/plexus/policy/v1/WatchEvent.js';
import type { WatchRequest } from '../proto/gen/plexus/policy/v1/WatchRequest.js';
import { UnavailableError } from '../errors.js';
import { fromGrpcError } from '../grpc/client-errors.js';
import { isServiceError } from '../grpc/status.js';

export const POLICY_PROTO = 'plexus/policy/v1/policy.proto';
export const POLICY_SERVICE = 'plexus.policy.v1.Policies';

export interface PolicyClientOptions {
  token?: string;
  /** TLS (lib/grpc/tls.ts controlPlaneChannel); default plaintext, for insecure set-ups only. */
  credentials?: grpc.ChannelCredentials | undefined;
  /** Deadline of each unary call; default 10000 ms. */
  deadlineMs?: number;
}

export interface ApplyCall {
  /** The document as a JS value (sent as JSON) or as JSON text. */
  document: unknown;
  expectedRevision?: number;
  dryRun?: boolean;
}

export interface PolicyRefArgs {
  kind: string;
  namespace?: string;
  name: string;
}

export type PolicyObject = PolicyObject__Output;
export type ApplyResponse = ApplyResponse__Output;
export type WatchEvent = WatchEvent__Output;

export class PolicyClient {
  /** The client of the first replica (watch() streams from it). */
  readonly raw: PoliciesClient;
  private readonly raws: PoliciesClient[];
  private readonly addresses: string[];
  /** The replica that answered last: tried first next time. */
  private preferred = 0;
  private readonly deadlineMs: number;
  private readonly token: string | undefined;

  /** `address`: `host:port`, or replicas as `host:port,host:port`. */
  constructor(readonly address: string, options: PolicyClientOptions = {}) {
    const Ctor = serviceClient(POLICY_PROTO, POLICY_SERVICE);
    this.addresses = splitAddresses(address);
    if (this.addresses.length === 0) this.addresses.push(address);
    this.raws = this.addresses.map(
      (a) =>
        new Ctor(a, options.credentials ?? grpc.credentials.createInsecure(), {
          'grpc.initial_reconnect_backoff_ms': 100,
          'grpc.max_reconnect_backoff_ms': 2000,
        }) as unknown as PoliciesClient,
    );
    this.raw = this.raws[0]!;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.token = options.token;
  }

  apply(call: ApplyCall): Promise<ApplyResponse__Output> {
    const req = {
      document: typeof call.document === 'string' ? call.document : JSON.stringify(call.document),
      dryRun: call.dryRun === true,
      ...(call.expectedRevision === undefined ? {} : { expectedRevision: call.expectedRevision }),
    };
    const safety: CallSafety = call.dryRun === true ? 'read' : call.expectedRevision !== undefined ? 'conditional-write' : 'write';
    return this.unary('Apply', safety, (raw, m, o, cb) => raw.Apply(req, m, o, cb));
  }

  async get(ref: PolicyRefArgs): Promise<PolicyObject__Output> {
    const res = await this.unary<GetResponse__Output>('Get', 'read', (raw, m, o, cb) => raw.Get({ ...ref, namespace: ref.namespace ?? '' }, m, o, cb));
    if (!res.policy) throw fromGrpcError(new Error('Get answered without a policy'), 'Get');
    return res.policy;
  }

  list(req: ListRequest = {}): Promise<ListResponse__Output> {
    return this.unary('List', 'read', (raw, m, o, cb) => raw.List(req, m, o, cb));
  }

  /** Every page (pages are separate reads, not one snapshot). */
  async listAll(req: Omit<ListRequest, 'pageToken'> = {}): Promise<{ policies: PolicyObject__Output[]; revision: number }> {
    const { items, revision } = await allPages(async (pageToken) => {
      const page = await this.list({ ...req, pageToken });
      return { items: page.policies, nextPageToken: page.nextPageToken, revision: page.revision };
    });
    return { policies: items, revision };
  }

  delete(ref: PolicyRefArgs & { expectedRevision?: number }): Promise<DeleteResponse__Output> {
    const req = {
      kind: ref.kind,
      namespace: ref.namespace ?? '',
      name: ref.name,
      ...(ref.expectedRevision === undefined ? {} : { expectedRevision: ref.expectedRevision }),
    };
    return this.unary('Delete', ref.expectedRevision !== undefined ? 'conditional-write' : 'write', (raw, m, o, cb) => raw.Delete(req, m, o, cb));
  }

  history(ref: PolicyRefArgs & { limit?: number }): Promise<HistoryResponse__Output> {
    const req = { kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name, limit: ref.limit ?? 0 };
    return this.unary('History', 'read', (raw, m, o, cb) => raw.History(req, m, o, cb));
  }

  /** Server stream of changes; cancel() ends it without calling onError. */
  watch(req: WatchRequest, handlers: { onEvent(ev: WatchEvent__Output): void; onError(err: Error): void }): { cancel(): void } {
    const stream = this.raw.Watch(req, this.metadata());
    let cancelled = false;
    stream.on('data', (ev: WatchEvent__Output) => handlers.onEvent(ev));
    stream.on('error', (err: Error) => {
      if (!cancelled) handlers.onError(fromGrpcError(err, 'Watch'));
    });
    return {
      cancel: () => {
        cancelled = true;
        stream.cancel();
      },
    };
  }

  close(): void {
    for (const raw of this.raws) raw.close();
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private async unary<T>(
    what: string,
    safety: CallSafety,
    invoke: (raw: PoliciesClient, md: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: T) => void) => void,
  ): Promise<T> {
    const { value, index } = await callReplicas<T>({
      service: 'policy service',
      addresses: this.addresses,
      safety,
      first: this.preferred,
      attempt: (i) =>
        new Promise<T>((resolve, reject) =>
          invoke(this.raws[i]!, this.metadata(), { deadline: Date.now() + this.deadlineMs }, (err, res) => {
            if (err) reject(err);
            else if (res === undefined) reject(new Error('empty response'));
            else resolve(res);
          }),
        ),
      mapError: (err, address) =>
        isServiceError(err) && err.code === grpc.status.UNAVAILABLE
          ? new UnavailableError(`policy service at ${address} is unavailable: ${unavailableCause(err)}`, { cause: err })
          : fromGrpcError(err, what),
    });
    this.preferred = index;
    return value;
  }
}
