// An instance record as stored at /plexus/v1/<cluster>/instances/<ns>/<service>/<id> and carried
// in instance.* events. Written by the registry; read by config-push and plexctl.

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
  /** Grows on every (re-)registration of the same id; a stale incarnation cannot overwrite. */
  incarnation: number;
  /** Store lease that keeps this record alive. */
  leaseId: string;
  ttlSeconds: number;
  registeredAt: string;
  updatedAt: string;
}

/** `<namespace>/<service>`: a service identity. */
export function serviceName(namespace: string, service: string): string {
  return `${namespace}/${service}`;
}
