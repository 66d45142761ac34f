// The resource bodies config-push serves to proxies (DESIGN.md "Discovery protocol"). These are
// the contract between the control plane and every proxy: what the proxy parses (with these
// schemas) out of `Resource.body`, independent of the wire format that carries it (our delta
// stream today, xDS later) and of the policy documents operators write (lib/policy): bodies are
// the RESOLVED form — policies merged with the Mesh defaults, durations in integer milliseconds.
//
// Names: every resource is named by the service it is about, `<namespace>/<service>`.
// Versions: the first 16 hex digits of SHA-256 over the body's canonical JSON (sorted keys), so
// equal content ⇔ equal version, whichever replica computed it.
import { z } from 'zod';
import { ValidationError, violationsFromZod } from '../errors.js';
import { INSTANCE_PROTOCOLS } from '../model/instance.js';
import { formatServiceId, isServiceId, parseServiceId } from '../model/names.js';
import { isPolicyKind, policyKindList } from '../policy/kinds.js';
import { canonicalJson, contentVersion } from './canonical-json.js';

export const RESOURCE_TYPES = ['Service', 'Endpoints', 'Inbound'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}

/** Subscribing to this name subscribes to every resource of the type. */
export const WILDCARD = '*';

// ---------------------------------------------------------------------------------------------
// Names

/** `<namespace>/<service>`, both DNS-1123 labels (lib/model/names.ts ServiceId). */
export const resourceNameSchema = z.string().max(127).refine(isServiceId, 'must be <namespace>/<service> with both parts DNS-1123 labels');

export function resourceName(namespace: string, service: string): string {
  return formatServiceId({ namespace, service });
}

export function isResourceName(name: string): boolean {
  return resourceNameSchema.safeParse(name).success;
}

