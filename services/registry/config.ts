// Registry configuration: the shared service fields plus `registry.*` (leases and limits).
import { z } from 'zod';
import { serviceConfigSchema, storeTimeoutMs, withDefaults } from '../../lib/config/service.js';

export const registryOptionsSchema = z
  .object({
    /** Lease TTL when a Register does not ask for one; proxies heartbeat every TTL/3. */
    defaultTtlSeconds: z.number().int().min(1).max(3600).default(15),
    minTtlSeconds: z.number().int().min(1).max(3600).default(1),
    maxTtlSeconds: z.number().int().min(1).max(3600).default(300),
    /**
     * How long instances survive with no registry replica renewing them (all replicas or the
     * store down): their records live on a store lease of TTL + this, while liveness is judged
     * by the reaper from heartbeats (reaper.ts). Capped so the lease stays within 3600 s.
     */
    outageAllowanceSeconds: z.number().int().min(0).max(3600).default(300),
    /**
     * After the registry was unhealthy (no replica, or the store down), how much longer than a
     * TTL live proxies get to heartbeat again before instances without a heartbeat are removed.
     */
    expiryGraceSeconds: z.number().int().min(0).max(600).default(10),
    /** How often the reaper checks its store health and deadlines. */
    reaperTickMs: z.number().int().min(50).max(10_000).default(500),
    /** Register beyond this many live instances of one service → RESOURCE_EXHAUSTED. */
    maxInstancesPerService: z.number().int().min(1).max(1_000_000).default(5000),
    /** Largest request message; larger ones are refused with RESOURCE_EXHAUSTED by gRPC. */
    maxRequestBytes: z.number().int().min(4096).max(4 * 1024 * 1024).default(256 * 1024),
    /** Largest metadata map (JSON-encoded) per instance. */
    maxMetadataBytes: z.number().int().min(256).max(256 * 1024).default(16 * 1024),
    /** A store call that takes longer fails with UNAVAILABLE. */
    storeTimeoutMs,
    /**
     * How long expiry claims (which make `expired` exactly-once across replicas) are kept.
     * Must exceed the time any replica may lag behind the store watch.
     */
    claimTtlSeconds: z.number().int().min(10).max(3600).default(120),
    /** Register calls per second one workload identity may make (burst twice that); more → RESOURCE_EXHAUSTED. */
    registrationsPerSecond: z.number().min(0.1).max(100_000).default(20),
  })
  .strict()
  .refine((o) => o.minTtlSeconds <= o.defaultTtlSeconds && o.defaultTtlSeconds <= o.maxTtlSeconds, {
    message: 'must satisfy minTtlSeconds ≤ defaultTtlSeconds ≤ maxTtlSeconds',
    path: ['defaultTtlSeconds'],
  });

export type RegistryOptions = z.infer<typeof registryOptionsSchema>;

export const registryConfigSchema = serviceConfigSchema('registry', {
  registry: registryOptionsSchema.prefault({}),
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;

export const registryOptions = withDefaults(registryOptionsSchema);
