// Policy service configuration: the shared service fields plus `auth.*` and `policy.*`.
//
// Auth (`auth.*`): operator bearer tokens with roles, lib/auth/operator-auth.ts.
import { z } from 'zod';
import { serviceConfigSchema, storeTimeoutMs, withDefaults } from '../../lib/config/service.js';


export const policyOptionsSchema = z
  .object({
    /** History entries kept per policy (older ones are pruned). */
    historyLimit: z.number().int().min(1).max(1000).default(50),
    /** Largest request message; larger ones get RESOURCE_EXHAUSTED from gRPC. */
    maxRequestBytes: z.number().int().min(4096).max(4 * 1024 * 1024).default(1024 * 1024),
    /** Upper bound on waiting for the bus to take an event; the write has already succeeded. */
    publishTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
    /** Events a Watch stream may have queued for a slow client before it is ended. */
    maxWatchQueue: z.number().int().min(16).max(1_000_000).default(10_000),
    /** A store call that takes longer fails with UNAVAILABLE. */
    storeTimeoutMs,
  })
  .strict();
export type PolicyOptions = z.infer<typeof policyOptionsSchema>;

export const policyConfigSchema = serviceConfigSchema('policy', {
  policy: policyOptionsSchema.prefault({}),
});
export type PolicyConfig = z.infer<typeof policyConfigSchema>;

export const policyOptions = withDefaults(policyOptionsSchema);
