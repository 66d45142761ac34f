// A registered instance kept alive: what a sidecar proxy runs for its own instance.
//  - register on any reachable replica (in address order, failing over with jittered backoff);
//  - heartbeat every TTL/3 (on a HeartbeatStream by default, or unary calls); when a replica
//    fails or does not answer in time, move to the next address and retry after a short
//    jittered backoff, well inside the TTL, so the instance never lapses;
//  - lease lost (NOT_FOUND, e.g. the process was frozen past its TTL): register again under
//    the same id, naming the incarnation it held, and carry on with the new incarnation;
//  - FAILED_PRECONDITION (someone registered a newer incarnation of the id): superseded, stop
//    without fighting over the id;
//  - deregister on shutdown (stops heart-beating first).
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { FailedPreconditionError, isPlexusError, NotFoundError, PlexusError, UnavailableError } from '../errors.js';
import type { InstanceHealth, InstanceProtocol } from '../model/instance.js';
import type { HeartbeatResult__Output } from '../proto/gen/plexus/registry/v1/HeartbeatResult.js';
import type { InstanceRef } from '../proto/gen/plexus/registry/v1/InstanceRef.js';
import type { RegisterRequest } from '../proto/gen/plexus/registry/v1/RegisterRequest.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { isRetryable } from './errors.js';
import { HeartbeatStreamClient } from './heartbeat-stream-client.js';
import { healthToProto, protocolToProto, type InstanceWithRevision } from './instance-proto.js';
import type { RegistryApi } from './registry-api.js';
import type { RegistryPool } from './registry-pool.js';

/** Upper bound of one heartbeat's deadline (see heartbeatTimeout). */
const HEARTBEAT_TIMEOUT_CAP_MS = 5000;

export interface InstanceSpec {
  namespace?: string;
  service: string;
  /** Stable id (e.g. the pod name); the registry generates one when omitted. */
  id?: string;
  address: string;
  port: number;
  protocol?: InstanceProtocol;
  zone?: string;
  labels?: Record<string, string>;
  weight?: number;
  metadata?: Record<string, string>;
  /** Lease TTL; default: the registry's (15 s). */
  ttlSeconds?: number;
  health?: InstanceHealth;
}

export type RegistrationEvent =
  | { type: 'registered'; incarnation: number; address: string }
  | { type: 'reregistered'; incarnation: number; previousIncarnation: number; address: string }
  | { type: 'failover'; from: string; to: string; error: string }
  | { type: 'superseded'; incarnation: number; message: string }
  | { type: 'deregistered'; incarnation: number };

export interface RegistrationOptions {
  /** Heartbeat transport; default 'stream'. */
  transport?: 'stream' | 'unary';
  /** Index in the pool's addresses to start with; default 0. */
  startIndex?: number;
  /** Retry pacing after a failure; default 50 ms doubling to 1 s (jittered). */
  backoff?: BackoffOptions;
  /** Deadline of Register/Deregister/SetHealth calls; default 3000 ms. */
  callTimeoutMs?: number;
  /** Give up registering at start-up after this long; default: keep trying. */
  registerTimeoutMs?: number;
  logger?: Logger;
  onEvent?: (event: RegistrationEvent) => void;
}

export type RegistrationState = 'active' | 'superseded' | 'stopped' | 'deregistered';

export class Registration {
  private index: number;
  private incarnationValue = 0;
  private ttl = 0;
  private intervalMs = 0;
  private stateValue: RegistrationState = 'active';
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private stream: HeartbeatStreamClient | undefined;
  private loop: Promise<void> | undefined;
  private lastRecord: InstanceWithRevision | undefined;
  private idValue: string;

  private constructor(
    private readonly pool: RegistryPool,
    private readonly spec: InstanceSpec,
    private readonly opts: RegistrationOptions,
  ) {
    this.index = opts.startIndex ?? 0;
    this.backoff = new Backoff({ initialMs: 50, maxMs: 1000, ...opts.backoff });
    this.idValue = spec.id ?? '';
  }

  /** Registers (retrying across replicas) and starts heart-beating. */
  static async start(pool: RegistryPool, spec: InstanceSpec, opts: RegistrationOptions = {}): Promise<Registration> {
    const reg = new Registration(pool, spec, opts);
    const deadline = opts.registerTimeoutMs === undefined ? undefined : Date.now() + opts.registerTimeoutMs;
    const res = await reg.withFailover('Register', (api) => api.register(reg.request(0), reg.callTimeout()), deadline);
    reg.adopt(res);
    reg.emit({ type: 'registered', incarnation: reg.incarnationValue, address: reg.address });
    reg.loop = reg.keepAlive();
    return reg;
  }

