// Policy kinds, declared once. Everything that names kinds reads this table: document
// validation (document.ts), store-key parsing and targets (targets.ts), the policy service's
// request checks and List/Watch filters, the policy refs proxies accept in resource bodies
// (lib/mesh/resources.ts), config-push's fan-out and rollout targets, and plexctl's kind names.
//
// Adding a kind: its spec schema file (like route.ts), one entry in BUILTIN_POLICY_KINDS, and
// what it contributes to resource bodies in lib/mesh/resource-builder.ts (a kind with no
// builder code still reaches proxies as a source of the resources it feeds).
import type { z } from 'zod';
import type { FieldViolation } from '../errors.js';
import { accessSpecSchema } from './access.js';
import { formatDuration } from './duration.js';
import { MESH_POLICY_NAME, MESH_POLICY_NAMESPACE, meshSpecSchema } from './mesh.js';
import { resilienceSpecSchema } from './resilience.js';
import { routeSpecSchema } from './route.js';
import { serviceExportSpecSchema } from './service-export.js';
import { accessWarnings, meshWarnings, routeWarnings } from './warnings.js';

/**
 * Which services a kind's policies apply to: `service` = the one destination named by the
 * policy's metadata, `<metadata.namespace>/<metadata.name>` (so at most one policy of the kind
 * per service, and merging is never ambiguous); `mesh` = every service (`*`).
 */
export type PolicyTarget = 'service' | 'mesh';

/** Resource types (lib/mesh/resources.ts) whose bodies a kind's policies change. */
export type FedResourceType = 'Service' | 'Endpoints' | 'Inbound';

export interface PolicyKindSpec<K extends string = string, S = unknown> {
  /** The `kind` of documents, store keys (`policies/<kind>/…`), events and the API. */
  readonly kind: K;
  /** Validates and normalises `spec`. */
  readonly specSchema: z.ZodType<S>;
  readonly target: PolicyTarget;
  /** For a `mesh` target, every resource of these types; else those of the target service. */
  readonly feeds: readonly FedResourceType[];
  /** The operator role that may write (apply or delete) policies of this kind; default editor. */
  readonly writeRole?: 'editor' | 'admin';
  /** Rules on metadata beyond the common ones (e.g. a singleton's fixed name). */
  checkMetadata?(metadata: { namespace: string; name: string }): FieldViolation[];
  /** Advice on a valid spec (policyWarnings). */
  warnings?(spec: S): string[];
  readonly cli: {
    /** Lower-case names plexctl accepts besides the kind itself (plural, short forms). */
    readonly aliases: readonly string[];
    /** One table cell describing a spec. */
    summarize(spec: S): string;
  };
}

/** Declares one kind with its spec type taken from its schema. */
export function definePolicyKind<const K extends string, Z extends z.ZodType>(
  spec: Omit<PolicyKindSpec<K, z.output<Z>>, 'specSchema'> & { specSchema: Z },
): PolicyKindSpec<K, z.output<Z>> {
  // Z's output is z.output<Z> by definition; TypeScript cannot see that through the generic.
  return spec as PolicyKindSpec<K, z.output<Z>>;
}

