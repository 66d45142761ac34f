// Config-push configuration: the shared service fields plus `configPush.*` (push scheduling,
// view maintenance and protocol limits).
import { z } from 'zod';
import { serviceConfigSchema, storeTimeoutMs, withDefaults } from '../../lib/config/service.js';

export const configPushOptionsSchema = z
  .object({
    /** Quiet period that ends a burst of changes before resources are recomputed and pushed. */
    debounceMs: z.number().int().min(0).max(10_000).default(10),
    /** However long a burst lasts, a change waits at most this long. */
    maxDelayMs: z.number().int().min(0).max(60_000).default(100),
    /** Period of the anti-entropy pass (re-list and compare with the store); 0 disables it. */
    antiEntropySeconds: z.number().min(0).max(86_400).default(30),
    /** Follow the store with a watch besides NATS events (recommended). */
    storeWatch: z.boolean().default(true),
    /** Unacknowledged responses per proxy and type before further changes wait (bounded memory). */
    maxInflight: z.number().int().min(1).max(1024).default(8),
    /** Explicit subscriptions per proxy and type. */
    maxSubscriptions: z.number().int().min(1).max(1_000_000).default(10_000),
    /** Largest discovery request accepted. */
    maxRequestBytes: z.number().int().min(4096).max(16 * 1024 * 1024).default(1024 * 1024),
    /** WaitForRollout deadline when the caller gives none. */
    rolloutTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** A store read of the Status API that takes longer fails with UNAVAILABLE. */
    storeTimeoutMs,
    /**
     * Self-preservation (lib/mesh/self-preservation.ts): when more than `serviceShare` of a
     * service's instances, or `meshShare` of the mesh's, expire within `windowMs` without
     * deregistering, keep serving them marked unconfirmed; released when they register again,
     * or `graceMs` after the registry is seen writing again.
     */
    selfPreservation: z
      .object({
        enabled: z.boolean().default(true),
        windowMs: z.number().int().min(100).max(3_600_000).default(15_000),
        serviceShare: z.number().min(0).max(1).default(0.5),
        meshShare: z.number().min(0).max(1).default(0.3),
        graceMs: z.number().int().min(0).max(3_600_000).default(30_000),
        /** Fewest expiries in the window before anything is held (one crash is not an outage). */
        minExpiries: z.number().int().min(1).max(1_000_000).default(2),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((o) => o.debounceMs <= o.maxDelayMs, { message: 'must not exceed maxDelayMs', path: ['debounceMs'] });

export type ConfigPushOptions = z.infer<typeof configPushOptionsSchema>;

export const configPushConfigSchema = serviceConfigSchema('config-push', {
  configPush: configPushOptionsSchema.prefault({}),
});

export type ConfigPushConfig = z.infer<typeof configPushConfigSchema>;

export const configPushOptions = withDefaults(configPushOptionsSchema);
