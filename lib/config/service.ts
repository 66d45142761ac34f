// The configuration every control-plane service shares, extended per service.
import { z } from 'zod';
import { busConfigSchema } from '../bus/index.js';
import { storeConfigSchema } from '../store/index.js';
import { TRACING_DEFAULTS, tracingConfigSchema } from '../tracing/tracing.js';
import { defaultInstanceName, dnsLabel, listenAddress, logLevel } from './fields.js';

export const DEFAULT_PORTS = {
  registry: { grpc: 7101, admin: 7111 },
  policy: { grpc: 7102, admin: 7112 },
  'config-push': { grpc: 7103, admin: 7113 },
} as const;

export type ServiceName = keyof typeof DEFAULT_PORTS;

/** A store call an API handler makes that takes longer fails with UNAVAILABLE (lib/grpc/edge). */
export const storeTimeoutMs = z.number().int().min(100).max(120_000).default(5000);

/** `options(partial)` with every default of `schema` applied (tests and dev mode pass a partial object). */
export function withDefaults<S extends z.ZodType>(schema: S): (partial?: Partial<z.input<S>>) => z.output<S> {
  return (partial = {}) => schema.parse(partial);
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
      ...extra,
    })
    .strict();
}