export const BUILTIN_POLICY_KINDS = [
  definePolicyKind({
    kind: 'Route',
    specSchema: routeSpecSchema,
    target: 'service',
    feeds: ['Service'],
    warnings: routeWarnings,
    cli: {
      aliases: ['routes', 'rt'],
      summarize(spec) {
        const splits = spec.rules.map((r) => r.destinations.map((d) => `${Object.entries(d.subset).map(([k, v]) => `${k}=${v}`).join(',') || 'all'}:${d.weight}`).join(' '));
        return `${spec.rules.length} rule(s); ${splits.join(' | ')}`;
      },
    },
  }),
  definePolicyKind({
    kind: 'Resilience',
    specSchema: resilienceSpecSchema,
    target: 'service',
    feeds: ['Service'],
    cli: {
      aliases: ['resiliences', 'res'],
      summarize: (spec) => `lb=${spec.loadBalancer.policy}${spec.outlierDetection ? ' outlier-detection' : ''}${spec.circuitBreaker ? ' circuit-breaker' : ''}`,
    },
  }),
  definePolicyKind({
    kind: 'Access',
    specSchema: accessSpecSchema,
    target: 'service',
    feeds: ['Inbound'],
    warnings: accessWarnings,
    cli: {
      aliases: ['accesses', 'acl'],
      summarize: (spec) => `${spec.rules.length} rule(s); default=${spec.defaultAction ?? 'mesh'}${spec.mtls ? ` mtls=${spec.mtls.mode}` : ''}`,
    },
  }),
  definePolicyKind({
    kind: 'Mesh',
    specSchema: meshSpecSchema,
    target: 'mesh',
    feeds: ['Service', 'Inbound'],
    // Mesh-wide settings (mTLS mode, defaults) are the mesh operator's, not a service team's.
    writeRole: 'admin',
    // One Mesh policy at a fixed key, so "at most one" holds under concurrent writers.
    checkMetadata(metadata) {
      const out: FieldViolation[] = [];
      if (metadata.name !== MESH_POLICY_NAME) out.push({ path: 'metadata.name', message: `the mesh has a single Mesh policy, named "${MESH_POLICY_NAME}"` });
      if (metadata.namespace !== MESH_POLICY_NAMESPACE) {
        out.push({ path: 'metadata.namespace', message: `Mesh is mesh-wide: omit the namespace or use "${MESH_POLICY_NAMESPACE}"` });
      }
      return out;
    },
    warnings: meshWarnings,
    cli: {
      aliases: ['meshes'],
      summarize: (spec) => `access=${spec.defaultAccess} timeout=${formatDuration(spec.defaultTimeout)} retries=${spec.defaultRetries.attempts} mtls=${spec.mtls.mode}`,
    },
  }),
  definePolicyKind({
    kind: 'ServiceExport',
    specSchema: serviceExportSpecSchema,
    target: 'service',
    // Read by the federation service, not by proxies: it changes no resource body.
    feeds: [],
    cli: {
      aliases: ['serviceexports', 'export', 'exports'],
      summarize: (spec) => (spec.peers.length === 0 ? 'to every peer' : `to ${spec.peers.join(', ')}`),
    },
  }),
] as const;

/** The kinds compiled in. Kinds registered at run time (tests) are handled through the table only. */
export type PolicyKind = (typeof BUILTIN_POLICY_KINDS)[number]['kind'];

const specs = new Map<string, PolicyKindSpec>();
const kinds: PolicyKind[] = [];

/** Every kind, in table order (a live list: it includes kinds registered later). */
export const POLICY_KINDS: readonly PolicyKind[] = kinds;

const KIND_NAME = /^[A-Z][A-Za-z0-9]{0,62}$/;

/**
 * Adds a kind. The built-in kinds are registered from BUILTIN_POLICY_KINDS; tests register
 * throwaway kinds to prove nothing else keeps its own list. Returns a function that removes it.
 */
export function registerPolicyKind<S>(spec: PolicyKindSpec<string, S>): () => void {
  if (!KIND_NAME.test(spec.kind)) throw new Error(`policy kind "${spec.kind}" must be PascalCase letters and digits`);
  if (specs.has(spec.kind)) throw new Error(`policy kind "${spec.kind}" is already registered`);
  const taken = new Set([...specs.values()].flatMap(cliNamesOf));
  for (const name of cliNamesOf(spec as PolicyKindSpec)) {
    if (taken.has(name) || name === 'all') throw new Error(`plexctl name "${name}" of policy kind "${spec.kind}" is already taken`);
  }
  specs.set(spec.kind, spec as PolicyKindSpec);
  kinds.push(spec.kind as PolicyKind);
  return () => {
    if (specs.get(spec.kind) !== (spec as PolicyKindSpec)) return;
    specs.delete(spec.kind);
    kinds.splice(kinds.indexOf(spec.kind as PolicyKind), 1);
  };
}

for (const spec of BUILTIN_POLICY_KINDS) registerPolicyKind(spec as PolicyKindSpec<string, unknown>);

export function isPolicyKind(value: unknown): value is PolicyKind {
  return typeof value === 'string' && specs.has(value);
}

export function policyKindSpec(kind: string): PolicyKindSpec | undefined {
  return specs.get(kind);
}

/** Every kind's spec, in table order. */
export function policyKindSpecs(): PolicyKindSpec[] {
  return kinds.map((k) => specs.get(k)!);
}

/** `Route, Resilience, Access, Mesh`: for messages. */
export function policyKindList(): string {
  return kinds.join(', ');
}

/** Lower-case names plexctl accepts for a kind: the kind itself and its aliases. */
export function cliNamesOf(spec: PolicyKindSpec): string[] {
  return [spec.kind.toLowerCase(), ...spec.cli.aliases];
}

/** Advice about a valid policy (dry runs and Apply); never blocks a write. */
export function policyWarnings(policy: { kind: string; spec: unknown }): string[] {
  return policyKindSpec(policy.kind)?.warnings?.(policy.spec) ?? [];
}
