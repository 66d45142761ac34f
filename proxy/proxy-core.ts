// What every proxy is built from, whatever its listeners: telemetry, the mesh config, the admin
// port, the control-plane link (register, then follow discovery) and drain. The sidecar
// (sidecar.ts: outbound + inbound) and the ingress gateway (gateway.ts: one edge listener) are
// two listener arrangements over it. Lifecycle (DESIGN.md "Lifecycles"):
//   createProxyCore → the arrangement builds and opens its listeners → start(): admin port up,
//   register, open the discovery stream → ready once registered and the first config is
//   applied → drain(): DRAINING in the registry, stop accepting stage by stage, let in-flight
//   requests finish (up to drainTimeoutMs), deregister and close.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../lib/errors.js';
import type { ClientSecurity } from '../lib/grpc/tls.js';
import type { WorkloadIdentity } from '../lib/identity/workload-identity.js';
import type * as CertificateToolsModule from '../lib/identity/crypto.js';
import { createLogger } from '../lib/log.js';
import { PROXY_VERSION_METADATA } from '../lib/model/instance.js';
import { createTracing, type Tracing } from '../lib/tracing/tracing.js';
import type { InstanceSpec } from '../lib/registry-client/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProxyAdmin, type ProxyAdmin } from './admin.js';
import type { ControlPlaneLink } from './control-plane-link.js';
import { MeshConfig } from './config/mesh-config.js';
import type { ProxyConfig } from './config/proxy-config.js';
import type { HttpListener, ListenerLimits } from './http/listener.js';
import type { AnyRequest, AnyResponse } from './http/local-reply.js';
import { createOutboundHandler } from './http/outbound-handler.js';
import type { MeshTls } from './security/mesh-tls.js';
import { ProxyMetrics } from './telemetry/metrics.js';
import { Telemetry } from './telemetry/telemetry.js';

export const PROXY_VERSION = '0.1.0';

/** The settings the core reads; the sidecar's and the gateway's configs both have them. */
export type ProxyCoreConfig = Pick<
  ProxyConfig,
  | 'cluster'
  | 'zone'
  | 'namespace'
  | 'service'
  | 'instance'
  | 'logLevel'
  | 'labels'
  | 'admin'
  | 'advertiseAddress'
  | 'controlPlane'
  | 'identity'
  | 'workloadTlsFiles'
  | 'failoverThresholdPercent'
  | 'onDemandTimeoutMs'
  | 'drainTimeoutMs'
  | 'accessLog'
  | 'tracing'
  | 'limits'
>;

export interface ProxyCoreOptions {
  config: ProxyCoreConfig;
  /** `service` field of the logs when no logger is given. */
  logName: string;
  logger?: Logger | undefined;
  /** false: no registration, discovery or workload certificate (config fed through `mesh.apply`). */
  controlPlane?: boolean;
  /** Proxy-to-proxy mTLS material given directly (static proxies: tests, benchmarks); else the workload certificate's. */
  meshTls?: MeshTls | undefined;
  /** Send only to endpoints of this cluster, never through a gateway (the east-west gateway). */
  localOnly?: boolean;
}

/** One step of a drain: stop accepting on `listener`, then wait until `idle()` (or the deadline). */
export interface DrainStage {
  listener: HttpListener;
  idle(): boolean;
}

export interface ProxyArrangement {
  /** Every listener, already listening (destroyed on close or when start fails). */
  listeners: HttpListener[];
  /** The order listeners stop in on drain. */
  drain: DrainStage[];
  /** How this proxy registers: the port callers reach it on, protocol, labels, weight. */
  instance: Pick<InstanceSpec, 'port' | 'protocol' | 'labels' | 'weight'>;
  /** Services to subscribe to at once. */
  prefetch: readonly string[];
  /** false: no registration and no discovery stream; config is fed through `mesh.apply`. */
  controlPlane: boolean;
  /** The `node` part of /config_dump beyond instance, identity, cluster, zone and version. */
  node: Record<string, unknown>;
  /** More top-level parts of /config_dump. */
  dump?: () => Record<string, unknown>;
  endpoints: () => unknown;
  /** More readiness conditions, checked once the core is ready. */
  readiness?: () => string | undefined;
  /** Closes what the arrangement owns besides its listeners (the sidecar's app cluster). */
  close?: () => void;
}

