// A thin typed client of plexus.policy.v1.Policies: promises, a deadline per call, the bearer
// token on every call, and domain errors (ValidationError with field violations, CONFLICT,
// NOT_FOUND, ...) instead of gRPC statuses. plexctl, benchmarks and tests use it.
import * as grpc from '@grpc/grpc-js';
import { allPages, unaryCall } from '../grpc/client-call.js';
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
  readonly raw: PoliciesClient;
  private readonly deadlineMs: number;
  private readonly token: string | undefined;

  constructor(readonly address: string, options: PolicyClientOptions = {}) {
    const Ctor = serviceClient(POLICY_PROTO, POLICY_SERVICE);
    this.raw = new Ctor(address, options.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as PoliciesClient;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.token = options.token;
  }

  apply(call: ApplyCall): Promise<ApplyResponse__Output> {
    const req = {
      document: typeof call.document === 'string' ? call.document : JSON.stringify(call.document),
      dryRun: call.dryRun === true,
      ...(call.expectedRevision === undefined ? {} : { expectedRevision: call.expectedRevision }),
    };
    return this.unary('Apply', (m, o, cb) => this.raw.Apply(req, m, o, cb));
  }

  async get(ref: PolicyRefArgs): Promise<PolicyObject__Output> {
    const res = await this.unary<GetResponse__Output>('Get', (m, o, cb) => this.raw.Get({ ...ref, namespace: ref.namespace ?? '' }, m, o, cb));
    if (!res.policy) throw fromGrpcError(new Error('Get answered without a policy'), 'Get');
    return res.policy;
  }

  list(req: ListRequest = {}): Promise<ListResponse__Output> {
    return this.unary('List', (m, o, cb) => this.raw.List(req, m, o, cb));
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
    return this.unary('Delete', (m, o, cb) => this.raw.Delete(req, m, o, cb));
  }

  history(ref: PolicyRefArgs & { limit?: number }): Promise<HistoryResponse__Output> {
    const req = { kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name, limit: ref.limit ?? 0 };
    return this.unary('History', (m, o, cb) => this.raw.History(req, m, o, cb));
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
    this.raw.close();
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private unary<T>(
    what: string,
    invoke: (md: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: T) => void) => void,
  ): Promise<T> {
    return unaryCall<T>(what, this.deadlineMs, (options, cb) => invoke(this.metadata(), options, cb), (err) => {
      if (err.code !== grpc.status.UNAVAILABLE) return undefined;
      const cause = err.details.replace(/\. Resolution note:.*$/s, '').replace(/^No connection established\. Last error: (Error: )?/, '');
      return new UnavailableError(`policy service at ${this.address} is unavailable: ${cause}`, { cause: err });
    });
  }
}
