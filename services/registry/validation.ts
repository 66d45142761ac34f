// API input rules (zod), applied to requests as the gRPC layer decodes them (camelCase fields,
// enums as their proto names, every field present or omitted). Each parser returns a domain
// input or throws one ValidationError listing every problem with its field path.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DNS_LABEL_RE } from '../../lib/config/fields.js';
import { ValidationError, violationsFromZod, type FieldViolation } from '../../lib/errors.js';
import type { InstanceHealth, InstanceProtocol, InstanceRecord } from '../../lib/model/instance.js';
import { labelKeyProblem, labelValueProblem, parseLabelSelector, type LabelSelector } from './labels.js';

export const API_LIMITS = {
  maxLabels: 64,
  maxMetadataEntries: 128,
  maxMetadataKeyLength: 128,
  maxInstanceIdLength: 128,
  maxHostnameLength: 253,
  maxPageSize: 1000,
  defaultPageSize: 100,
  maxHeartbeatBatch: 1000,
} as const;

export interface ValidationContext {
  defaultZone: string;
  defaultTtlSeconds: number;
  minTtlSeconds: number;
  maxTtlSeconds: number;
  maxMetadataBytes: number;
}

/** The record's fields a registration sets (lib/model/instance.ts), as validated input. */
export type RegisterInput = Pick<
  InstanceRecord,
  'namespace' | 'service' | 'address' | 'port' | 'protocol' | 'zone' | 'labels' | 'weight' | 'metadata' | 'ttlSeconds' | 'health'
> & {
  /** Undefined: the registry generates one. */
  id: string | undefined;
  /** 0: take over whatever is registered under the id. */
  expectedIncarnation: number;
  /** SPIFFE ID of the registering workload (from its certificate, set by the edge, never parsed). */
  owner?: string | undefined;
};

export interface InstanceRefInput {
  namespace: string;
  service: string;
  id: string;
  /** 0: any incarnation. */
  incarnation: number;
  /** SPIFFE ID of the calling workload (set by the edge); undefined for plaintext or operator calls. */
  caller?: string | undefined;
}

export interface ListInput {
  namespace: string | undefined;
  service: string | undefined;
  selector: LabelSelector;
  health: InstanceHealth[];
  pageSize: number;
  /** Exclusive: list keys after this one. */
  afterKey: string | undefined;
}

export interface WatchInput {
  namespace: string | undefined;
  service: string | undefined;
  fromRevision: number;
}

const DOTTED_QUAD = /^[0-9.]+$/;
const HOST_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
import { REGISTERED_INSTANCE_ID_RE as INSTANCE_ID } from '../../lib/model/names.js';

const PROTOCOLS: Record<string, InstanceProtocol> = {
  PROTOCOL_UNSPECIFIED: 'http1',
  PROTOCOL_HTTP1: 'http1',
  PROTOCOL_HTTP2: 'http2',
  PROTOCOL_GRPC: 'grpc',
  PROTOCOL_TCP: 'tcp',
};
const HEALTHS: Record<string, InstanceHealth> = {
  HEALTH_SERVING: 'SERVING',
  HEALTH_NOT_SERVING: 'NOT_SERVING',
  HEALTH_DRAINING: 'DRAINING',
};

/**
 * Why an IP address cannot be a workload's, or undefined: unspecified (0.0.0.0, ::), link-local
 * (169.254/16, fe80::/10; cloud metadata endpoints live there), multicast (224/4, ff00::/8),
 * also in IPv4-mapped IPv6 form (::ffff:a.b.c.d). A registered address receives mesh traffic.
 */
export function unroutableProblem(address: string): string | undefined {
  let v4: number[] | undefined;
  let v6: number[] | undefined;
  if (isIP(address) === 4) v4 = address.split('.').map(Number);
  else if (isIP(address) === 6) {
    v6 = ipv6Bytes(address);
    if (v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) v4 = v6.slice(12);
  }
  if (v4) {
    const [a = 0, b = 0] = v4;
    if (v4.every((x) => x === 0)) return 'is the unspecified address, not a workload';
    if (a === 169 && b === 254) return 'is link-local (169.254.0.0/16), not a workload';
    if (a >= 224 && a <= 239) return 'is a multicast address, not a workload';
    if (a === 255 && v4.every((x) => x === 255)) return 'is the broadcast address, not a workload';
    return undefined;
  }
  if (v6) {
    if (v6.every((x) => x === 0)) return 'is the unspecified address, not a workload';
    if (v6[0] === 0xfe && (v6[1]! & 0xc0) === 0x80) return 'is link-local (fe80::/10), not a workload';
    if (v6[0] === 0xff) return 'is a multicast address (ff00::/8), not a workload';
  }
  return undefined;
}