  get id(): string {
    return this.idValue;
  }
  get incarnation(): number {
    return this.incarnationValue;
  }
  get ttlSeconds(): number {
    return this.ttl;
  }
  get state(): RegistrationState {
    return this.stateValue;
  }
  /** The replica currently used. */
  get address(): string {
    return this.pool.api(this.index).address;
  }
  /** The record the registry returned at the last (re-)registration or health change. */
  get record(): InstanceWithRevision | undefined {
    return this.lastRecord;
  }
  get ref(): InstanceRef {
    return { namespace: this.spec.namespace ?? 'default', service: this.spec.service, instanceId: this.idValue, incarnation: this.incarnationValue };
  }

  async setHealth(health: InstanceHealth): Promise<void> {
    this.requireActive();
    this.lastRecord = await this.withFailover('SetHealth', (api) => api.setHealth(this.ref, health, this.callTimeout()));
    this.spec.health = health;
  }

  /** Stops heart-beating and removes the instance (NOT_FOUND counts as done). */
  async deregister(timeoutMs = 10_000): Promise<void> {
    if (this.stateValue !== 'active') return;
    await this.halt('deregistered');
    const deadline = Date.now() + timeoutMs;
    try {
      await this.withFailover('Deregister', (api) => api.deregister(this.ref, this.callTimeout()), deadline, true);
    } catch (err) {
      if (!isPlexusError(err, 'NOT_FOUND')) throw err;
    }
    this.emit({ type: 'deregistered', incarnation: this.incarnationValue });
  }

  /** Stops heart-beating without deregistering: the instance expires after its TTL. */
  async stop(): Promise<void> {
    if (this.stateValue === 'active') await this.halt('stopped');
  }

  private async halt(state: RegistrationState): Promise<void> {
    this.stateValue = state;
    this.abort.abort();
    this.stream?.close();
    this.stream = undefined;
    await this.loop;
  }

  private request(expectedIncarnation: number): RegisterRequest {
    const s = this.spec;
    return {
      namespace: s.namespace ?? '',
      service: s.service,
      instanceId: this.idValue,
      address: s.address,
      port: s.port,
      protocol: s.protocol === undefined ? 'PROTOCOL_UNSPECIFIED' : protocolToProto(s.protocol),
      zone: s.zone ?? '',
      labels: s.labels ?? {},
      weight: s.weight ?? 0,
      metadata: s.metadata ?? {},
      ttlSeconds: s.ttlSeconds ?? 0,
      health: s.health === undefined ? 'HEALTH_UNSPECIFIED' : healthToProto(s.health),
      expectedIncarnation,
    };
  }

  private adopt(res: { instanceId: string; incarnation: number; ttlSeconds: number; heartbeatIntervalMs: number; instance: unknown }): void {
    this.idValue = res.instanceId;
    this.incarnationValue = res.incarnation;
    this.ttl = res.ttlSeconds;
    this.intervalMs = res.heartbeatIntervalMs || Math.floor((res.ttlSeconds * 1000) / 3);
  }

