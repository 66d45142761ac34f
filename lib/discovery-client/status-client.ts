// A typed client of plexus.discovery.v1.Status (config-push's status and rollout API) for
// plexctl and tests: promises, a deadline per unary call, domain errors instead of gRPC statuses.
// Each config-push replica answers for its own proxies; `StatusFleet` asks several and merges.
import * as grpc from '@grpc/grpc-js';
import { isPlexusError } from '../errors.js';
import { bearerTokenOptions } from '../grpc/client-call.js';
import { serviceClient } from '../grpc/proto.js';
import type { ProxyConfigResponse__Output } from '../proto/gen/plexus/discovery/v1/ProxyConfigResponse.js';
import type { ProxyInfo__Output } from '../proto/gen/plexus/discovery/v1/ProxyInfo.js';
import type { ProxyStatusRequest } from '../proto/gen/plexus/discovery/v1/ProxyStatusRequest.js';
import type { ProxyStatusResponse__Output } from '../proto/gen/plexus/discovery/v1/ProxyStatusResponse.js';
import type { RolloutProgress__Output } from '../proto/gen/plexus/discovery/v1/RolloutProgress.js';
import type { StatusClient as RawStatusClient } from '../proto/gen/plexus/discovery/v1/Status.js';
import type { WaitForRolloutRequest } from '../proto/gen/plexus/discovery/v1/WaitForRolloutRequest.js';
import { fromGrpcError } from '../registry-client/errors.js';

export const STATUS_PROTO = 'plexus/discovery/v1/status.proto';
export const STATUS_SERVICE = 'plexus.discovery.v1.Status';

export type RolloutProgress = RolloutProgress__Output;
export type ProxyInfo = ProxyInfo__Output;
export type ProxyConfig = ProxyConfigResponse__Output;

/** How to reach the Status API: TLS credentials and the operator's token (viewer role). */
export interface StatusAccess {
  credentials?: grpc.ChannelCredentials | undefined;
  token?: string | undefined;
}

export class StatusApi {
  readonly raw: RawStatusClient;

  constructor(
    readonly address: string,
    private readonly deadlineMs = 10_000,
    access: StatusAccess = {},
  ) {
    const Ctor = serviceClient(STATUS_PROTO, STATUS_SERVICE);
    this.raw = new Ctor(address, access.credentials ?? grpc.credentials.createInsecure(), {
      ...bearerTokenOptions(access.token),
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as RawStatusClient;
  }

  proxyStatus(req: ProxyStatusRequest = {}): Promise<ProxyStatusResponse__Output> {
    return new Promise((resolve, reject) => {
      this.raw.ProxyStatus(req, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err || !res) reject(fromGrpcError(err ?? new Error('empty response'), 'ProxyStatus'));
        else resolve(res);
      });
    });
  }

  proxyConfig(instanceId: string): Promise<ProxyConfigResponse__Output> {
    return new Promise((resolve, reject) => {
      this.raw.ProxyConfig({ instanceId }, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err || !res) reject(fromGrpcError(err ?? new Error('empty response'), 'ProxyConfig'));
        else resolve(res);
      });
    });
  }

  /** Streams progress to `onProgress`; resolves with the final message. */
  waitForRollout(req: WaitForRolloutRequest, onProgress: (p: RolloutProgress__Output) => void = () => undefined): Promise<RolloutProgress__Output> {
    return new Promise((resolve, reject) => {
      // The server ends the stream at its own deadline; ours only guards against a hung server.
      const timeoutMs = (req.timeoutMs || 30_000) + this.deadlineMs;
      const call = this.raw.WaitForRollout(req, { deadline: Date.now() + timeoutMs });
      let last: RolloutProgress__Output | undefined;
      call.on('data', (p: RolloutProgress__Output) => {
        last = p;
        onProgress(p);
      });
      call.on('error', (err: Error) => reject(fromGrpcError(err, 'WaitForRollout')));
      call.on('end', () => {
        if (last?.done) resolve(last);
        else reject(fromGrpcError(new Error('stream ended before the rollout finished'), 'WaitForRollout'));
      });
    });
  }

  close(): void {
    this.raw.close();
  }
}

/** Several replicas asked as one; a replica that cannot be reached is reported, not fatal. */
export class StatusFleet {
  readonly apis: StatusApi[];

  constructor(addresses: string[], deadlineMs = 10_000, access: StatusAccess = {}) {
    if (addresses.length === 0) throw new RangeError('StatusFleet needs at least one address');
    this.apis = addresses.map((a) => new StatusApi(a, deadlineMs, access));
  }

