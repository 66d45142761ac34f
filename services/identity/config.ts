// Identity service configuration: the shared service fields plus `auth.*` (operator bearer
// tokens, as for policy), `ca.*` (key material files) and `identity.*` (trust domain, limits).
//   ca:
//     rootCertFile: /etc/plexus/ca/root.pem
//     intermediateCertFile: /etc/plexus/ca/intermediate.pem    # or: generateIntermediate: true
//     intermediateKeyFile: /etc/plexus/ca/intermediate-key.pem  #      + rootKeyFile
//     tokenKeyFile: /etc/plexus/ca/token-key.pem                # optional, shared by replicas
//   identity:
//     trustDomain: plexus.local
//     certTtlSeconds: 86400     # default lifetime; clients may ask for less, never more than max
// Env example: PLEXUS_CA__ROOT_CERT_FILE=/etc/plexus/ca/root.pem PLEXUS_IDENTITY__TRUST_DOMAIN=example.org
import { z } from 'zod';
import { DEFAULT_PORTS, serviceConfigSchema } from '../../lib/config/service.js';
import { DEFAULT_TRUST_DOMAIN, isTrustDomain } from '../../lib/model/names.js';

const file = z.string().min(1, 'must be a file path');

export const caConfigSchema = z
  .object({
    rootCertFile: file,
    rootKeyFile: file.optional(),
    intermediateCertFile: file.optional(),
    intermediateKeyFile: file.optional(),
    generateIntermediate: z.boolean().default(false),
    /** Lifetime of a generated intermediate (capped at the root's expiry). */
    intermediateTtlSeconds: z.number().int().min(3600).max(10 * 365 * 86_400).default(30 * 86_400),
    tokenKeyFile: file.optional(),
    /** How often the CA files are polled for a rotation (replacing them needs no restart). */
    watchIntervalMs: z.number().int().min(50).max(60_000).default(1000),
  }, { error: (iss) => (iss.input === undefined ? 'is required: rootCertFile plus intermediateCertFile/intermediateKeyFile, or generateIntermediate with rootKeyFile' : undefined) })
  .strict()
  .superRefine((ca, ctx) => {
    if (ca.intermediateCertFile === undefined && !ca.generateIntermediate) {
      ctx.addIssue({ code: 'custom', path: ['intermediateCertFile'], message: 'is required unless generateIntermediate is true' });
    }
    if (ca.intermediateCertFile !== undefined && ca.intermediateKeyFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['intermediateKeyFile'], message: 'is required with intermediateCertFile' });
    }
    if (ca.generateIntermediate && ca.rootKeyFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rootKeyFile'], message: 'is required with generateIntermediate' });
    }
  });
export type CaConfig = z.infer<typeof caConfigSchema>;

export const identityOptionsSchema = z
  .object({
    trustDomain: z.string().refine(isTrustDomain, 'must be a trust domain: lower-case letters, digits, . - _').default(DEFAULT_TRUST_DOMAIN),
    certTtlSeconds: z.number().int().min(1).max(30 * 86_400).default(86_400),
    maxCertTtlSeconds: z.number().int().min(1).max(30 * 86_400).default(86_400),
    /** Shortest lifetime granted. 60 in production; tests may go down to a few seconds. */
    minCertTtlSeconds: z.number().int().min(1).max(86_400).default(60),
    tokenTtlSeconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
    maxTokenTtlSeconds: z.number().int().min(60).max(365 * 86_400).default(7 * 86_400),
    /** Names clients dial this service by, put in its own TLS certificate. */
    serverNames: z.array(z.string().min(1).max(253)).min(1).default(['localhost', '127.0.0.1']),
    /** Lifetime of this replica's own TLS certificate; renewed at half. */
    serverCertTtlSeconds: z.number().int().min(5).max(30 * 86_400).default(86_400),
    resyncMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.minCertTtlSeconds > o.maxCertTtlSeconds) ctx.addIssue({ code: 'custom', path: ['minCertTtlSeconds'], message: 'must be ≤ maxCertTtlSeconds' });
    if (o.certTtlSeconds > o.maxCertTtlSeconds || o.certTtlSeconds < o.minCertTtlSeconds) {
      ctx.addIssue({ code: 'custom', path: ['certTtlSeconds'], message: 'must be between minCertTtlSeconds and maxCertTtlSeconds' });
    }
    if (o.tokenTtlSeconds > o.maxTokenTtlSeconds) ctx.addIssue({ code: 'custom', path: ['tokenTtlSeconds'], message: 'must be ≤ maxTokenTtlSeconds' });
  });
export type IdentityOptions = z.infer<typeof identityOptionsSchema>;

/** DESIGN.md "Conventions": identity gRPC 7104, admin 7114. */
export const IDENTITY_PORTS = DEFAULT_PORTS.identity;

// The shared `tls`/`insecure` fields do not apply: the identity service always serves with a
// certificate from its own intermediate (renewed at half its lifetime).
export const identityConfigSchema = serviceConfigSchema('identity', {
  ca: caConfigSchema,
  identity: identityOptionsSchema.prefault({}),
});
export type IdentityConfig = z.infer<typeof identityConfigSchema>;

export function identityOptions(partial: Partial<IdentityOptions> = {}): IdentityOptions {
  return identityOptionsSchema.parse(partial);
}
