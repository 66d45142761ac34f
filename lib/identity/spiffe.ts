// SPIFFE IDs of Plexus workloads (DESIGN.md "Names"): spiffe://<trust-domain>/ns/<namespace>/svc/<service>.
import { DNS_LABEL_RE } from '../config/fields.js';

export const DEFAULT_TRUST_DOMAIN = 'plexus.local';
/** A trust domain: lower-case DNS name, 1–255 characters (SPIFFE ID spec). */
export const TRUST_DOMAIN_RE = /^(?=.{1,255}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface WorkloadName {
  namespace: string;
  service: string;
}

export interface SpiffeId extends WorkloadName {
  trustDomain: string;
}

export function isWorkloadName(namespace: string, service: string): boolean {
  return DNS_LABEL_RE.test(namespace) && DNS_LABEL_RE.test(service);
}

export function formatSpiffeId(id: SpiffeId): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/svc/${id.service}`;
}

const SPIFFE_RE = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/svc\/([^/]+)$/;

/** The parts of a workload SPIFFE ID, or undefined if `uri` is not one. */
export function parseSpiffeId(uri: string): SpiffeId | undefined {
  const m = SPIFFE_RE.exec(uri);
  if (!m) return undefined;
  const [, trustDomain, namespace, service] = m as unknown as [string, string, string, string];
  if (!TRUST_DOMAIN_RE.test(trustDomain) || !isWorkloadName(namespace, service)) return undefined;
  return { trustDomain, namespace, service };
}

/** `ns/svc`, the `sub` claim of a join token. */
export function workloadSubject(name: WorkloadName): string {
  return `${name.namespace}/${name.service}`;
}

export function parseWorkloadSubject(sub: string): WorkloadName | undefined {
  const [namespace, service, ...rest] = sub.split('/');
  if (rest.length > 0 || namespace === undefined || service === undefined || !isWorkloadName(namespace, service)) return undefined;
  return { namespace, service };
}