  /** Every replica's proxies; `unreachable` lists replicas that did not answer. */
  async proxyStatus(req: ProxyStatusRequest = {}): Promise<{ proxies: ProxyInfo__Output[]; unreachable: Array<{ address: string; error: string }> }> {
    const results = await Promise.allSettled(this.apis.map((a) => a.proxyStatus(req)));
    const proxies: ProxyInfo__Output[] = [];
    const unreachable: Array<{ address: string; error: string }> = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') proxies.push(...r.value.proxies);
      else unreachable.push({ address: this.apis[i]!.address, error: (r.reason as Error).message });
    });
    if (unreachable.length === this.apis.length) throw results.find((r) => r.status === 'rejected')!.reason;
    proxies.sort((a, b) => (a.node?.instanceId ?? '').localeCompare(b.node?.instanceId ?? ''));
    return { proxies, unreachable };
  }

  /** The replica the proxy is connected to answers; NOT_FOUND only when none has it. */
  async proxyConfig(instanceId: string): Promise<ProxyConfigResponse__Output> {
    const results = await Promise.allSettled(this.apis.map((a) => a.proxyConfig(instanceId)));
    const found = results.find((r) => r.status === 'fulfilled');
    if (found) return (found as PromiseFulfilledResult<ProxyConfigResponse__Output>).value;
    const errors = results.map((r) => (r as PromiseRejectedResult).reason as unknown);
    throw errors.find((e) => !isPlexusError(e, 'NOT_FOUND')) ?? errors[0];
  }

  /**
   * Follow a rollout on every replica; `onProgress` gets the merged view after each message.
   * Resolves with the merged final progress.
   */
  async waitForRollout(req: WaitForRolloutRequest, onProgress: (p: MergedRollout) => void = () => undefined): Promise<MergedRollout> {
    const latest: Array<RolloutProgress__Output | undefined> = this.apis.map(() => undefined);
    const failures: Array<{ address: string; error: string }> = [];
    const emit = (): void => onProgress(mergeRollout(latest, failures));
    await Promise.all(
      this.apis.map((api, i) =>
        api
          .waitForRollout(req, (p) => {
            latest[i] = p;
            emit();
          })
          .catch((err: unknown) => {
            // A replica that rejects the request itself (bad input, unknown target) fails all.
            if (isPlexusError(err, 'INVALID_ARGUMENT') || isPlexusError(err, 'NOT_FOUND')) throw err;
            failures.push({ address: api.address, error: (err as Error).message });
            emit();
          }),
      ),
    );
    if (failures.length === this.apis.length) throw new Error(`no config-push replica answered: ${failures.map((f) => `${f.address}: ${f.error}`).join('; ')}`);
    return mergeRollout(latest, failures);
  }

  close(): void {
    for (const a of this.apis) a.close();
  }
}

export interface MergedRollout {
  revision: number;
  viewReady: boolean;
  resources: string[];
  affected: number;
  acked: number;
  nacks: RolloutProgress__Output['nacks'];
  pending: string[];
  pendingCount: number;
  done: boolean;
  /** COMPLETE | NACKED | DEADLINE_EXCEEDED | IN_PROGRESS | PARTIAL (a replica failed). */
  outcome: string;
  elapsedMs: number;
  replicas: number;
  failedReplicas: Array<{ address: string; error: string }>;
}

/** One view over several replicas' progress: counts add up, the worst outcome wins. */
export function mergeRollout(parts: Array<RolloutProgress__Output | undefined>, failed: Array<{ address: string; error: string }> = []): MergedRollout {
  const seen = parts.filter((p): p is RolloutProgress__Output => p !== undefined);
  const outcomes = seen.map((p) => p.outcome);
  const done = seen.length + failed.length === parts.length && seen.every((p) => p.done);
  let outcome = 'IN_PROGRESS';
  if (done) {
    if (outcomes.includes('DEADLINE_EXCEEDED')) outcome = 'DEADLINE_EXCEEDED';
    else if (outcomes.includes('NACKED')) outcome = 'NACKED';
    else if (failed.length > 0) outcome = 'PARTIAL';
    else outcome = 'COMPLETE';
  }
  const pending = seen.flatMap((p) => p.pending).sort();
  return {
    revision: seen[0]?.revision ?? 0,
    viewReady: seen.length > 0 && seen.every((p) => p.viewReady),
    resources: seen[0]?.resources ?? [],
    affected: seen.reduce((a, p) => a + p.affected, 0),
    acked: seen.reduce((a, p) => a + p.acked, 0),
    nacks: seen.flatMap((p) => p.nacks),
    pending,
    pendingCount: seen.reduce((a, p) => a + p.pendingCount, 0),
    done,
    outcome,
    elapsedMs: Math.max(0, ...seen.map((p) => p.elapsedMs)),
    replicas: parts.length,
    failedReplicas: failed,
  };
}