export interface RunningProxy {
  readonly adminPort: number;
  readonly link: ControlPlaneLink | undefined;
  /** undefined when ready, else why not. */
  readiness(): string | undefined;
  /** Resolves once registered (at once without a control plane; rejects if stopped first). */
  registered(): Promise<void>;
  /** Graceful shutdown (SIGTERM): drain, deregister, close. Idempotent. */
  drain(): Promise<void>;
  /** Immediate shutdown without draining or deregistering (tests: a crash). */
  close(): Promise<void>;
}

export interface ProxyCore {
  readonly identity: string;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  readonly telemetry: Telemetry;
  readonly mesh: MeshConfig;
  readonly limits: ListenerLimits;
  /** Proxy-to-proxy mTLS (undefined: no workload certificate, plaintext only). */
  readonly meshTls: MeshTls | undefined;
  /** A handler that routes requests into the mesh (the sidecar's outbound side, the gateway's edge). */
  outboundHandler(): (req: AnyRequest, res: AnyResponse) => void;
  /** Opens the admin port and the control-plane link for the arrangement's listeners. */
  start(arrangement: ProxyArrangement): Promise<RunningProxy>;
}

/**
 * The parts of a proxy before it listens. Workload identity and mTLS code (gRPC, X.509) is
 * imported only when the proxy has a certificate, so a static proxy does not carry it in memory.
 */
export async function createProxyCore(opts: ProxyCoreOptions): Promise<ProxyCore> {
  const { config } = opts;
  const identity = `${config.namespace}/${config.service}`;
  const logger = opts.logger ?? createLogger({ service: opts.logName, cluster: config.cluster, instance: config.instance, level: config.logLevel });
  const metrics = new ProxyMetrics();
  const tracing = createTracing(config.tracing, {
    service: config.service,
    namespace: config.namespace,
    instance: config.instance,
    cluster: config.cluster,
    version: PROXY_VERSION,
  });
  const telemetry = new Telemetry(metrics, config.accessLog ? logger.child({ log: 'access' }) : undefined, {
    tracer: tracing.tracer,
    // The gateway's requests come from outside the mesh: its spans are the server side.
    edge: opts.logName === 'gateway',
  });
  const { workload, security } = opts.controlPlane === false ? { workload: undefined, security: { insecure: true } as const } : await workloadFor(config, logger);
  const files = config.workloadTlsFiles;
  const tlsSource = opts.meshTls ? undefined : files ? new (await import('../lib/grpc/tls.js')).FileTlsSource(files, logger) : security.tls && config.identity ? security.tls : undefined;
  const trustDomain = files?.trustDomain ?? config.identity?.trustDomain;
  const meshTls = opts.meshTls ?? (tlsSource && trustDomain ? new (await import('./security/mesh-tls.js')).MeshTls(tlsSource, trustDomain) : undefined);
  if (!meshTls) logger.warn('no workload certificate: proxy-to-proxy traffic is plaintext, and every caller is unauthenticated');
  const mesh = new MeshConfig({
    identity,
    locality: { zone: config.zone, cluster: config.cluster, failoverThresholdPercent: config.failoverThresholdPercent, localOnly: opts.localOnly === true },
    metrics,
    logger,
    onDemandTimeoutMs: config.onDemandTimeoutMs,
    maxOnDemandServices: config.limits.maxOnDemandServices,
    ...(meshTls ? { dialerFor: (service: string) => meshTls.dialerFor(service) } : {}),
  });
  const limits: ListenerLimits = {
    maxHeaderBytes: config.limits.maxHeaderBytes,
    headersTimeoutMs: config.limits.headersTimeoutMs,
    requestTimeoutMs: config.limits.requestTimeoutMs,
    keepAliveTimeoutMs: config.limits.keepAliveTimeoutMs,
    h2IdleTimeoutMs: config.limits.h2IdleTimeoutMs,
    bodyIdleTimeoutMs: config.limits.bodyIdleTimeoutMs,
    maxConnections: config.limits.maxConnections,
  };
  const outboundHandler = (): ((req: AnyRequest, res: AnyResponse) => void) =>
    createOutboundHandler({
      identity,
      namespace: config.namespace,
      lookup: mesh,
      telemetry,
      bufferLimit: config.limits.retryBufferBytes,
      onRetry: (destination) => metrics.retries.inc({ destination }),
    });
  const start = (a: ProxyArrangement): Promise<RunningProxy> => startCore({ config, identity, logger, metrics, telemetry, mesh, tracing, workload, security }, a);
  return { identity, logger, metrics, telemetry, mesh, limits, meshTls, outboundHandler, start };
}