  private async keepAlive(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await sleep(this.intervalMs, signal);
      if (signal.aborted) return;
      await this.beat().catch((err: unknown) => this.opts.logger?.error({ err }, 'registry keep-alive failed unexpectedly'));
    }
  }

  /** One heartbeat, failing over until some replica answers for the lease. */
  private async beat(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let result: { code: number; message: string };
      try {
        result = await this.heartbeatOnce(this.pool.api(this.index));
      } catch (err) {
        result = { code: grpc.status.UNAVAILABLE, message: err instanceof Error ? err.message : String(err) };
      }
      if (signal.aborted) return;
      switch (result.code) {
        case grpc.status.OK:
          this.backoff.reset();
          return;
        case grpc.status.NOT_FOUND:
          await this.reRegister();
          return;
        case grpc.status.FAILED_PRECONDITION:
          this.supersede(result.message);
          return;
        case grpc.status.INVALID_ARGUMENT:
          // A bug on our side; retrying cannot help, and the lease will run out.
          this.opts.logger?.error({ message: result.message }, 'registry rejected our heartbeat as invalid; stopping');
          this.stateValue = 'stopped';
          this.abort.abort();
          return;
        default:
          await this.failover(result.message);
      }
    }
  }

  private async heartbeatOnce(api: RegistryApi): Promise<{ code: number; message: string }> {
    const timeoutMs = this.heartbeatTimeout();
    if (this.opts.transport === 'unary') {
      try {
        await api.heartbeat(this.ref, timeoutMs);
        return { code: grpc.status.OK, message: '' };
      } catch (err) {
        return { code: codeOf(err), message: err instanceof Error ? err.message : String(err) };
      }
    }
    if (!this.stream || this.stream.dead || this.stream.api !== api) {
      this.stream?.close();
      this.stream = new HeartbeatStreamClient(api);
    }
    const results: HeartbeatResult__Output[] = await this.stream.send([this.ref], timeoutMs);
    const mine = results[0];
    if (!mine) throw new UnavailableError('HeartbeatStream answered without a result');
    return { code: mine.code, message: mine.message };
  }

  private async reRegister(): Promise<void> {
    const previous = this.incarnationValue;
    this.opts.logger?.warn({ id: this.idValue, incarnation: previous }, 'registry lease lost; registering again');
    try {
      const res = await this.withFailover('Register', (api) => api.register(this.request(previous), this.callTimeout()));
      this.adopt(res);
      this.emit({ type: 'reregistered', incarnation: this.incarnationValue, previousIncarnation: previous, address: this.address });
    } catch (err) {
      if (err instanceof FailedPreconditionError) this.supersede(err.message);
      else if (!this.abort.signal.aborted) throw err;
    }
  }

  private supersede(message: string): void {
    if (this.stateValue !== 'active') return;
    this.opts.logger?.warn({ id: this.idValue, incarnation: this.incarnationValue, message }, 'registration superseded by a newer incarnation; stopping');
    this.stateValue = 'superseded';
    this.abort.abort();
    this.stream?.close();
    this.emit({ type: 'superseded', incarnation: this.incarnationValue, message });
  }

  private async failover(error: string, signal: AbortSignal | undefined = this.abort.signal): Promise<void> {
    const from = this.address;
    this.index = (this.index + 1) % this.pool.size;
    this.stream?.close();
    this.stream = undefined;
    const delay = this.backoff.next();
    this.opts.logger?.warn({ from, to: this.address, error, retryInMs: delay }, 'registry replica failed; failing over');
    this.emit({ type: 'failover', from, to: this.address, error });
    await sleep(delay, signal);
  }

  /**
   * Runs `op` against the current replica, moving on to the next with backoff while it fails
   * in a retryable way, until `deadline` (if any). `ignoreAbort` lets Deregister run after
   * the keep-alive was stopped.
   */
  private async withFailover<T>(what: string, op: (api: RegistryApi) => Promise<T>, deadline?: number, ignoreAbort = false): Promise<T> {
    for (;;) {
      try {
        const out = await op(this.pool.api(this.index));
        this.backoff.reset();
        return out;
      } catch (err) {
        if (!isRetryable(err)) throw err;
        if (!ignoreAbort && this.abort.signal.aborted) throw new UnavailableError(`${what}: registration stopped`, { cause: err });
        if (deadline !== undefined && Date.now() >= deadline) throw err;
        await this.failover((err as Error).message, ignoreAbort ? undefined : this.abort.signal);
      }
    }
  }

  private callTimeout(): number {
    return this.opts.callTimeoutMs ?? 3000;
  }

  /**
   * A heartbeat must fail over well before the lease can lapse (it has TTL − interval left, two
   * intervals), yet wait out a store leader election: the registry's etcd keep-alive may take
   * up to 4.5 s then (EtcdStore leaseTimeoutMs). At most one interval, at most 5 s.
   */
  private heartbeatTimeout(): number {
    return Math.max(200, Math.min(HEARTBEAT_TIMEOUT_CAP_MS, this.intervalMs));
  }

  private requireActive(): void {
    if (this.stateValue !== 'active') throw new FailedPreconditionError(`registration is ${this.stateValue}`);
  }

  private emit(event: RegistrationEvent): void {
    try {
      this.opts.onEvent?.(event);
    } catch (err) {
      this.opts.logger?.error({ err, event: event.type }, 'registration event listener threw');
    }
  }
}

function codeOf(err: unknown): number {
  if (!(err instanceof PlexusError)) return grpc.status.UNAVAILABLE;
  if (err instanceof NotFoundError || err.code === 'NOT_FOUND') return grpc.status.NOT_FOUND;
  switch (err.code) {
    case 'FAILED_PRECONDITION':
      return grpc.status.FAILED_PRECONDITION;
    case 'INVALID_ARGUMENT':
      return grpc.status.INVALID_ARGUMENT;
    default:
      return grpc.status.UNAVAILABLE;
  }
}
