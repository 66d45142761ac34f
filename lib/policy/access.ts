// Access: who may call one destination service (`<metadata.namespace>/<metadata.name>`).
// Evaluation for a request from source identity S to path P with method M:
//   1. any `deny` rule matching (S, P, M) → denied (deny wins over allow);
//   2. else any `allow` rule matching → allowed;
//   3. else `defaultAction`, or the Mesh's `defaultAccess` when omitted.
// A rule matches when one `from` pattern matches S and, if `to` is given, one of its paths
// matches P and (if `methods` is given) M is listed.
// Source patterns: `*` (anyone, including unidentified callers), `<ns>/*`, `*/<svc>`, `<ns>/<svc>`,
// and `unauthenticated`: only a plaintext caller (PERMISSIVE mode), which no other pattern but `*`
// matches. `mtls.mode` overrides the Mesh's mode for this service.
// Path patterns: `/exact/path`, `/prefix/*` (trailing `*`: any path starting with what precedes
// it), or `*` (any path). They match the request path reduced as the README's "Request matching
// and limits" table says (`;` parameters cut, dot segments resolved, ...); an exact path also
// matches itself with a trailing `/`. `ignoreCase` compares paths without regard to ASCII case,
// for apps that do so; unset, the Mesh's `accessIgnoreCase` decides, and without that deny rules
// ignore case and allow rules do not (both fail closed).
// Methods always match in any case.
import { z } from 'zod';
import { DNS_LABEL_RE, httpMethod, uniqueList } from './fields.js';
import { mtlsSchema } from './mesh.js';

/** The source pattern naming a plaintext (PERMISSIVE) caller, which has no verified identity. */
export const UNAUTHENTICATED_SOURCE = 'unauthenticated';

export const ACCESS_ACTIONS = ['allow', 'deny'] as const;
const action = z.enum(ACCESS_ACTIONS, { error: 'must be allow or deny' });

export const sourcePattern = z.string().refine((s) => {
  if (s === '*' || s === UNAUTHENTICATED_SOURCE) return true;
  const parts = s.split('/');
  return parts.length === 2 && parts.every((p) => p === '*' || DNS_LABEL_RE.test(p));
}, "must be '*', 'unauthenticated', '<namespace>/<service>', '<namespace>/*' or '*/<service>' (DNS labels)");

export const pathPattern = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .regex(/^(\*|\/[^\s*\0-\x1f\x7f]*\*?)$/, "must be '*', an exact path '/a/b' or a prefix '/a/*' ('*' only at the end)");

export const accessRuleSchema = z.strictObject({
  action,
  from: uniqueList(sourcePattern, 64),
  to: z
    .strictObject({
      paths: uniqueList(pathPattern, 64).optional(),
      methods: uniqueList(httpMethod, 9).optional(),
    })
    .optional(),
  ignoreCase: z.boolean().optional(),
});

export const accessSpecSchema = z.strictObject({
  defaultAction: action.optional(),
  rules: z.array(accessRuleSchema).max(128, 'must have at most 128 entries').default([]),
  /** This service's mTLS mode, overriding the Mesh's `mtls.mode`. */
  mtls: mtlsSchema.optional(),
});

export type AccessSpec = z.output<typeof accessSpecSchema>;
export type AccessRule = z.output<typeof accessRuleSchema>;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];
