// Policy documents: `apiVersion: plexus.dev/v1`, `kind`, `metadata {name, namespace, labels}`,
// `spec`, shaped like Kubernetes objects. parsePolicy validates one document and returns the
// normalised policy or every violation with its field path.
//
// Normalisation: metadata.namespace defaults to `default`, labels to {}; documented defaults
// are filled in; durations become integer milliseconds; header names become lower case and
// HTTP methods upper case; a lone route destination gets weight 100. Unknown fields anywhere
// are rejected. parsePolicy(normalised) returns the same normalised policy (idempotent).
import { z } from 'zod';
import { joinPath, type FieldViolation } from '../errors.js';
import { dnsLabel, labelMap } from './fields.js';
import { isPolicyKind, policyKindList, policyKindSpec, type BUILTIN_POLICY_KINDS, type PolicyKind, type PolicyKindSpec } from './kinds.js';

export const API_VERSION = 'plexus.dev/v1';

export const metadataSchema = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.default('default'),
  labels: labelMap(32).default({}),
});
export type PolicyMetadata = z.output<typeof metadataSchema>;

const headerSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  // Checked against the kind table when parsing (kinds may be registered after this module loads).
  kind: z.custom<PolicyKind>(isPolicyKind, { error: () => `must be one of ${policyKindList()}` }),
  metadata: metadataSchema,
  spec: z.unknown(),
});

interface PolicyOf<K extends string, S> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: PolicyMetadata;
  spec: S;
}
type PolicyOfSpec<T> = T extends PolicyKindSpec<infer K, infer S> ? PolicyOf<K, S> : never;
/** A normalised, valid policy (discriminated by `kind`), one member per kind of the table. */
export type Policy = PolicyOfSpec<(typeof BUILTIN_POLICY_KINDS)[number]>;
export type RoutePolicy = Extract<Policy, { kind: 'Route' }>;
export type ResiliencePolicy = Extract<Policy, { kind: 'Resilience' }>;
export type AccessPolicy = Extract<Policy, { kind: 'Access' }>;
export type MeshPolicy = Extract<Policy, { kind: 'Mesh' }>;
export type ServiceExportPolicy = Extract<Policy, { kind: 'ServiceExport' }>;

export type ParseResult = { ok: true; policy: Policy } | { ok: false; violations: FieldViolation[] };

/** Validate and normalise one document. Never throws; `violations` lists every problem. */
export function parsePolicy(doc: unknown): ParseResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, violations: [{ path: '', message: 'a policy document must be an object (mapping)' }] };
  }
  const violations: FieldViolation[] = findProtoKeys(doc, '');
  const header = headerSchema.safeParse(doc, { reportInput: true });
  if (!header.success) violations.push(...toViolations(header.error.issues, ''));
  // Validate the spec whenever the kind is known, even if other header fields are bad, so a
  // document's every problem is reported in one pass.
  const kindResult = headerSchema.shape.kind.safeParse((doc as { kind?: unknown }).kind);
  let spec: unknown;
  if (kindResult.success) {
    const rawSpec = (doc as { spec?: unknown }).spec;
    if (rawSpec === undefined || rawSpec === null) {
      if (!violations.some((v) => v.path === 'spec')) violations.push({ path: 'spec', message: 'is required' });
    } else {
      const parsed = policyKindSpec(kindResult.data)!.specSchema.safeParse(rawSpec, { reportInput: true });
      if (parsed.success) spec = parsed.data;
      else violations.push(...toViolations(parsed.error.issues, 'spec'));
    }
  }
  if (header.success) violations.push(...(policyKindSpec(header.data.kind)?.checkMetadata?.(header.data.metadata) ?? []));
  if (violations.length > 0 || !header.success) return { ok: false, violations: dedupe(violations) };
  const { apiVersion, kind, metadata } = header.data;
  return { ok: true, policy: { apiVersion, kind, metadata, spec } as Policy };
}

/**
 * zod issues → field violations. Unknown keys become one violation per key at the key's own
 * path; "expected X, received undefined" becomes "is required".
 */
function toViolations(issues: ReadonlyArray<z.core.$ZodIssue>, prefix: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: joinPath(prefix, [...issue.path, key]), message: 'unknown field' });
      continue;
    }
    if (issue.code === 'invalid_union') {
      // Our unions (durations) report through their transforms; an invalid_union here means
      // the value had neither accepted type.
      out.push({ path: joinPath(prefix, issue.path), message: 'must be a duration string or a number of milliseconds' });
      continue;
    }
    if (issue.code === 'invalid_key') {
      const inner = issue.issues.map((i) => i.message).join('; ');
      out.push({ path: joinPath(prefix, issue.path), message: `invalid key: ${inner}` });
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'is required';
    else if (issue.code === 'invalid_type') message = `must be ${article(issue.expected)}${receivedOf(issue)}`;
    out.push({ path: joinPath(prefix, issue.path), message });
  }
  return out;
}

/**
 * JSON.parse makes `__proto__` an own key, which object-building code (zod records included)
 * would drop or turn into a prototype: reject it by name instead.
 */
function findProtoKeys(value: unknown, path: string, depth = 0): FieldViolation[] {
  if (typeof value !== 'object' || value === null || depth > 64) return [];
  const out: FieldViolation[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findProtoKeys(v, `${path}[${i}]`, depth + 1)));
    return out;
  }
  for (const key of Object.keys(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key === '__proto__') out.push({ path: at, message: 'is a reserved name' });
    else out.push(...findProtoKeys((value as Record<string, unknown>)[key], at, depth + 1));
  }
  return out;
}

function article(expected: string): string {
  if (expected === 'object') return 'an object (mapping)';
  if (expected === 'array') return 'a list';
  if (expected === 'record') return 'a mapping';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function receivedOf(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return '';
  const t = input === null ? 'null' : Array.isArray(input) ? 'list' : typeof input;
  return ` (got ${t})`;
}

function dedupe(violations: FieldViolation[]): FieldViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const k = `${v.path}\u0000${v.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** `Route/default/catalog`: the policy's identity (also its event subject). */
export function policyId(p: { kind: string; metadata: { namespace: string; name: string } }): string {
  return `${p.kind}/${p.metadata.namespace}/${p.metadata.name}`;
}
