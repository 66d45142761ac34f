// A change to one Endpoints resource, relative to a version the proxy holds (DESIGN.md
// "Discovery protocol", per-endpoint delta): what config-push sends a proxy that announced the
// "endpoints-delta" capability instead of the whole body, so that one instance registering,
// leaving or changing weight costs a subscriber a few dozen bytes however large the service.
//
// Shape (JSON in `Resource.delta`; an empty list is left out):
//   { "set": [ { "id": "...", <fields that differ> } ], "remove": [ "<id>", ... ] }
// An id the base does not hold carries every field (it is validated as a whole endpoint); an id
// it holds carries only what differs, `null` unsetting an optional field (`unconfirmed`).
// Lists are sorted by id, so equal changes encode to equal bytes (one encoding serves every proxy).
// `Resource.base_version` carries the first DELTA_BASE_PREFIX characters of the base version:
// enough to catch a proxy that does not hold the base, 8 bytes fewer on every change.
import { z } from 'zod';
import { ValidationError, violationsFromZod, type FieldViolation } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { endpointSchema, type Endpoint, type EndpointsBody } from './resources.js';

/** Node capability a proxy names to receive Endpoints deltas. */
export const ENDPOINTS_DELTA_CAPABILITY = 'endpoints-delta';

/** Characters of the base version a delta names (versions are 16 hex digits). */
export const DELTA_BASE_PREFIX = 8;

/** The base_version to send for a delta from `version`. */
export function deltaBase(version: string): string {
  return version.slice(0, DELTA_BASE_PREFIX);
}

/** Whether a delta naming `base` applies to the held `version`. */
export function heldMatchesBase(version: string | undefined, base: string): boolean {
  return version !== undefined && base.length >= Math.min(DELTA_BASE_PREFIX, version.length) && version.startsWith(base);
}

const FIELDS = Object.keys(endpointSchema.shape).filter((k) => k !== 'id') as Array<Exclude<keyof Endpoint, 'id'>>;

const patchSchema = z
  .object({
    id: z.string().min(1),
    ...Object.fromEntries(FIELDS.map((k) => [k, endpointSchema.shape[k].nullable().optional()])),
  })
  .strict();

const deltaSchema = z
  .object({
    set: z.array(patchSchema).default([]),
    remove: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type EndpointPatch = { id: string } & { [K in Exclude<keyof Endpoint, 'id'>]?: Endpoint[K] | null };

export interface EndpointsDelta {
  set: EndpointPatch[];
  remove: string[];
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The change that turns `base` into `target` (same service). */
export function diffEndpoints(base: EndpointsBody, target: EndpointsBody): EndpointsDelta {
  const old = new Map(base.endpoints.map((e) => [e.id, e]));
  const set: EndpointPatch[] = [];
  for (const ep of target.endpoints) {
    const prev = old.get(ep.id);
    old.delete(ep.id);
    if (!prev) {
      set.push(ep);
      continue;
    }
    const patch: EndpointPatch = { id: ep.id };
    let differs = false;
    for (const k of FIELDS) {
      const a = prev[k];
      const b = ep[k];
      if (a === b || (typeof a === 'object' && typeof b === 'object' && canonicalJson(a) === canonicalJson(b))) continue;
      (patch as Record<string, unknown>)[k] = b === undefined ? null : b;
      differs = true;
    }
    if (differs) set.push(patch);
  }
  set.sort(byId);
  return { set, remove: [...old.keys()].sort() };
}

export function encodeEndpointsDelta(delta: EndpointsDelta): Buffer {
  return Buffer.from(canonicalJson({ set: delta.set.length > 0 ? delta.set : undefined, remove: delta.remove.length > 0 ? delta.remove : undefined }), 'utf8');
}

/** Proxy side: parse and validate a received delta; throws ValidationError with field paths. */
export function decodeEndpointsDelta(bytes: Uint8Array): EndpointsDelta {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ValidationError([{ path: 'delta', message: `not JSON: ${(err as Error).message}` }]);
  }
  const parsed = deltaSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError(violationsFromZod(parsed.error.issues, 'delta'));
  return parsed.data as EndpointsDelta;
}

/** What applying a delta changes: the endpoints added or changed (whole) and the ones removed. */
export interface AppliedDelta {
  body: EndpointsBody;
  /** Endpoints added or changed, as they now are. */
  upserted: Endpoint[];
  /** Endpoints removed, as they were. */
  removed: Endpoint[];
  /** Endpoints changed (in `upserted`), as they were before. */
  replaced: Endpoint[];
}

/**
 * `base` with `delta` applied (a new body; `base` is not modified). Refuses — with the field
 * path of each problem — a removal or change of an id the base does not hold, an id named
 * twice, and an added or changed endpoint that is not a valid endpoint as a whole.
 */
export function applyEndpointsDelta(base: EndpointsBody, delta: EndpointsDelta): AppliedDelta {
  const violations: FieldViolation[] = [];
  const current = new Map(base.endpoints.map((e) => [e.id, e]));
  const seen = new Set<string>();
  const upserted: Endpoint[] = [];
  const removed: Endpoint[] = [];
  const replaced: Endpoint[] = [];
  delta.remove.forEach((id, i) => {
    const prev = current.get(id);
    if (seen.has(id)) violations.push({ path: `delta.remove[${i}]`, message: `${id} named twice` });
    else if (!prev) violations.push({ path: `delta.remove[${i}]`, message: `${id} is not an endpoint of the base version` });
    else {
      removed.push(prev);
      current.delete(id);
    }
    seen.add(id);
  });
  delta.set.forEach((patch, i) => {
    if (seen.has(patch.id)) {
      violations.push({ path: `delta.set[${i}].id`, message: `${patch.id} named twice` });
      return;
    }
    seen.add(patch.id);
    const prev = current.get(patch.id);
    const merged: Record<string, unknown> = { ...(prev ?? {}) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const ok = endpointSchema.safeParse(merged);
    if (!ok.success) {
      for (const v of violationsFromZod(ok.error.issues, `delta.set[${i}]`)) {
        violations.push(prev ? v : { ...v, message: `${v.message} (a new endpoint carries every field)` });
      }
      return;
    }
    if (prev) replaced.push(prev);
    upserted.push(ok.data);
    current.set(patch.id, ok.data);
  });
  if (violations.length > 0) throw new ValidationError(violations);
  const endpoints = [...current.values()].sort(byId);
  return { body: { ...base, endpoints }, upserted, removed, replaced };
}