interface CoreParts {
  config: ProxyCoreConfig;
  identity: string;
  logger: Logger;
  metrics: ProxyMetrics;
  telemetry: Telemetry;
  mesh: MeshConfig;
  tracing: Tracing;
  workload: WorkloadIdentity | undefined;
  security: ClientSecurity;
}

async function startCore(core: CoreParts, a: ProxyArrangement): Promise<RunningProxy> {
  const { config, identity, logger, metrics, telemetry, mesh, tracing } = core;
  let link: ControlPlaneLink | undefined;
  let draining = false;
  const { workload, security } = a.controlPlane ? core : { workload: undefined, security: { insecure: true } as const };
  if (workload) {
    metrics.certificateExpirySource = () => (workload.current ? (workload.current.notAfter.getTime() - Date.now()) / 1000 : Number.NaN);
    workload.on('renewal-failed', () => metrics.certificateRenewFailures.inc());
  }

  const readiness = (): string | undefined => {
    if (draining) return 'draining';
    if (a.controlPlane && workload && !workload.current) {
      return link?.identityError ? `no workload certificate: ${link.identityError}` : 'no workload certificate yet';
    }
    if (a.controlPlane && !link?.registration) {
      return link?.registrationError ? `not registered: ${link.registrationError}` : 'not registered yet';
    }
    return mesh.readiness() ?? a.readiness?.();
  };

  const certs = workload ? await import('../lib/identity/crypto.js') : undefined;
  let admin: ProxyAdmin;
  try {
    admin = await startProxyAdmin(
      config.admin.host,
      config.admin.port,
      {
        metrics,
        readiness,
        configDump: () => ({
          node: { instance: config.instance, identity, ...a.node, cluster: config.cluster, zone: config.zone, version: PROXY_VERSION },
          ...a.dump?.(),
          controlPlane: link?.describe() ?? { connected: false, registration: { state: 'disabled' } },
          certificate: workload && certs ? describeCertificate(workload, certs) : null,
          ...mesh.dump(),
        }),
        endpoints: a.endpoints,
      },
      logger,
    );
  } catch (err) {
    for (const l of a.listeners) l.destroyAll();
    a.close?.();
    throw err;
  }

  if (a.controlPlane) {
    // Imported here: a proxy without a control plane (static config) never loads gRPC for it.
    const { ControlPlaneLink } = await import('./control-plane-link.js');
    link = new ControlPlaneLink({
      registry: config.controlPlane.registry,
      configPush: config.controlPlane.configPush,
      token: config.controlPlane.token,
      instance: {
        namespace: config.namespace,
        service: config.service,
        id: config.instance,
        address: config.advertiseAddress,
        zone: config.zone,
        ...a.instance,
        metadata: { [PROXY_VERSION_METADATA]: PROXY_VERSION, adminPort: String(admin.port) },
        ...(config.controlPlane.ttlSeconds !== undefined ? { ttlSeconds: config.controlPlane.ttlSeconds } : {}),
      },
      node: {
        instanceId: config.instance,
        namespace: config.namespace,
        service: config.service,
        cluster: config.cluster,
        zone: config.zone,
        labels: config.labels,
        proxyVersion: PROXY_VERSION,
      },
      mesh,
      metrics,
      logger,
      prefetch: a.prefetch,
      security,
      workload,
    });
    link.start();
  }

  const shutdown = async (): Promise<void> => {
    link?.close();
    mesh.close();
    a.close?.();
    for (const l of a.listeners) l.destroyAll();
    await admin.close();
    await tracing.shutdown().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'could not export the last spans'));
  };

  const drain = async (): Promise<void> => {
    draining = true;
    logger.info({ drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    const deadline = Date.now() + config.drainTimeoutMs;
    const registration = link?.registration;
    if (registration) {
      await registration.setHealth('DRAINING').catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'could not mark DRAINING'));
    }
    // Stage by stage (the sidecar: inbound first, so callers move elsewhere, while outbound
    // stays up for the requests still in flight), each until its traffic is done.
    const closed: Array<Promise<void>> = [];
    for (const stage of a.drain) {
      closed.push(stage.listener.stopAccepting());
      await Promise.race([Promise.all(closed), waitUntil(stage.idle, deadline)]);
    }
    const left = telemetry.activeRequests();
    if (left > 0) logger.warn({ left }, 'drain timeout: cutting requests still in flight');
    if (registration) {
      await registration.deregister().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'deregistration failed'));
    }
    await shutdown();
    logger.info('drained and stopped');
  };

  let drained: Promise<void> | undefined;
  return {
    adminPort: admin.port,
    link,
    readiness,
    registered: () => link?.registered() ?? Promise.resolve(),
    drain: () => (drained ??= drain()),
    close: async () => {
      draining = true;
      await link?.registration?.stop();
      await shutdown();
    },
  };
}

