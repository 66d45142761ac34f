// Policy service configuration: the shared service fields plus `auth.*` and `policy.*`.
//
// Auth: bearer tokens, each with a principal name (written to the audit log) and a role.
//   auth:
//     tokens:
//       - { name: alice, token: "…", role: admin }
//     anonymous: none        # role for calls without a token: none | viewer | editor | admin
// Safe default: with no tokens and `anonymous: none` (the default), every call is refused
// with UNAUTHENTICATED — a policy service is never writable by accident. Dev mode must set
// `anonymous` explicitly. A wrong token is always UNAUTHENTICATED, even when anonymous is set.
// Env example: PLEXUS_AUTH__TOKENS='[{"name":"ci","token":"…","role":"editor"}]'.
import { z } from 'zod';
import { serviceConfigSchema, storeTimeoutMs, withDefaults } from '../../lib/config/service.js';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const tokenSchema = z
  .object({
    /** Principal name used in the audit log and history. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'must be 1–128 of A-Z a-z 0-9 . _ @ -, starting alphanumeric'),
    token: z.string().min(16, 'must be at least 16 characters').max(512),
    role: z.enum(ROLES),
  })
  .strict();

export const authConfigSchema = z
  .object({
    tokens: z.array(tokenSchema).default([]),
    anonymous: z.enum(['none', ...ROLES]).default('none'),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const seenTokens = new Set<string>();
    const seenNames = new Set<string>();
    auth.tokens.forEach((t, i) => {
      if (seenTokens.has(t.token)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'token'], message: 'duplicates another token' });
      if (seenNames.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'name'], message: 'duplicates another token name' });
      seenTokens.add(t.token);
      seenNames.add(t.name);
    });
  });
export type AuthConfig = z.infer<typeof authConfigSchema>;

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
  auth: authConfigSchema.prefault({}),
  policy: policyOptionsSchema.prefault({}),
});
export type PolicyConfig = z.infer<typeof policyConfigSchema>;

export const policyOptions = withDefaults(policyOptionsSchema);
