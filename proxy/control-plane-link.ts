// A proxy's link to the control plane, shared by the sidecar and the gateway: register the
// instance (retrying until it works or the proxy stops), then follow the discovery stream into
// the MeshConfig. Registration keeps itself alive with failover across registry addresses.
import type { Logger } from 'pino';
import { DiscoveryClient } from '../lib/discovery-client/index.js';
import { controlPlaneChannel, type ClientSecurity } from '../lib/grpc/tls.js';
import type { WorkloadIdentity } from '../lib/identity/workload-identity.js';
import type { Node } from '../lib/proto/gen/plexus/discovery/v1/Node.js';
import { Registration, RegistryPool, sleep, type InstanceSpec } from '../lib/registry-client/index.js';
import type { MeshConfig } from './config/mesh-config.js';
import type { ProxyMetrics } from './telemetry/metrics.js';

export interface ControlPlaneLinkOptions {
  registry: string[];
  configPush: string[];
  token?: string | undefined;
  instance: InstanceSpec;
  node: Node;
  mesh: MeshConfig;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Services to subscribe to at once instead of on first use. */
  prefetch: readonly string[];
  /** TLS with the workload certificate, or plaintext (only an insecure control plane accepts it). */
  security: ClientSecurity;
  /** Obtains the certificate before anything else (retried until it works); undefined when plaintext. */
  workload?: WorkloadIdentity | undefined;
}

export class ControlPlaneLink {
  registration: Registration | undefined;
  stream: DiscoveryClient | undefined;
  /** Why the last registration attempt failed, while not registered. */
  registrationError: string | undefined;
  /** Why the first certificate could not be obtained yet, while there is none. */
  identityError: string | undefined;
  private pool: RegistryPool | undefined;
  /** Heartbeats the registry did not answer (each makes the registration fail over). */
  private heartbeatFailures = 0;
  private stopped = false;
  private readonly stop = new AbortController();
  private readonly registeredPromise: Promise<void>;
  private resolveRegistered!: () => void;
  private rejectRegistered!: (err: Error) => void;

  constructor(private readonly opts: ControlPlaneLinkOptions) {
    this.registeredPromise = new Promise<void>((resolve, reject) => {
      this.resolveRegistered = resolve;
      this.rejectRegistered = reject;
    });
    this.registeredPromise.catch(() => undefined);
  }

  /** Resolves once registered; rejects if the link is closed first. */
  registered(): Promise<void> {
    return this.registeredPromise;
  }

  start(): void {
    void this.run().catch((err: unknown) => this.opts.logger.error({ err }, 'control-plane start-up failed'));
  }

  private async run(): Promise<void> {
    const { logger, workload } = this.opts;
    while (workload && !workload.current && !this.stopped) {
      try {
        await workload.start();
        this.identityError = undefined;
      } catch (err) {
        this.identityError = (err as Error).message;
        logger.warn({ err: this.identityError }, 'cannot obtain the workload certificate yet; retrying');
        await sleep(1000, this.stop.signal);
      }
    }
    this.pool = new RegistryPool(this.opts.registry, { credentials: controlPlaneChannel(this.opts.security, 'registry') });
    while (!this.stopped) {
      try {
        this.registration = await Registration.start(this.pool, this.opts.instance, {
          logger,
          registerTimeoutMs: 10_000,
          onEvent: (e) => {
            if (e.type === 'failover') this.heartbeatFailures++;
            logger.info({ event: e }, 'registration');
          },
        });
        break;
      } catch (err) {
        this.registrationError = (err as Error).message;
        logger.warn({ err: this.registrationError }, 'registration failed; retrying');
        await sleep(500, this.stop.signal);
      }
    }
    if (this.stopped || !this.registration) {
      await this.registration?.stop();
      this.rejectRegistered(new Error('proxy stopped before it registered'));
      return;
    }
    this.resolveRegistered();
    const { mesh, metrics } = this.opts;
    this.stream = new DiscoveryClient({
      addresses: this.opts.configPush,
      node: this.opts.node,
      source: mesh,
      token: this.opts.token,
      credentials: controlPlaneChannel(this.opts.security, 'config-push'),
      backoffMinMs: 200,
      backoffMaxMs: 5000,
      // A serving proxy notices a dead replica on an idle stream within ~15 s.
      channelOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000, 'grpc.keepalive_permit_without_calls': 1 },
    });
    this.stream.on('connected', () => metrics.controlPlaneConnected.set(1));
    this.stream.on('disconnected', () => {
      metrics.controlPlaneConnected.set(0);
      if (!this.stopped) logger.warn({ address: this.stream?.target, err: this.stream?.lastError }, 'discovery stream lost; reconnecting');
    });
    this.stream.on('nacked', (r, message) =>
      logger.warn({ type: r.type, nonce: r.nonce, err: message }, 'config rejected (NACK); keeping the last good config'),
    );
    mesh.setSubscriptionSink(this.stream);
    this.stream.start();
    mesh.prefetch(this.opts.prefetch);
  }

  /** The control-plane part of /config_dump. */
  describe(): Record<string, unknown> {
    const { stream, registration } = this;
    return {
      connected: stream?.connected ?? false,
      configPush: stream?.target ?? null,
      connects: stream?.connects ?? 0,
      lastError: stream?.lastError ?? null,
      registration: registration
        ? { state: registration.state, incarnation: registration.incarnation, registry: registration.address, heartbeatFailures: this.heartbeatFailures }
        : { state: 'registering', lastError: this.registrationError ?? null },
    };
  }

  /** Stops registering and the stream; does not deregister (see Registration.deregister). */
  close(): void {
    this.stopped = true;
    this.stop.abort();
    this.stream?.close();
    this.opts.metrics.controlPlaneConnected.set(0);
    this.pool?.close();
    this.opts.workload?.stop();
  }
}