export function parseResourceName(name: string): { namespace: string; service: string } {
  const parsed = resourceNameSchema.safeParse(name);
  if (!parsed.success) throw new ValidationError(violationsFromZod(parsed.error.issues, 'name'));
  return parseServiceId(name)!;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** Every body names the service it is about, whole and in parts. */
const bodyNameShape = { name: resourceNameSchema, namespace: z.string(), service: z.string() };

/** Milliseconds, integer. */
const ms = z.number().int().nonnegative();
const percent = z.number().min(0).max(100);
const labels = z.record(z.string(), z.string());

/**
 * How a string is matched. `regex` matches the WHOLE value and must be evaluated with
 * lib/policy/regex.ts compileRegex (linear time), never `new RegExp`.
 */
export const stringMatchSchema = z
  .object({
    type: z.enum(['exact', 'prefix', 'regex']),
    value: z.string(),
  })
  .strict();
export type StringMatch = z.infer<typeof stringMatchSchema>;

export const headerMatchSchema = z
  .object({
    /** Lower-case header name. */
    name: z.string().min(1),
    /**
     * `present` / `absent`: the header exists / does not exist, whatever its value (`value` is
     * then omitted). `regex` matches the whole value.
     */
    type: z.enum(['exact', 'prefix', 'regex', 'present', 'absent']),
    value: z.string().optional(),
  })
  .strict();
export type HeaderMatch = z.infer<typeof headerMatchSchema>;

export const RETRY_ON = ['5xx', 'gateway-error', 'connect-failure', 'reset'] as const;

export const retryPolicySchema = z
  .object({
    /** Retries after the first try (0 = no retry). */
    attempts: z.number().int().nonnegative(),
    perTryTimeoutMs: ms.nullable(),
    retryOn: z.array(z.enum(RETRY_ON)),
    /** Exponential backoff between tries, jittered by the proxy. */
    backoff: z.object({ baseMs: ms, maxMs: ms }).strict().nullable(),
  })
  .strict();
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

const headerEditsSchema = z
  .object({
    set: z.record(z.string(), z.string()),
    add: z.record(z.string(), z.string()),
    remove: z.array(z.string()),
  })
  .strict();
export type HeaderEdits = z.infer<typeof headerEditsSchema>;

// ---------------------------------------------------------------------------------------------
// Service: how to call one destination service.

export const weightedSubsetSchema = z
  .object({
    /** Instance labels an endpoint must all carry; `{}` = every endpoint. */
    subset: labels,
    /** Percent of matching requests, 0–100; the destinations of one rule sum to 100. */
    weight: percent,
  })
  .strict();
export type WeightedSubset = z.infer<typeof weightedSubsetSchema>;

export const routeRuleSchema = z
  .object({
    /** Rule name from the Route policy (may be empty), for logs and metrics. */
    name: z.string(),
    match: z
      .object({
        path: stringMatchSchema.nullable(),
        /** Upper-case methods; empty = any method. */
        methods: z.array(z.string()),
        /** All must match. */
        headers: z.array(headerMatchSchema),
      })
      .strict(),
    destinations: z.array(weightedSubsetSchema).min(1),
    /** Overrides the service's default timeout; null = the default. */
    timeoutMs: ms.nullable(),
    /** Overrides the service's default retries; null = the default. */
    retries: retryPolicySchema.nullable(),
    fault: z
      .object({
        delay: z.object({ durationMs: ms, percent }).strict().nullable(),
        abort: z.object({ httpStatus: z.number().int().min(200).max(599), percent }).strict().nullable(),
      })
      .strict()
      .nullable(),
    headers: z.object({ request: headerEditsSchema, response: headerEditsSchema }).strict().nullable(),
    /** Copy this percentage of matching requests to the subset; responses are discarded. */
    mirror: z.object({ subset: labels, percent }).strict().nullable(),
    /**
     * false: a destination whose subset has no healthy endpoint fails its share of requests.
     * Absent (the default): its share goes to the rule's other destinations.
     */
    subsetFallback: z.literal(false).optional(),
  })
  .strict();
export type RouteRule = z.infer<typeof routeRuleSchema>;

export const LOAD_BALANCER_POLICIES = ['round_robin', 'least_request', 'random', 'consistent_hash'] as const;

export const resilienceSchema = z
  .object({
    loadBalancer: z
      .object({
        policy: z.enum(LOAD_BALANCER_POLICIES),
        /** For consistent_hash: the request header hashed (lower-case). */
        hashHeader: z.string().nullable(),
      })
      .strict(),
    /** Circuit breaking; null fields = unlimited. */
    limits: z
      .object({
        maxConnections: z.number().int().positive().nullable(),
        maxPendingRequests: z.number().int().positive().nullable(),
        maxRequests: z.number().int().positive().nullable(),
        maxRetries: z.number().int().nonnegative().nullable(),
      })
      .strict(),
    /** null = no outlier detection. */
    outlierDetection: z
      .object({
        consecutive5xx: z.number().int().positive().nullable(),
        consecutiveConnectErrors: z.number().int().positive().nullable(),
        intervalMs: ms,
        baseEjectionTimeMs: ms,
        maxEjectionPercent: percent,
      })
      .strict()
      .nullable(),
    /** Below this percentage of healthy endpoints, balance across all of them. */
    panicThresholdPercent: percent,
    /** Prefer endpoints in the proxy's zone (and cluster), fail over to others. */
    localityFailover: z.boolean(),
  })
  .strict();
export type Resilience = z.infer<typeof resilienceSchema>;

/** A policy that contributed to a resource (names only: revisions do not change content). */
export const policyRefSchema = z
  .object({
    // Any kind of the table (lib/policy/kinds.ts), also those registered after this module loads.
    kind: z.string().refine((k): boolean => isPolicyKind(k), { error: () => `must be one of ${policyKindList()}` }),
    namespace: z.string(),
    name: z.string(),
  })
  .strict();
export type PolicyRef = z.infer<typeof policyRefSchema>;

export const serviceBodySchema = z
  .object({
    /** `<namespace>/<service>` of the destination. */
    ...bodyNameShape,
    /**
     * HTTP rules in order; the first whose match holds decides. A request no rule matches goes
     * to every endpoint with the defaults below (as does everything when `routes` is empty).
     */
    routes: z.array(routeRuleSchema),
    /** Default request timeout (Mesh policy); null = none. */
    timeoutMs: ms.nullable(),
    /** Default retries (Mesh policy); null = none. */
    retries: retryPolicySchema.nullable(),
    resilience: resilienceSchema,
    /** Policies merged into this body, for status and config dumps. */
    sources: z.array(policyRefSchema),
  })
  .strict();
export type ServiceBody = z.infer<typeof serviceBodySchema>;

// ---------------------------------------------------------------------------------------------
// Endpoints: the SERVING instances of one service (DRAINING and NOT_SERVING excluded).

export const endpointSchema = z
  .object({
    /** Instance id. */
    id: z.string().min(1),
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    protocol: z.enum(INSTANCE_PROTOCOLS),
    zone: z.string(),
    cluster: z.string(),
    /** Relative load-balancing weight (the registry accepts 1–1000). */
    weight: z.number().int().min(0).max(1000),
    labels,
    /**
     * Kept by self-preservation: its registration expired during a mass expiry (likely a
     * control-plane outage). Proxies use unconfirmed endpoints only when no confirmed one is left.
     */
    unconfirmed: z.literal(true).optional(),
    /**
     * Locality priority: 0 for the proxy's own cluster, the peer's priority (>= 1) for endpoints
     * imported from another cluster (federation). Lower is preferred. Absent means 0.
     */
    priority: z.number().int().min(0).max(255).optional(),
    /**
     * Imported from a peer whose link is down: kept for the staleness window, then dropped.
     * Proxies prefer fresh endpoints of the same priority.
     */
    stale: z.literal(true).optional(),
  })
  .strict();
export type Endpoint = z.infer<typeof endpointSchema>;

export const endpointsBodySchema = z
  .object({
    ...bodyNameShape,
    /** Sorted by id. May be empty (the service is known but has no SERVING instance). */
    endpoints: z.array(endpointSchema),
  })
  .strict();
export type EndpointsBody = z.infer<typeof endpointsBodySchema>;

// ---------------------------------------------------------------------------------------------
// Inbound: what the proxy's own service accepts.

export const accessRuleSchema = z
  .object({
    action: z.enum(['allow', 'deny']),
    /**
     * Source identities `<namespace>/<service>`; `*` matches any segment (`prod/*`, `*`).
     * Empty = any source.
     */
    from: z.array(z.string()),
    /** Empty = any path. */
    paths: z.array(stringMatchSchema),
    /** Upper-case; empty = any method. */
    methods: z.array(z.string()),
    /** Compare paths ignoring ASCII case; absent = only for `deny` rules (fail closed). */
    ignoreCase: z.boolean().optional(),
  })
  .strict();
export type AccessRule = z.infer<typeof accessRuleSchema>;

export const inboundBodySchema = z
  .object({
    ...bodyNameShape,
    /**
     * Decision order: any matching `deny` rule denies; else any matching `allow` rule allows;
     * else `defaultAction` (the Mesh policy's default, `allow` without one).
     */
    defaultAction: z.enum(['allow', 'deny']),
    rules: z.array(accessRuleSchema),
    /** Reserved for the security work (Mesh `mtls.mode`); proxies ignore it for now. */
    mtlsMode: z.string().nullable(),
    sources: z.array(policyRefSchema),
  })
  .strict();
export type InboundBody = z.infer<typeof inboundBodySchema>;

// ---------------------------------------------------------------------------------------------
// Typed access by resource type

export interface ResourceBodies {
  Service: ServiceBody;
  Endpoints: EndpointsBody;
  Inbound: InboundBody;
}

export const BODY_SCHEMAS = {
  Service: serviceBodySchema,
  Endpoints: endpointsBodySchema,
  Inbound: inboundBodySchema,
} as const;

/** A body ready to send: its canonical bytes and their content version. */
export interface EncodedResource {
  name: string;
  version: string;
  body: Buffer;
}

export function encodeResource(body: ResourceBodies[ResourceType]): EncodedResource {
  const text = canonicalJson(body);
  return { name: body.name, version: contentVersion(text), body: Buffer.from(text, 'utf8') };
}

/** Proxy side: parse and validate a received body; throws ValidationError with field paths. */
export function decodeResource<T extends ResourceType>(type: T, body: Uint8Array | string): ResourceBodies[T] {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new ValidationError([{ path: 'body', message: `not JSON: ${(err as Error).message}` }]);
  }
  const parsed = BODY_SCHEMAS[type].safeParse(json);
  if (!parsed.success) throw new ValidationError(violationsFromZod(parsed.error.issues, 'body'));
  return parsed.data as ResourceBodies[T];
}

/** The content version of a body (what `encodeResource` puts in `version`). */
export function versionOf(body: unknown): string {
  return contentVersion(canonicalJson(body));
}
