// Instance records ⇄ the registry API's `Instance` message. The registry sends records with
// recordToProto; clients (proxy, plexctl, config-push) turn them back with protoToRecord.
import {
  INSTANCE_HEALTH,
  INSTANCE_PROTOCOLS,
  type InstanceHealth,
  type InstanceProtocol,
  type InstanceRecord,
} from '../model/instance.js';
import type { Health__Output } from '../proto/gen/plexus/registry/v1/Health.js';
import type { Instance, Instance__Output } from '../proto/gen/plexus/registry/v1/Instance.js';
import type { Protocol__Output } from '../proto/gen/plexus/registry/v1/Protocol.js';

export function healthToProto(h: InstanceHealth): Health__Output {
  return `HEALTH_${h}`;
}

export function protocolToProto(p: InstanceProtocol): Protocol__Output {
  return `PROTOCOL_${p.toUpperCase() as Uppercase<InstanceProtocol>}`;
}

/** HEALTH_UNSPECIFIED (never sent by the registry) reads as NOT_SERVING: do not route to it. */
export function healthFromProto(h: string): InstanceHealth {
  const name = h.replace(/^HEALTH_/, '');
  return (INSTANCE_HEALTH as readonly string[]).includes(name) ? (name as InstanceHealth) : 'NOT_SERVING';
}

export function protocolFromProto(p: string): InstanceProtocol {
  const name = p.replace(/^PROTOCOL_/, '').toLowerCase();
  return (INSTANCE_PROTOCOLS as readonly string[]).includes(name) ? (name as InstanceProtocol) : 'http1';
}

export function recordToProto(record: InstanceRecord, revision: number): Instance {
  return {
    id: record.id,
    namespace: record.namespace,
    service: record.service,
    cluster: record.cluster,
    zone: record.zone,
    address: record.address,
    port: record.port,
    protocol: protocolToProto(record.protocol),
    labels: record.labels,
    weight: record.weight,
    metadata: record.metadata,
    health: healthToProto(record.health),
    incarnation: record.incarnation,
    leaseId: record.leaseId,
    ttlSeconds: record.ttlSeconds,
    registeredAt: record.registeredAt,
    updatedAt: record.updatedAt,
    revision,
    deregistering: record.deregistering === true,
  };
}

export interface InstanceWithRevision {
  record: InstanceRecord;
  revision: number;
  /** RFC 3339, from Get/List: kept without a heartbeat for its TTL, not judged dead yet. */
  unconfirmedSince?: string;
}

export function protoToRecord(msg: Instance__Output): InstanceWithRevision {
  const record: InstanceRecord = {
    id: msg.id,
    namespace: msg.namespace,
    service: msg.service,
    cluster: msg.cluster,
    zone: msg.zone,
    address: msg.address,
    port: msg.port,
    protocol: protocolFromProto(msg.protocol),
    labels: { ...msg.labels },
    weight: msg.weight,
    metadata: { ...msg.metadata },
    health: healthFromProto(msg.health),
    incarnation: msg.incarnation,
    leaseId: msg.leaseId,
    ttlSeconds: msg.ttlSeconds,
    registeredAt: msg.registeredAt,
    updatedAt: msg.updatedAt,
  };
  if (msg.deregistering) record.deregistering = true;
  return msg.unconfirmedSince ? { record, revision: msg.revision, unconfirmedSince: msg.unconfirmedSince } : { record, revision: msg.revision };
}
