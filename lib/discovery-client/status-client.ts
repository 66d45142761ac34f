// A typed client of plexus.discovery.v1.Status (config-push's status and rollout API) for
// plexctl and tests: promises, a deadline per unary call, domain errors instead of gRPC statuses.
// Each config-push replica answers for its own proxies; `StatusFleet` asks several and merges.
import * as grpc from '@grpc/grpc-js';
import { isPlexusError, UnavailableError } from '../errors.js';
import { bearerTokenOptions } from '../grpc/client-call.js';
import { serviceClient } from '../grpc/proto.js';
import type { ProxyConfigResponse__Output } from '../proto/gen/plexus/discovery/v1/ProxyConfigResponse.js';
import type { ProxyInfo__Output } from '../proto/gen/plexus/discovery/v1/ProxyInfo.js';
import type { ProxyStatusRequest } from '../proto/gen/plexus/discovery/v1/ProxyStatusRequest.js';
import type { ProxyStatusResponse__Output } from '../proto/gen/plexus/discovery/v1/ProxyStatusResponse.js';
import type { RolloutProgress__Output } from '../proto/gen/plexus/discovery/v1/RolloutProgress.js';
import type { StatusClient as RawStatusClient } from '../proto/gen/plexus/discovery/v1/Status.js';
import type { WaitForRolloutRequest } from '../proto/gen/plexus/discovery/v1/WaitForRolloutRequest.js';
import { fromGrpcError } from '../grpc/client-errors.js';

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

  /**
   * Every replica's proxies; `unreachable` lists replicas that did not answer; `disconnected`
   * the registered instances that no answering replica has a stream from, with the latest time
   * a replica saw their stream end (undefined: none of them saw it since it started).
   */
  async proxyStatus(req: ProxyStatusRequest = {}): Promise<{ proxies: ProxyInfo__Output[]; unreachable: Array<{ address: string; error: string }>; disconnected: DisconnectedProxy[] }> {
    const results = await Promise.allSettled(this.apis.map((a) => a.proxyStatus(req)));
    const proxies: ProxyInfo__Output[] = [];
    const unreachable: Array<{ address: string; error: string }> = [];
    const absent = new Map<string, { count: number; p: DisconnectedProxy }>();
    let answered = 0;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        answered++;
        proxies.push(...r.value.proxies);
        for (const a of r.value.notConnected ?? []) {
          const at = a.disconnectedAt ? a.disconnectedAt.seconds * 1000 + Math.floor(a.disconnectedAt.nanos / 1e6) : undefined;
          const cur = absent.get(a.instanceId);
          if (!cur) absent.set(a.instanceId, { count: 1, p: { instanceId: a.instanceId, namespace: a.namespace, service: a.service, disconnectedAt: at } });
          else {
            cur.count++;
            if (at !== undefined && (cur.p.disconnectedAt === undefined || at > cur.p.disconnectedAt)) cur.p.disconnectedAt = at;
          }
        }
      } else unreachable.push({ address: this.apis[i]!.address, error: (r.reason as Error).message });
    });
    if (unreachable.length === this.apis.length) {
      if (unreachable.length === 1) throw results.find((r) => r.status === 'rejected')!.reason;
      throw new UnavailableError(`config-push is unavailable at every address: ${unreachable.map((u) => `${u.address} (${u.error})`).join('; ')}`);
    }
    proxies.sort((a, b) => (a.node?.instanceId ?? '').localeCompare(b.node?.instanceId ?? ''));
    const connected = new Set(proxies.map((p) => p.node?.instanceId));
    const disconnected = [...absent.values()].filter((e) => e.count === answered && !connected.has(e.p.instanceId)).map((e) => e.p);
    return { proxies, unreachable, disconnected };
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
   * Resolves with the merged final progress. A rollout that every replica finished while some
   * proxy that should hold the change is DISCONNECTED (registered, no stream anywhere) is not
   * complete: it is followed again until that proxy reconnects and acks, or the deadline
   * passes (outcome DEADLINE_EXCEEDED, the proxy listed in `disconnected`).
   * Throws UnavailableError when no replica answers.
   */
  async waitForRollout(req: WaitForRolloutRequest, onProgress: (p: MergedRollout) => void = () => undefined): Promise<MergedRollout> {
    const timeoutMs = req.timeoutMs || 30_000;
    const started = Date.now();
    let revision = req.revision ?? 0;
    for (;;) {
      const remaining = timeoutMs - (Date.now() - started);
      const merged = await this.waitOnce({ ...req, revision, timeoutMs: Math.max(100, remaining) }, (p) => onProgress({ ...p, elapsedMs: p.elapsedMs + (timeoutMs - remaining) }));
      merged.elapsedMs = Date.now() - started;
      if (merged.outcome !== 'DISCONNECTED') return merged;
      revision = merged.revision;
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) return { ...merged, outcome: 'DEADLINE_EXCEEDED' };
      onProgress({ ...merged, done: false, outcome: 'IN_PROGRESS' });
      await new Promise((r) => setTimeout(r, Math.min(500, left)));
    }
  }

  private async waitOnce(req: WaitForRolloutRequest, onProgress: (p: MergedRollout) => void): Promise<MergedRollout> {
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
            latest[i] = undefined;
            failures.push({ address: api.address, error: (err as Error).message });
            emit();
          }),
      ),
    );
    if (failures.length === this.apis.length) throw new UnavailableError(`no config-push replica answered: ${failures.map((f) => `${f.address}: ${f.error}`).join('; ')}`);
    // A replica lists the proxies it expects and has no stream from; only the one that saw a
    // proxy subscribe knows to expect it. Whether it is connected elsewhere: ask every replica.
    const candidates = new Set(latest.flatMap((p) => p?.notConnected ?? []));
    if (candidates.size === 0) return mergeRollout(latest, failures);
    const status = await this.proxyStatus().catch(() => undefined);
    const absent = status ? new Set(status.disconnected.map((d) => d.instanceId)) : undefined;
    return mergeRollout(latest, failures, absent);
  }

  close(): void {
    for (const a of this.apis) a.close();
  }
}

