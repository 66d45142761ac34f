// Sidecar configuration: YAML file + PLEXUS_* environment + command-line flags, validated once
// by a strict zod schema (lib/config/load.ts); a bad value stops start-up naming the field.
//
//   plexus-proxy --config proxy.yaml --service reviews --app.port 9080 --labels.version v2
//   PLEXUS_SERVICE=reviews PLEXUS_APP__PORT=9080 PLEXUS_CONTROL_PLANE__REGISTRY=10.0.0.5:7101 plexus-proxy
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.js';
import { dnsLabel, listenAddress, logLevel, port, stringList } from '../../lib/config/fields.js';
import { loadConfigFromArgs } from '../../lib/config/flags.js';
import { TRACING_DEFAULTS, tracingConfigSchema } from '../../lib/tracing/tracing.js';

export const PROXY_DEFAULT_PORTS = { admin: 15000, outbound: 15001, inbound: 15006 } as const;

const hostPort = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port');

const positiveMs = (def: number) => z.number().int('must be an integer').min(1, 'must be at least 1 ms').default(def);

export const proxyConfigSchema = z
  .object({
    cluster: dnsLabel.default('local'),
    zone: z.string().min(1).max(63).default('local'),
    namespace: dnsLabel.default('default'),
    /** The app's service name (required). */
    service: dnsLabel,
    /** Instance id; default `<service>-<host>-<pid>`. */
    instance: z.string().min(1).max(128).optional(),
    logLevel: logLevel.default('info'),
    labels: z.record(z.string(), z.string()).default({}),
    weight: z.number().int().min(1, 'must be 1–1000').max(1000, 'must be 1–1000').default(100),
    app: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.refine((p) => p > 0, 'must be 1–65535'),
        protocol: z.enum(['http1', 'http2', 'grpc']).default('http1'),
      })
      .strict(),
    admin: listenAddress(PROXY_DEFAULT_PORTS.admin).default({ host: '127.0.0.1', port: PROXY_DEFAULT_PORTS.admin }),
    outbound: listenAddress(PROXY_DEFAULT_PORTS.outbound).default({ host: '127.0.0.1', port: PROXY_DEFAULT_PORTS.outbound }),
    inbound: listenAddress(PROXY_DEFAULT_PORTS.inbound).default({ host: '0.0.0.0', port: PROXY_DEFAULT_PORTS.inbound }),
    /** The address other proxies reach this one's inbound listener on (what is registered). */
    advertiseAddress: z.string().min(1).default('127.0.0.1'),
    controlPlane: z
      .object({
        registry: stringList(hostPort).pipe(z.array(hostPort).min(1, 'needs at least one address')).default(['127.0.0.1:7101']),
        configPush: stringList(hostPort).pipe(z.array(hostPort).min(1, 'needs at least one address')).default(['127.0.0.1:7103']),
        /**
         * Deprecated and ignored by the control plane: a proxy is authenticated by its workload
         * certificate (the identity section), never by a shared bearer token. Still accepted so
         * that old configs start; a warning says it does nothing.
         */
        token: z.string().min(1).optional(),
        /** Lease TTL of the registration; default: the registry's (15 s). */
        ttlSeconds: z.number().int().min(1).max(3600).optional(),
      })
      .strict()
      .default({ registry: ['127.0.0.1:7101'], configPush: ['127.0.0.1:7103'] }),
    /**
     * The workload certificate (DESIGN.md "Lifecycles"): obtained from the identity service with
     * a join token at start, renewed at half its lifetime, presented to registry and config-push
     * (mTLS; they verify it and accept this proxy only as namespace/service). Without this
     * section the proxy talks plaintext, which only a control plane with insecure: true accepts.
     *   PLEXUS_IDENTITY__ADDRESSES=identity:7104 PLEXUS_IDENTITY__CA_FILE=/etc/plexus/ca.pem
     *   PLEXUS_IDENTITY__JOIN_TOKEN_FILE=/var/run/secrets/plexus/join-token
     */
    identity: z
      .object({
        /** The identity service replicas, host:port; after a failed call the next one is tried. */
        addresses: stringList(hostPort).pipe(z.array(hostPort).min(1, 'needs at least one address')),
        /** The mesh root (bootstrap trust: verifies the identity service before any bundle arrives). */
        caFile: z.string().min(1),
        joinToken: z.string().min(1).optional(),
        joinTokenFile: z.string().min(1).optional(),
        trustDomain: z.string().min(1).max(255).default('plexus.local'),
        /** Requested certificate lifetime; 0 = the CA's default. */
        ttlSeconds: z.number().int().min(0).max(30 * 86_400).default(0),
      })
      .strict()
      .refine((i) => (i.joinToken === undefined) !== (i.joinTokenFile === undefined), { message: 'needs exactly one of joinToken, joinTokenFile', path: ['joinToken'] })
      .optional(),
    /**
     * Proxy-to-proxy mTLS from files another agent keeps current (cert-manager, a SPIRE helper),
     * re-read when they change, instead of the identity section's certificate. Without either,
     * the proxy speaks plaintext to other proxies and its callers are all unauthenticated.
     */
    workloadTlsFiles: z
      .object({
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        caFile: z.string().min(1),
        trustDomain: z.string().min(1).max(255).default('plexus.local'),
      })
      .strict()
      .optional(),
    /** Services the app calls, subscribed at start instead of on first use. */
    dependencies: stringList().default([]),
    /** How long a request for a service not yet known waits for the control plane. */
    onDemandTimeoutMs: positiveMs(2000),
    /**
     * Locality failover: a locality tier (same zone, same cluster, each other cluster) keeps all
     * its traffic while at least this percentage of its endpoints is healthy; below, the rest
     * spills to the next tier (71 ≈ Envoy's overprovisioning factor 1.4; 0 = only when none is).
     */
    failoverThresholdPercent: z.number().int('must be an integer').min(0, 'must be 0–100').max(100, 'must be 0–100').default(71),
    /** SIGTERM: how long in-flight requests may take to finish before connections are cut. */
    drainTimeoutMs: positiveMs(10_000),
    accessLog: z.boolean().default(true),
    /** A span per request to an OTLP/HTTP collector (`tracing.otlpEndpoint`); off when unset. */
    tracing: tracingConfigSchema.default(TRACING_DEFAULTS),
    limits: z
      .object({
        maxHeaderBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
        headersTimeoutMs: positiveMs(10_000),
        requestTimeoutMs: positiveMs(300_000),
        keepAliveTimeoutMs: positiveMs(60_000),
        h2IdleTimeoutMs: positiveMs(300_000),
        /** A request body that sends nothing for this long gets 408 and its connection closed. */
        bodyIdleTimeoutMs: positiveMs(10_000),
        /** Open connections per listener; more are closed at accept (established ones unaffected). */
        maxConnections: z.number().int().min(1).max(1_000_000).default(10_000),
        /**
         * Services subscribed at once (dependencies and on-demand lookups), well below the control
         * plane's 10,000 names per stream. Past it, names found unknown are dropped least recently
         * used first; with none to drop, a new name gets 503 NR without a subscription.
         */
        maxOnDemandServices: z.number().int().min(1).max(9000).default(1000),
        /** Request bodies up to this size are kept for retries and mirroring. */
        retryBufferBytes: z.number().int().min(0).max(64 * 1024 * 1024).default(256 * 1024),
      })
      .strict()
      .default({
        maxHeaderBytes: 16 * 1024,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 300_000,
        keepAliveTimeoutMs: 60_000,
        h2IdleTimeoutMs: 300_000,
        bodyIdleTimeoutMs: 10_000,
        maxConnections: 10_000,
        maxOnDemandServices: 1000,
        retryBufferBytes: 256 * 1024,
      }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.limits.headersTimeoutMs > c.limits.requestTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'headersTimeoutMs'], message: 'must not exceed limits.requestTimeoutMs' });
    }
  });

export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
export type ProxyConfig = z.output<typeof proxyConfigSchema> & { instance: string };

export function defaultInstanceId(service: string): string {
  return `${service}-${hostname().split('.')[0]}-${process.pid}`;
}

/** Validate an object (tests, dev mode); same rules and errors as start-up. */
export function parseProxyConfig(input: ProxyConfigInput): ProxyConfig {
  const r = proxyConfigSchema.safeParse(input);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      'arguments',
    );
  }
  return { ...r.data, instance: r.data.instance ?? defaultInstanceId(r.data.service) };
}

export function loadProxyConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ProxyConfig {
  const c = loadConfigFromArgs(proxyConfigSchema, argv, env);
  return { ...c, instance: c.instance ?? defaultInstanceId(c.service) };
}
