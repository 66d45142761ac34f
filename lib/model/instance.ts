// An instance record as stored at /plexus/v1/<cluster>/instances/<ns>/<service>/<id> and carried
// in instance.* events. Written by the registry; read by config-push and plexctl.
import { z } from 'zod';
import { formatServiceId } from './names.js';

export const INSTANCE_HEALTH = ['SERVING', 'NOT_SERVING', 'DRAINING'] as const;
export type InstanceHealth = (typeof INSTANCE_HEALTH)[number];

export const INSTANCE_PROTOCOLS = ['http1', 'http2', 'grpc', 'tcp'] as const;
export type InstanceProtocol = (typeof INSTANCE_PROTOCOLS)[number];

export interface InstanceRecord {
  id: string;
  namespace: string;
  service: string;
  cluster: string;
  zone: string;
  address: string;
  port: number;
  protocol: InstanceProtocol;
  labels: Record<string, string>;
  /** Relative load-balancing weight, 1–1000 (default 100). */
  weight: number;
  metadata: Record<string, string>;
  health: InstanceHealth;
  /**
   * Grows on every (re-)registration of the same id, also across expiries (the registry takes
   * it from the store revision); a stale incarnation cannot overwrite a newer one.
   */
  incarnation: number;
  /** Store lease that keeps this record alive. */
  leaseId: string;
  ttlSeconds: number;
  registeredAt: string;
  updatedAt: string;
  /**
   * Set (with health DRAINING) by a graceful Deregister just before it deletes the record, so
   * whoever sees the deletion knows it was `deregistered`, not `expired`. Treat as not serving.
   */
  deregistering?: boolean;
  /**
   * SPIFFE ID of the workload that registered it (from its verified certificate). Only that
   * identity may renew, re-register, mark or deregister it. Absent for plaintext registrations.
   */
  owner?: string;
}

/** Payload of instance.* events: the record (for deletions, the last one stored). */
export interface InstanceEventData {
  instance: InstanceRecord;
  /** Only on instance.deregistered / instance.expired. */
  reason?: 'deregistered' | 'expired';
}

/**
 * Shape check for records read back from the store or received in events (not the API's input
 * rules, which live in the registry): a malformed value is reported, never trusted.
 */
export const instanceRecordSchema = z.object({
  id: z.string().min(1),
  namespace: z.string().min(1),
  service: z.string().min(1),
  cluster: z.string().min(1),
  zone: z.string(),
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(INSTANCE_PROTOCOLS),
  labels: z.record(z.string(), z.string()),
  weight: z.number().int().min(0),
  metadata: z.record(z.string(), z.string()),
  health: z.enum(INSTANCE_HEALTH),
  incarnation: z.number().int().positive(),
  leaseId: z.string(),
  ttlSeconds: z.number().int().positive(),
  registeredAt: z.string(),
  updatedAt: z.string(),
  deregistering: z.boolean().optional(),
  owner: z.string().max(2048).optional(),
});

/** True when traffic may be sent to the instance. */
export function isServing(record: Pick<InstanceRecord, 'health' | 'deregistering'>): boolean {
  return record.health === 'SERVING' && record.deregistering !== true;
}

/** Metadata key a Plexus proxy sets when it registers its app's instance (its version). */
export const PROXY_VERSION_METADATA = 'proxyVersion';

/**
 * True when a Plexus proxy fronts the instance, so it is expected to hold a config stream.
 * Instances registered without one (proxyless gRPC servers, apps that register themselves)
 * never have a stream and are never counted as DISCONNECTED proxies.
 */
export function isProxied(record: Pick<InstanceRecord, 'metadata'>): boolean {
  return record.metadata[PROXY_VERSION_METADATA] !== undefined;
}

/** `<namespace>/<service>`: a service identity (names.ts formatServiceId). */
export function serviceName(namespace: string, service: string): string {
  return formatServiceId({ namespace, service });
}

/** `<namespace>/<service>/<id>`: the subject of instance events. */
export function instanceSubject(namespace: string, service: string, id: string): string {
  return `${namespace}/${service}/${id}`;
}
