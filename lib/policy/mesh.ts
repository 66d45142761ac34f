// Mesh: mesh-wide defaults. There is at most one, named `default` in namespace `default`
// (a fixed key, so "at most one" holds under concurrent writers without a lock).
import { z } from 'zod';
import { duration } from './duration.js';
import { DEFAULT_BACKOFF, DEFAULT_RETRY_ON, retriesSchema } from './retries.js';

export const MESH_POLICY_NAME = 'default';
export const MESH_POLICY_NAMESPACE = 'default';
export const MTLS_MODES = ['disabled', 'permissive', 'strict'] as const;

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
  /** Reserved for the identity/mTLS work: validated and stored, not yet enforced. */
  mtlsMode: z.enum(MTLS_MODES, { error: `must be one of ${MTLS_MODES.join(', ')}` }).default('disabled'),
});

export type MeshSpec = z.output<typeof meshSpecSchema>;