/** The 16 bytes of an IPv6 address already known to be valid (isIP === 6). */
function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const q = dotted[1]!.split('.').map(Number);
    text = text.slice(0, -dotted[1]!.length) + `${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (t: string): number[] => (t === '' ? [] : t.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Why `address` is neither an IP address nor a host name, or undefined. */
export function addressProblem(address: string): string | undefined {
  if (address.length === 0) return 'must not be empty';
  if (isIP(address) !== 0) return unroutableProblem(address);
  if (address.length > API_LIMITS.maxHostnameLength) return `must be at most ${API_LIMITS.maxHostnameLength} characters`;
  if (DOTTED_QUAD.test(address)) return 'is not a valid IPv4 address';
  if (address.includes(':')) return 'is not a valid IPv6 address';
  const host = address.endsWith('.') ? address.slice(0, -1) : address;
  if (!host.split('.').every((l) => HOST_LABEL.test(l))) {
    return 'must be an IP address or a host name (labels of letters, digits and -, 1–63 characters each)';
  }
  return undefined;
}

const dnsLabelField = (what: string) =>
  z
    .string()
    .min(1, { message: `${what} must not be empty`, abort: true })
    .max(63, { message: `${what} must be at most 63 characters`, abort: true })
    .regex(DNS_LABEL_RE, `${what} must be a DNS-1123 label (lower-case letters, digits and -, starting and ending alphanumeric)`);

/** Empty means "default" in proto3, so '' becomes `fallback` before the label rules apply. */
const labelOr = (what: string, fallback: string) =>
  z
    .string()
    .default('')
    .transform((v) => (v === '' ? fallback : v))
    .pipe(dnsLabelField(what));

const requiredLabel = (what: string) => z.string().default('').pipe(dnsLabelField(what));

const optionalLabel = (what: string) =>
  z
    .string()
    .default('')
    .pipe(z.union([z.literal(''), dnsLabelField(what)]))
    .transform((v) => (v === '' ? undefined : v));

const instanceIdField = z
  .string()
  .min(1, { message: 'instance id must not be empty', abort: true })
  .max(API_LIMITS.maxInstanceIdLength, { message: `instance id must be at most ${API_LIMITS.maxInstanceIdLength} characters`, abort: true })
  .regex(INSTANCE_ID, "instance id must be lower-case letters, digits, '-', '.' or '_', starting and ending alphanumeric");

const incarnationField = z.number().int('must be an integer').min(0, 'must not be negative').default(0);

/** A string map of at most `max` entries (`noun` in the message), each entry checked by `problem` (reported at its key). */
const boundedStringMap = (max: number, noun: string, problem: (key: string, value: string) => string | undefined) =>
  z
    .record(z.string(), z.string())
    .default({})
    .superRefine((map, ctx) => {
      const keys = Object.keys(map);
      if (keys.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} ${noun} (got ${keys.length})` });
      for (const key of keys) {
        const message = problem(key, map[key] ?? '');
        if (message) ctx.addIssue({ code: 'custom', path: [key], message });
      }
    });

const labelsField = boundedStringMap(API_LIMITS.maxLabels, 'labels', (key, value) => labelKeyProblem(key) ?? labelValueProblem(value));

