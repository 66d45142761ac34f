// The configuration every control-plane service shares, extended per service.
import { z } from 'zod';
import { busConfigSchema } from '../bus/index.js';
import { storeConfigSchema } from '../store/index.js';
import { authConfigSchema } from '../auth/operator-auth.js';
import { TRACING_DEFAULTS, tracingConfigSchema } from '../tracing/tracing.js';
import type { Logger } from 'pino';
import { FileTlsSource, type ServerSecurity, type TlsFiles, type TlsSource } from '../grpc/tls.js';
import { DEFAULT_TRUST_DOMAIN, isTrustDomain } from '../model/names.js';
import { defaultInstanceName, dnsLabel, listenAddress, logLevel } from './fields.js';

export const DEFAULT_PORTS = {
  registry: { grpc: 7101, admin: 7111 },
  policy: { grpc: 7102, admin: 7112 },
  'config-push': { grpc: 7103, admin: 7113 },
  identity: { grpc: 7104, admin: 7114 },
} as const;

export type ServiceName = keyof typeof DEFAULT_PORTS;

/** A store call an API handler makes that takes longer fails with UNAVAILABLE (lib/grpc/edge). */
export const storeTimeoutMs = z.number().int().min(100).max(120_000).default(5000);

/** `options(partial)` with every default of `schema` applied (tests and dev mode pass a partial object). */
export function withDefaults<S extends z.ZodType>(schema: S): (partial?: Partial<z.input<S>>) => z.output<S> {
  return (partial = {}) => schema.parse(partial);
}

const file = z.string().min(1, 'must be a file path');

/**
 * TLS of a control-plane gRPC server (DESIGN.md "Trust"): its certificate from the mesh CA
 * (SPIFFE ID spiffe://<td>/ns/plexus-system/svc/<service>), its key, and the mesh root(s) that
 * client certificates must chain to. Files are re-read when they change (no restart).
 *   tls: { certFile: /etc/plexus/tls/tls.crt, keyFile: /etc/plexus/tls/tls.key, caFile: /etc/plexus/tls/ca.crt }
 *   PLEXUS_TLS__CERT_FILE=… PLEXUS_TLS__KEY_FILE=… PLEXUS_TLS__CA_FILE=…
 */
export const tlsFilesSchema = z.object({ certFile: file, keyFile: file, caFile: file }).strict();

/** The fields about transport security every service shares. */
export const securityFields = {
  tls: tlsFilesSchema.optional(),
  /** Plaintext, no workload authentication: tests and loopback experiments only (logged as a warning). */
  insecure: z.boolean().default(false),
  trustDomain: z.string().refine(isTrustDomain, 'must be a trust domain: lower-case letters, digits, . - _').default(DEFAULT_TRUST_DOMAIN),
};

/** What a service's start function takes about transport security (config files or in-process callers). */
export interface SecurityConfig {
  tls?: TlsFiles | undefined;
  insecure?: boolean | undefined;
  /** In-process callers (dev mesh, tests) may hand over a source instead of files. */
  tlsSource?: TlsSource | undefined;
  trustDomain?: string | undefined;
}

/**
 * The server security `config` asks for, and a close function for file watchers. Undefined
 * when it names neither TLS nor insecure: startGrpcServer then refuses with a clear message.
 */
export function serverSecurity(config: SecurityConfig, logger?: Logger): { security: ServerSecurity | undefined; close(): void } {
  if (config.tlsSource) return { security: { tls: config.tlsSource }, close: () => undefined };
  if (config.tls) {
    const source = new FileTlsSource(config.tls, logger);
    return { security: { tls: source }, close: () => source.close() };
  }
  if (config.insecure === true) return { security: { insecure: true }, close: () => undefined };
  return { security: undefined, close: () => undefined };
}

/** Base schema for `service`; pass the service's own fields as `extra` (they are merged strictly). */
export function serviceConfigSchema<E extends z.ZodRawShape>(service: ServiceName, extra: E) {
  return z
    .object({
      cluster: dnsLabel.default('local'),
      zone: z.string().min(1).max(63).default('local'),
      instance: z.string().min(1).max(128).default(defaultInstanceName(service)),
      logLevel: logLevel.default('info'),
      store: storeConfigSchema.default({ backend: 'memory' }),
      bus: busConfigSchema.default({ kind: 'memory' }),
      grpc: listenAddress(DEFAULT_PORTS[service].grpc).default({ host: '127.0.0.1', port: DEFAULT_PORTS[service].grpc }),
      admin: listenAddress(DEFAULT_PORTS[service].admin).default({ host: '127.0.0.1', port: DEFAULT_PORTS[service].admin }),
      tracing: tracingConfigSchema.default(TRACING_DEFAULTS),
      ...securityFields,
      /**
       * Operators' bearer tokens with roles, on every API: reads (registry Get/List/Watch,
       * config-push status, policy Get/List/Watch, CA status) need viewer, policy writes editor,
       * the Mesh policy, join tokens and CA administration admin.
       */
      auth: authConfigSchema.prefault({}),
      ...extra,
    })
    .strict();
}
