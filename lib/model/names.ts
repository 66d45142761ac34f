// Names (DESIGN.md "Names" and "Store"): the one definition of each naming rule. Validators,
// schemas and parsers elsewhere use these instead of their own regexes.
import { ROOT } from '../store/keys.js';

/** A DNS-1123 label: 1–63 of a-z 0-9 '-', starting and ending alphanumeric. */
export type DnsLabel = string;

export const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS_LABEL_RE's source without anchors, for composing patterns such as `<ns>/<svc>`. */
const DNS_LABEL_BODY = DNS_LABEL_RE.source.slice(1, -1);

export function isDnsLabel(value: unknown): value is DnsLabel {
  return typeof value === 'string' && DNS_LABEL_RE.test(value);
}

/** A cluster name is a DNS label; it is a store-key segment and part of event subjects. */
export const isClusterName = isDnsLabel;
/** A zone name as the registry accepts it (a DNS label). */
export const isZoneName = isDnsLabel;

/**
 * An instance id as a reference: what the store can hold as a key segment, ≤ 128 characters
 * (config-push's discovery node and rollout requests). Wider than REGISTERED_INSTANCE_ID_RE.
 */
export const INSTANCE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const INSTANCE_ID_MESSAGE = 'must be 1–128 characters of A-Z a-z 0-9 . _ : @ -';

/**
 * An instance id the registry accepts at Register: lower case, digits, '-', '.', '_', starting
 * and ending alphanumeric (its length limit is the registry's API_LIMITS.maxInstanceIdLength).
 * Narrower than INSTANCE_ID_RE, which also has to accept ids written by older registries.
 */
export const REGISTERED_INSTANCE_ID_RE = /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

// ---------------------------------------------------------------------------------------------
// Service identity

/** A service: `<namespace>/<service>`, both DNS labels. */
export interface ServiceId {
  namespace: DnsLabel;
  service: DnsLabel;
}

export const DEFAULT_NAMESPACE = 'default';

/** `<namespace>/<service>` with both parts DNS labels (no wildcards). */
export const SERVICE_ID_RE = new RegExp(`^${DNS_LABEL_BODY}/${DNS_LABEL_BODY}$`);

export function formatServiceId(id: ServiceId): string {
  return `${id.namespace}/${id.service}`;
}

/** `ns/svc` → ServiceId; undefined unless it is exactly two DNS labels joined by '/'. */
export function parseServiceId(text: string): ServiceId | undefined {
  if (!SERVICE_ID_RE.test(text)) return undefined;
  const slash = text.indexOf('/');
  return { namespace: text.slice(0, slash), service: text.slice(slash + 1) };
}

export function isServiceId(value: unknown): value is string {
  return typeof value === 'string' && SERVICE_ID_RE.test(value);
}

// ---------------------------------------------------------------------------------------------
// SPIFFE IDs: spiffe://<trust-domain>/ns/<namespace>/svc/<service>

export const DEFAULT_TRUST_DOMAIN = 'plexus.local';

/**
 * A trust domain as the SPIFFE spec allows it (lower-case letters, digits, '.', '-', '_'),
 * at most 255 characters, here also without empty dot-separated parts.
 */
const TRUST_DOMAIN_RE = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

export function isTrustDomain(value: string): boolean {
  return value.length <= 255 && TRUST_DOMAIN_RE.test(value);
}

export interface SpiffeServiceId extends ServiceId {
  trustDomain: string;
}

/** `trustDomain` defaults to the id's own (a SpiffeServiceId), then to DEFAULT_TRUST_DOMAIN. */
export function formatSpiffeId(id: ServiceId & { trustDomain?: string }, trustDomain = id.trustDomain ?? DEFAULT_TRUST_DOMAIN): string {
  return `spiffe://${trustDomain}/ns/${id.namespace}/svc/${id.service}`;
}

const SPIFFE_RE = new RegExp(`^spiffe://(?<trustDomain>[^/]+)/ns/(?<namespace>${DNS_LABEL_BODY})/svc/(?<service>${DNS_LABEL_BODY})$`);

/**
 * Exactly `spiffe://<trust-domain>/ns/<namespace>/svc/<service>`; anything else (other scheme
 * or case, extra or missing segments, query, fragment, percent-encoding, port, user info) is
 * undefined. Compared byte for byte: no normalisation, so one identity has one spelling.
 */
export function parseSpiffeId(uri: string): SpiffeServiceId | undefined {
  if (uri.length > 2048) return undefined;
  const { trustDomain = '', namespace = '', service = '' } = SPIFFE_RE.exec(uri)?.groups ?? {};
  if (!namespace || !service) return undefined;
  if (!isTrustDomain(trustDomain)) return undefined;
  return { trustDomain, namespace, service };
}

/** `ns/svc`, the `sub` claim of a join token (formatServiceId under its identity name). */
export const workloadSubject = formatServiceId;
/** The inverse of workloadSubject; undefined unless exactly two DNS labels. */
export const parseWorkloadSubject = parseServiceId;

/** Control-plane services run as `spiffe://<td>/ns/plexus-system/svc/<service>`. */
export const CONTROL_PLANE_NAMESPACE = 'plexus-system';

// ---------------------------------------------------------------------------------------------
// Store keys: the inverse of lib/store/keys.ts

export type StoreKey =
  | { cluster: string; area: 'instances'; namespace: string; service: string; id: string }
  | { cluster: string; area: 'policies'; kind: string; namespace: string; name: string }
  | { cluster: string; area: 'imports'; peer: string; namespace: string; service: string }
  | { cluster: string; area: 'identity' | 'meta'; path: string[] };

const FIXED_DEPTH = { instances: 3, policies: 3, imports: 3 } as const;

/**
 * What a store key names, with its cluster; undefined for keys outside the layout (wrong
 * root, unknown area, wrong depth, empty segments). Segment contents are not checked here:
 * the store's own key rules (validateKey) apply to every key written.
 */
export function parseStoreKey(key: string): StoreKey | undefined {
  if (!key.startsWith(`${ROOT}/`)) return undefined;
  const [cluster, area, ...rest] = key.slice(ROOT.length + 1).split('/');
  if (!cluster || !area || rest.some((s) => s === '')) return undefined;
  switch (area) {
    case 'instances':
    case 'policies':
    case 'imports': {
      if (rest.length !== FIXED_DEPTH[area]) return undefined;
      const [a = '', b = '', c = ''] = rest;
      if (area === 'instances') return { cluster, area, namespace: a, service: b, id: c };
      if (area === 'policies') return { cluster, area, kind: a, namespace: b, name: c };
      return { cluster, area, peer: a, namespace: b, service: c };
    }
    case 'identity':
    case 'meta':
      return rest.length > 0 ? { cluster, area, path: rest } : undefined;
    default:
      return undefined;
  }
}