const metadataField = (maxBytes: number) =>
  boundedStringMap(API_LIMITS.maxMetadataEntries, 'entries', (key) =>
    key.length === 0 || key.length > API_LIMITS.maxMetadataKeyLength || /[\u0000-\u001f\u007f]/.test(key)
      ? `metadata key must be 1–${API_LIMITS.maxMetadataKeyLength} characters without control characters`
      : undefined,
  ).superRefine((metadata, ctx) => {
    const bytes = Buffer.byteLength(JSON.stringify(metadata));
    if (bytes > maxBytes) ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes as JSON (got ${bytes})` });
  });

const healthEnum = z.enum(['HEALTH_UNSPECIFIED', 'HEALTH_SERVING', 'HEALTH_NOT_SERVING', 'HEALTH_DRAINING']);
const healthValue = healthEnum.refine((h) => h !== 'HEALTH_UNSPECIFIED', 'must be HEALTH_SERVING, HEALTH_NOT_SERVING or HEALTH_DRAINING');

function registerSchema(ctx: ValidationContext) {
  return z
    .object({
      namespace: labelOr('namespace', 'default'),
      service: requiredLabel('service'),
      instanceId: z
        .string()
        .default('')
        .pipe(z.union([z.literal(''), instanceIdField]))
        .transform((v) => (v === '' ? undefined : v)),
      address: z.string().default('').superRefine((v, c) => {
        const problem = addressProblem(v);
        if (problem) c.addIssue({ code: 'custom', message: `address ${problem}` });
      }),
      port: z.number().int('port must be an integer').min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535').prefault(0),
      protocol: z.enum(Object.keys(PROTOCOLS) as [string, ...string[]]).default('PROTOCOL_UNSPECIFIED'),
      zone: labelOr('zone', ctx.defaultZone),
      labels: labelsField,
      weight: z.number().int('weight must be an integer').min(0, 'weight must be 1–1000 (0 = default 100)').max(1000, 'weight must be 1–1000').default(0),
      metadata: metadataField(ctx.maxMetadataBytes),
      ttlSeconds: z
        .number()
        .int('must be an integer')
        .default(0)
        .refine((t) => t === 0 || (t >= ctx.minTtlSeconds && t <= ctx.maxTtlSeconds), {
          message: `must be ${ctx.minTtlSeconds}–${ctx.maxTtlSeconds} seconds (0 = default ${ctx.defaultTtlSeconds})`,
        }),
      health: healthEnum.default('HEALTH_UNSPECIFIED'),
      expectedIncarnation: incarnationField,
    })
    .strict();
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  // An unknown field is a problem of that field, not of the object holding it.
  const issues = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: 'is not a known field' }))
      : [issue],
  );
  throw new ValidationError(violationsFromZod(issues));
}

/** Building a zod schema costs far more than using one: one per context, built once. */
const registerSchemas = new WeakMap<ValidationContext, ReturnType<typeof registerSchema>>();

export function parseRegister(raw: unknown, ctx: ValidationContext): RegisterInput {
  let schema = registerSchemas.get(ctx);
  if (!schema) registerSchemas.set(ctx, (schema = registerSchema(ctx)));
  const r = parse(schema, raw);
  return {
    namespace: r.namespace,
    service: r.service,
    id: r.instanceId,
    address: r.address,
    port: r.port,
    protocol: PROTOCOLS[r.protocol] ?? 'http1',
    zone: r.zone,
    labels: r.labels,
    weight: r.weight === 0 ? 100 : r.weight,
    metadata: r.metadata,
    ttlSeconds: r.ttlSeconds === 0 ? ctx.defaultTtlSeconds : r.ttlSeconds,
    health: HEALTHS[r.health] ?? 'SERVING',
    expectedIncarnation: r.expectedIncarnation,
  };
}

const refSchema = (requireIncarnation: boolean) =>
  z
    .object(
      {
        namespace: labelOr('namespace', 'default'),
        service: requiredLabel('service'),
        instanceId: z.string().default('').pipe(instanceIdField),
        incarnation: requireIncarnation
          ? incarnationField.refine((n) => n > 0, 'is required (the incarnation Register returned)')
          : incarnationField,
      },
      { error: (iss) => (iss.input === undefined ? 'is required' : 'must be an InstanceRef message') },
    )
    .strict();

/** proto3 decodes an absent message field as null; treat it like a missing one. */
const requiredMessage = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === null ? undefined : v), schema);

function toRef(r: { namespace: string; service: string; instanceId: string; incarnation: number }): InstanceRefInput {
  return { namespace: r.namespace, service: r.service, id: r.instanceId, incarnation: r.incarnation };
}

const refWithIncarnation = refSchema(true);
const refAnyIncarnation = refSchema(false);
const heartbeatSchema = z.object({ instance: requiredMessage(refWithIncarnation) }).strict();
const deregisterSchema = z.object({ instance: requiredMessage(refAnyIncarnation) }).strict();

/** A request holding an InstanceRef under `instance`. */
function parseRefRequest(raw: unknown, requireIncarnation: boolean): InstanceRefInput {
  return toRef(parse(requireIncarnation ? heartbeatSchema : deregisterSchema, raw).instance);
}

export function parseHeartbeat(raw: unknown): InstanceRefInput {
  return parseRefRequest(raw, true);
}

export function parseDeregister(raw: unknown): InstanceRefInput {
  return parseRefRequest(raw, false);
}

const setHealthSchema = z
  .object({ instance: requiredMessage(refAnyIncarnation), health: healthValue.prefault('HEALTH_UNSPECIFIED') })
  .strict();

export function parseSetHealth(raw: unknown): { ref: InstanceRefInput; health: InstanceHealth } {
  const r = parse(setHealthSchema, raw);
  return { ref: toRef(r.instance), health: HEALTHS[r.health] ?? 'SERVING' };
}

const getSchema = z
  .object({
    namespace: labelOr('namespace', 'default'),
    service: requiredLabel('service'),
    instanceId: z.string().default('').pipe(instanceIdField),
  })
  .strict();

export function parseGet(raw: unknown): InstanceRefInput {
  return toRef({ ...parse(getSchema, raw), incarnation: 0 });
}

export interface HeartbeatBatch {
  seq: number;
  refs: InstanceRefInput[];
}

const heartbeatBatchSchema = z
  .object({
    seq: z.number().int().min(0).default(0),
    instances: z
      .array(refWithIncarnation)
      .min(1, 'must name at least one instance')
      .max(API_LIMITS.maxHeartbeatBatch, `at most ${API_LIMITS.maxHeartbeatBatch} instances per request`)
      .default([]),
  })
  .strict();

export function parseHeartbeatBatch(raw: unknown): HeartbeatBatch {
  const r = parse(heartbeatBatchSchema, raw);
  return { seq: r.seq, refs: r.instances.map(toRef) };
}

const listSchema = z
  .object({
    namespace: optionalLabel('namespace'),
    service: optionalLabel('service'),
    labelSelector: z.string().max(4096, 'must be at most 4096 characters').default(''),
    health: z.array(healthValue).max(3).default([]),
    pageSize: z
      .number()
      .int()
      .min(0)
      .max(API_LIMITS.maxPageSize, `must be at most ${API_LIMITS.maxPageSize}`)
      .default(0),
    pageToken: z.string().max(1024).default(''),
  })
  .strict();

export function parseList(raw: unknown, decodePageToken: (token: string) => string | undefined): ListInput {
  const r = parse(listSchema, raw);
  const violations: FieldViolation[] = [];
  const sel = parseLabelSelector(r.labelSelector);
  if (!sel.ok) violations.push({ path: 'labelSelector', message: sel.problem });
  let afterKey: string | undefined;
  if (r.pageToken !== '') {
    afterKey = decodePageToken(r.pageToken);
    if (afterKey === undefined) violations.push({ path: 'pageToken', message: 'is not a token this listing returned' });
  }
  if (violations.length > 0 || !sel.ok) throw new ValidationError(violations);
  return {
    namespace: r.namespace,
    service: r.service,
    selector: sel.selector,
    health: [...new Set(r.health.map((h) => HEALTHS[h] ?? 'SERVING'))],
    pageSize: r.pageSize === 0 ? API_LIMITS.defaultPageSize : r.pageSize,
    afterKey,
  };
}

const watchSchema = z
  .object({
    namespace: optionalLabel('namespace'),
    service: optionalLabel('service'),
    fromRevision: z.number().int().min(0, 'must not be negative').default(0),
  })
  .strict();

export function parseWatch(raw: unknown): WatchInput {
  const r = parse(watchSchema, raw);
  return { namespace: r.namespace, service: r.service, fromRevision: r.fromRevision };
}
