// What travels between clusters (DESIGN.md "Federation"; README "Federation"):
//   stream   PLEXUS_FED_<cluster>_TO_<peer>   in the exporter's JetStream domain (= its cluster)
//   subjects plexus.<cluster>.federation.export.<peer>.<namespace>.<service>  one service's whole
//              state for that peer; the stream keeps the last message per subject, so it always
//              holds the current state of every exported service (and tombstones of removed ones)
//            plexus.<cluster>.federation.export.<peer>._horizon  the highest sequence whose
//              tombstone the exporter has purged: a cursor below it is too old to resume from
//            plexus.<cluster>.federation.heartbeat.<peer>  core NATS, every heartbeatMs: the
//              exporter's cursor (the stream's last sequence)
// Everything received from a peer is hostile input: size-checked, then zod-checked, then
// matched against the subject it came on and the peer it is expected from.
import { z } from 'zod';
import { DNS_LABEL_RE } from '../../lib/model/names.js';
import { IMPORT_LIMITS, remoteInstanceSchema } from '../../lib/model/import-record.js';

export function streamName(exporter: string, peer: string): string {
  return `PLEXUS_FED_${exporter}_TO_${peer}`;
}
export function exportSubject(exporter: string, peer: string, namespace: string, service: string): string {
  return `plexus.${exporter}.federation.export.${peer}.${namespace}.${service}`;
}
export function exportWildcard(exporter: string, peer: string): string {
  return `plexus.${exporter}.federation.export.${peer}.>`;
}
export function horizonSubject(exporter: string, peer: string): string {
  return `plexus.${exporter}.federation.export.${peer}._horizon`;
}
export function heartbeatSubject(exporter: string, peer: string): string {
  return `plexus.${exporter}.federation.heartbeat.${peer}`;
}

const dnsLabel = z.string().regex(DNS_LABEL_RE, 'must be a DNS label');

/** One exported service's state for one peer; `removed` is its tombstone. */
export const exportMessageSchema = z.strictObject({
  v: z.literal(1),
  cluster: dnsLabel,
  peer: dnsLabel,
  namespace: dnsLabel,
  service: dnsLabel,
  removed: z.boolean(),
  instances: z.array(remoteInstanceSchema).max(IMPORT_LIMITS.maxInstancesPerService),
});
export type ExportMessage = z.infer<typeof exportMessageSchema>;

export const horizonMessageSchema = z.strictObject({ v: z.literal(1), horizon: z.number().int().min(0) });

export const heartbeatSchema = z.strictObject({
  v: z.literal(1),
  cluster: dnsLabel,
  peer: dnsLabel,
  /** The exporter stream's last sequence: everything up to it was published. */
  cursor: z.number().int().min(0),
  horizon: z.number().int().min(0),
  at: z.string().max(64),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export type Refusal = 'oversized' | 'malformed' | 'mismatch';

/** Decode bytes from a peer: refused when over `maxBytes`, not JSON, or not matching `schema`. */
export function decodePeerMessage<T>(data: Uint8Array, maxBytes: number, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; refusal: Refusal; detail: string } {
  if (data.length > maxBytes) return { ok: false, refusal: 'oversized', detail: `${data.length} bytes > ${maxBytes}` };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (err) {
    return { ok: false, refusal: 'malformed', detail: `not JSON: ${(err as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, refusal: 'malformed', detail };
  }
  return { ok: true, value: parsed.data };
}

export function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