type CertificateTools = Pick<typeof CertificateToolsModule, 'fingerprint' | 'parseCertificates'>;

/** The workload certificate's issuer and lifetime, for /config_dump (null without one). */
function describeCertificate(workload: WorkloadIdentity, { fingerprint, parseCertificates }: CertificateTools): Record<string, unknown> | null {
  const c = workload.current;
  if (!c) return null;
  const [leaf, issuer] = parseCertificates(c.certChainPem);
  return { spiffeId: c.spiffeId, serial: leaf?.serialNumber ?? null, issuer: leaf?.issuer ?? null, issuerFingerprint: issuer ? fingerprint(issuer) : null, notAfter: c.notAfter.toISOString(), roots: c.bundle.length };
}

/** The workload identity from `config.identity`, or plaintext (with a warning) without one. */
async function workloadFor(config: ProxyCoreConfig, logger: Logger): Promise<{ workload: WorkloadIdentity | undefined; security: ClientSecurity }> {
  const id = config.identity;
  if (config.controlPlane.token !== undefined) {
    logger.warn('controlPlane.token is ignored: proxies authenticate with their workload certificate (identity section)');
  }
  if (!id) {
    logger.warn('no identity section: talking to the control plane in plaintext, which only an insecure control plane accepts');
    return { workload: undefined, security: { insecure: true } };
  }
  const read = (path: string, field: string): string => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new ConfigError([{ path: `identity.${field}`, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], 'proxy');
    }
  };
  const bootstrapRoots = [read(id.caFile, 'caFile')];
  const joinToken = id.joinToken ?? read(id.joinTokenFile!, 'joinTokenFile');
  const { WorkloadIdentity, workloadTlsSource } = await import('../lib/identity/workload-identity.js');
  const workload = new WorkloadIdentity({
    address: id.addresses,
    bootstrapRoots,
    joinToken,
    namespace: config.namespace,
    service: config.service,
    trustDomain: id.trustDomain,
    ttlSeconds: id.ttlSeconds,
    logger,
  });
  return { workload, security: { tls: workloadTlsSource(workload), trustDomain: id.trustDomain } };
}

/** Resolves when `done()` holds (checked every 20 ms) or at the deadline. */
async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await sleep(20);
}