export interface DisconnectedProxy {
  instanceId: string;
  namespace: string;
  service: string;
  /** ms since the epoch when its stream ended; undefined when no answering replica saw it. */
  disconnectedAt: number | undefined;
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
  /** Proxies that should hold the change with no stream to any replica that answered. */
  disconnected: string[];
  /** Serving instances registered for the target service(s). */
  registered: number;
  done: boolean;
  /**
   * COMPLETE (every proxy that should hold it acked; replicas that did not answer are listed in
   * failedReplicas, their proxies counted as disconnected when they are registered) | NACKED |
   * DEADLINE_EXCEEDED | DISCONNECTED (settled on every replica but some proxy has no stream;
   * waitForRollout keeps following) | NO_PROXIES (nothing holds it although the target has
   * registered instances) | IN_PROGRESS.
   */
  outcome: string;
  elapsedMs: number;
  replicas: number;
  failedReplicas: Array<{ address: string; error: string }>;
}

/**
 * One view over several replicas' progress: counts add up, the worst outcome wins. A proxy a
 * replica lists in `not_connected` is disconnected when it is in `absentEverywhere` (the
 * registered instances no replica has a stream from, from ProxyStatus) or, without that set,
 * when every replica that answered lists it. A disconnected proxy counts as affected and not
 * acked.
 */
export function mergeRollout(
  parts: Array<RolloutProgress__Output | undefined>,
  failed: Array<{ address: string; error: string }> = [],
  absentEverywhere?: ReadonlySet<string>,
): MergedRollout {
  const seen = parts.filter((p): p is RolloutProgress__Output => p !== undefined);
  const outcomes = seen.map((p) => p.outcome);
  const done = seen.length + failed.length === parts.length && seen.every((p) => p.done);
  let disconnected: string[] = [];
  if (seen.length > 0) {
    const counts = new Map<string, number>();
    for (const p of seen) for (const id of new Set(p.notConnected ?? [])) counts.set(id, (counts.get(id) ?? 0) + 1);
    disconnected = [...counts]
      .filter(([id, n]) => (absentEverywhere ? absentEverywhere.has(id) : n === seen.length))
      .map(([id]) => id)
      .sort();
  }
  const affected = seen.reduce((a, p) => a + p.affected, 0) + disconnected.length;
  const registered = Math.max(0, ...seen.map((p) => p.registered ?? 0));
  let outcome = 'IN_PROGRESS';
  if (done) {
    if (outcomes.includes('DEADLINE_EXCEEDED')) outcome = 'DEADLINE_EXCEEDED';
    else if (outcomes.includes('NACKED')) outcome = 'NACKED';
    else if (disconnected.length > 0) outcome = 'DISCONNECTED';
    else if (affected === 0 && registered > 0) outcome = 'NO_PROXIES';
    else outcome = 'COMPLETE';
  }
  const pending = seen.flatMap((p) => p.pending).sort();
  return {
    revision: seen[0]?.revision ?? 0,
    viewReady: seen.length > 0 && seen.every((p) => p.viewReady),
    resources: seen[0]?.resources ?? [],
    affected,
    acked: seen.reduce((a, p) => a + p.acked, 0),
    nacks: seen.flatMap((p) => p.nacks),
    pending,
    pendingCount: seen.reduce((a, p) => a + p.pendingCount, 0),
    disconnected,
    registered,
    done,
    outcome,
    elapsedMs: Math.max(0, ...seen.map((p) => p.elapsedMs)),
    replicas: parts.length,
    failedReplicas: failed,
  };
}
