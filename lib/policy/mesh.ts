// Mesh: mesh-wide defaults. There is at most one, named `default` in namespace `default`
// (a fixed key, so "at most one" holds under concurrent writers without a lock).
import { z } from 'zod';
import { duration } from './duration.js';
import { DEFAULT_BACKOFF, DEFAULT_RETRY_ON, retriesSchema } from './retries.js';

export const MESH_POLICY_NAME = 'default';
export const MESH_POLICY_NAMESPACE = 'default';
/**
 * How a service's inbound side treats callers. STRICT: mutual TLS only; plaintext is refused.
 * PERMISSIVE (for migrating workloads): mutual TLS, or plaintext as the unauthenticated caller,
 * which Access rules name `unauthenticated`.
 */
export const MTLS_MODES = ['STRICT', 'PERMISSIVE'] as const;
export type MtlsMode = (typeof MTLS_MODES)[number];

export const mtlsSchema = z.strictObject({
  mode: z.enum(MTLS_MODES, { error: `must be one of ${MTLS_MODES.join(', ')}` }),
});

export const meshSpecSchema = z.strictObject({
  /** What Access does when no rule (and no Access policy) decides. */
  defaultAccess: z.enum(['allow', 'deny'], { error: 'must be allow or deny' }).default('allow'),
  /**
   * Whether Access rules compare paths case-insensitively when a rule does not say. Unset: deny
   * rules do (a deny must also cover `/ADMIN` for the many apps that ignore case) and allow rules
   * do not (an allow-list is not widened to other spellings): both fail closed.
   */
  accessIgnoreCase: z.boolean().optional(),
  /** Request timeout for routes that set none. */
  defaultTimeout: duration(1, 600_000).default(15_000),
  /** Retries for routes that set none. */
  defaultRetries: retriesSchema.default({ attempts: 2, retryOn: DEFAULT_RETRY_ON, backoff: DEFAULT_BACKOFF }),
  /** Proxy-to-proxy mutual TLS; a service's Access policy may override the mode. New meshes: STRICT. */
  mtls: mtlsSchema.default({ mode: 'STRICT' }),
});

export type MeshSpec = z.output<typeof meshSpecSchema>;
