// Route: ordered HTTP rules for one destination service (`<metadata.namespace>/<metadata.name>`).
// The first rule whose match holds decides; a rule without `match` matches every request.
// A request no rule matches goes to all instances of the service (Mesh timeout/retries apply).
import { z } from 'zod';
import { duration } from './duration.js';
import {
  DNS_LABEL_RE,
  headerName,
  headerValue,
  httpMethod,
  labelMap,
  modifiableHeaderName,
  percent,
  requestPath,
  safeRegex,
  uniqueList,
} from './fields.js';
import { retriesSchema } from './retries.js';

function exactlyOne<T extends Record<string, unknown>>(keys: Array<keyof T & string>, what: string) {
  return (value: T) => keys.filter((k) => value[k] !== undefined).length === 1 || `${what} must set exactly one of ${keys.join(', ')}`;
}

/** Path match; `regex` must match the whole path (see regex.ts). */
export const pathMatchSchema = z
  .strictObject({ exact: requestPath.optional(), prefix: requestPath.optional(), regex: safeRegex.optional() })
  .superRefine((m, ctx) => {
    const msg = exactlyOne<typeof m>(['exact', 'prefix', 'regex'], 'a path match')(m);
    if (msg !== true) ctx.addIssue({ code: 'custom', message: msg });
  });

/** Header match: exact/prefix/regex on the value, or `present: true|false`. */
export const headerMatchSchema = z
  .strictObject({
    name: headerName,
    exact: headerValue.optional(),
    prefix: headerValue.optional(),
    regex: safeRegex.optional(),
    present: z.boolean().optional(),
  })
  .superRefine((m, ctx) => {
    const msg = exactlyOne<typeof m>(['exact', 'prefix', 'regex', 'present'], 'a header match')(m);
    if (msg !== true) ctx.addIssue({ code: 'custom', message: msg });
  });

/** All conditions must hold (AND); within `methods`, any one (OR). */
export const routeMatchSchema = z.strictObject({
  path: pathMatchSchema.optional(),
  methods: uniqueList(httpMethod, 9).optional(),
  headers: z.array(headerMatchSchema).max(16, 'must have at most 16 entries').optional(),
});

/**
 * A subset: instances whose labels include every entry. Two keys select by placement rather than
 * by registered labels: `plexus.dev/cluster` (the instance's cluster, local or imported) and
 * `plexus.dev/zone`. Empty means all instances.
 */
const subsetSelector = labelMap(16).superRefine((m, ctx) => {
  const cluster = m['plexus.dev/cluster'];
  if (cluster !== undefined && !DNS_LABEL_RE.test(cluster)) {
    ctx.addIssue({ code: 'custom', path: ['plexus.dev/cluster'], message: 'must be a cluster name (a DNS-1123 label)' });
  }
});

export const destinationSchema = z.strictObject({
  subset: subsetSelector.default({}),
  /** Share of the rule's traffic in percent; required when there is more than one destination. */
  weight: z.number().int('must be an integer').min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').optional(),
});

export const faultSchema = z
  .strictObject({
    delay: z.strictObject({ fixedDelay: duration(1, 60_000), percent }).optional(),
    abort: z
      .strictObject({
        httpStatus: z.number().int('must be an integer').min(200, 'must be an HTTP status 200–599').max(599, 'must be an HTTP status 200–599'),
        percent,
      })
      .optional(),
  })
  .refine((f) => f.delay !== undefined || f.abort !== undefined, 'a fault must set delay, abort or both');

const headerMap = z
  .record(modifiableHeaderName, headerValue)
  .refine((m) => Object.keys(m).length <= 32, 'must have at most 32 entries');

export const headerOpsSchema = z.strictObject({
  set: headerMap.optional(),
  add: headerMap.optional(),
  remove: uniqueList(modifiableHeaderName, 32).optional(),
});

export const mirrorSchema = z.strictObject({
  subset: subsetSelector.default({}),
  percent: percent.default(100),
});

/**
 * Weighted destinations: weights are integers that sum to 100; a lone destination may omit its
 * weight (normalised to 100). Checked on the list itself so the check runs even when sibling
 * fields of the rule are invalid.
 */
export const destinationsSchema = z
  .array(destinationSchema)
  .min(1, 'must have at least one destination')
  .max(16, 'must have at most 16 entries')
  .transform((destinations, ctx) => {
    const out = destinations as Array<{ subset: Record<string, string>; weight: number }>;
    if (destinations.length === 1) {
      const only = destinations[0]!;
      if (only.weight === undefined) only.weight = 100;
      else if (only.weight !== 100) ctx.addIssue({ code: 'custom', path: [0, 'weight'], message: `a single destination must have weight 100 (got ${only.weight})` });
      return out;
    }
    let sum = 0;
    let missing = false;
    destinations.forEach((d, i) => {
      if (d.weight === undefined) {
        missing = true;
        ctx.addIssue({ code: 'custom', path: [i, 'weight'], message: 'is required when there is more than one destination' });
      } else sum += d.weight;
    });
    if (!missing && sum !== 100) ctx.addIssue({ code: 'custom', message: `weights must sum to 100 (got ${sum})` });
    const subsets = destinations.map((d) => JSON.stringify(Object.entries(d.subset).sort()));
    subsets.forEach((s, i) => {
      if (subsets.indexOf(s) !== i) ctx.addIssue({ code: 'custom', path: [i, 'subset'], message: `selects the same subset as destinations[${subsets.indexOf(s)}]` });
    });
    return out;
  });

export const routeRuleSchema = z.strictObject({
  name: z.string().regex(DNS_LABEL_RE, 'must be a DNS-1123 label').optional(),
  match: routeMatchSchema.optional(),
  destinations: destinationsSchema,
  /** Overall deadline for the request including retries. */
  timeout: duration(1, 600_000).optional(),
  retries: retriesSchema.optional(),
  fault: faultSchema.optional(),
  headers: z.strictObject({ request: headerOpsSchema.optional(), response: headerOpsSchema.optional() }).optional(),
  mirror: mirrorSchema.optional(),
});

export const routeSpecSchema = z.strictObject({
  rules: z.array(routeRuleSchema).min(1, 'must have at least one rule').max(64, 'must have at most 64 entries'),
  /**
   * When a weighted subset of a rule has no healthy endpoint, its share goes to the rule's other
   * destinations (in proportion to their weights) instead of failing. Default true.
   */
  subsetFallback: z.boolean().optional(),
});

export type RouteSpec = z.output<typeof routeSpecSchema>;
export type RouteRule = z.output<typeof routeRuleSchema>;
export type RouteMatch = z.output<typeof routeMatchSchema>;
export type PathMatch = z.output<typeof pathMatchSchema>;
export type HeaderMatch = z.output<typeof headerMatchSchema>;
export type Destination = RouteRule['destinations'][number];
export type Fault = z.output<typeof faultSchema>;
export type HeaderOps = z.output<typeof headerOpsSchema>;
export type Mirror = z.output<typeof mirrorSchema>;
