// A service imported from a federation peer, as the federation importer stores it at
//   /plexus/v1/<cluster>/imports/<peer>/<namespace>/<service>
// and config-push's mesh view reads it (remote endpoints of that service). One record per
// service and peer: the exporter sends a service's whole instance list, never a part of it.
import { z } from 'zod';
import { INSTANCE_PROTOCOLS } from './instance.js';
import { DNS_LABEL_RE, INSTANCE_ID_RE } from './names.js';

/** Bounds on what a peer may send (and an importer store): refused above them. */
export const IMPORT_LIMITS = {
  maxInstancesPerService: 1000,
  maxLabels: 32,
  maxLabelLength: 253,
  maxAddressLength: 253,
} as const;

const dnsLabel = z.string().regex(DNS_LABEL_RE, 'must be a DNS label');
const labelText = z.string().max(IMPORT_LIMITS.maxLabelLength);

/** One instance of an exported service, as it travels between clusters. */
export const remoteInstanceSchema = z.strictObject({
  id: z.string().regex(INSTANCE_ID_RE, 'must be an instance id'),
  address: z.string().min(1).max(IMPORT_LIMITS.maxAddressLength),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(INSTANCE_PROTOCOLS),
  /** The exporting cluster (instances may not claim another). */
  cluster: dnsLabel,
  zone: z.string().max(63),
  weight: z.number().int().min(0).max(1000),
  labels: z
    .record(labelText, labelText)
    .refine((l) => Object.keys(l).length <= IMPORT_LIMITS.maxLabels, `at most ${IMPORT_LIMITS.maxLabels} labels`),
  /** The exporting cluster's east-west gateway: what importing proxies dial for this instance. */
  gateway: z.strictObject({ address: z.string().min(1).max(IMPORT_LIMITS.maxAddressLength), port: z.number().int().min(1).max(65535) }).optional(),
});
export type RemoteInstance = z.infer<typeof remoteInstanceSchema>;

export const importRecordSchema = z.strictObject({
  peer: dnsLabel,
  namespace: dnsLabel,
  service: dnsLabel,
  /** Locality priority of the peer (1 = first after the local cluster, which is 0). */
  priority: z.number().int().min(1).max(255),
  /** The peer link is down: kept for the staleness window, then dropped. */
  stale: z.boolean(),
  /** Only SERVING instances are exported. */
  instances: z.array(remoteInstanceSchema).max(IMPORT_LIMITS.maxInstancesPerService),
  /** The peer's stream sequence this state came from. */
  sequence: z.number().int().min(0),
  importedAt: z.string(),
});
export type ImportRecord = z.infer<typeof importRecordSchema>;
