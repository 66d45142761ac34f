// Validation of discovery requests. Every problem is reported at once with its field path
// (ValidationError → INVALID_ARGUMENT at the edge); a request with any problem changes nothing.
import { ValidationError, type FieldViolation } from '../../lib/errors.js';
import { isResourceName, isResourceType, WILDCARD, type ResourceType } from '../../lib/mesh/resources.js';
import { INSTANCE_ID_MESSAGE, INSTANCE_ID_RE, isDnsLabel } from '../../lib/model/names.js';
import type { DeltaRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/DeltaRequest.js';

const MAX_LABELS = 64;
const MAX_NONCE = 128;
const MAX_VERSION = 64;
const MAX_ERROR_MESSAGE = 4096;
const MAX_CAPABILITIES = 16;
const CAPABILITY_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface NodeInfo {
  instanceId: string;
  namespace: string;
  service: string;
  cluster: string;
  zone: string;
  labels: Record<string, string>;
  proxyVersion: string;
  /** Protocol extensions the proxy understands (unknown ones are kept but unused). */
  capabilities: string[];
}

export interface ParsedRequest {
  node: NodeInfo | undefined;
  type: ResourceType | undefined;
  subscribe: string[];
  unsubscribe: string[];
  initialVersions: Record<string, string> | undefined;
  /** Versions the proxy rejected on an earlier stream (name → version, "" = a removal). */
  rejectedVersions: Record<string, string> | undefined;
  rejectedError: { code: number; message: string } | undefined;
  nonce: string;
  error: { code: number; message: string } | undefined;
}

export interface RequestLimits {
  cluster: string;
  maxNames: number;
}

export function parseDeltaRequest(req: DeltaRequest__Output, first: boolean, limits: RequestLimits): ParsedRequest {
  const v: FieldViolation[] = [];
  let node: NodeInfo | undefined;
  if (first) {
    const n = req.node;
    if (!n) v.push({ path: 'node', message: 'is required on the first request of a stream' });
    else {
      if (!INSTANCE_ID_RE.test(n.instanceId)) v.push({ path: 'node.instance_id', message: INSTANCE_ID_MESSAGE });
      if (!isDnsLabel(n.namespace)) v.push({ path: 'node.namespace', message: 'must be a DNS-1123 label' });
      if (!isDnsLabel(n.service)) v.push({ path: 'node.service', message: 'must be a DNS-1123 label' });
      if (n.cluster !== '' && n.cluster !== limits.cluster) {
        v.push({ path: 'node.cluster', message: `this config-push serves cluster "${limits.cluster}", not "${n.cluster}"` });
      }
      if (n.zone.length > 63) v.push({ path: 'node.zone', message: 'must be at most 63 characters' });
      const labels = Object.entries(n.labels ?? {});
      if (labels.length > MAX_LABELS) v.push({ path: 'node.labels', message: `must have at most ${MAX_LABELS} entries` });
      for (const [k, val] of labels) {
        if (k.length === 0 || k.length > 253 || val.length > 253) v.push({ path: `node.labels["${k.slice(0, 40)}"]`, message: 'key must be 1–253 and value at most 253 characters' });
      }
      if (n.proxyVersion.length > 128) v.push({ path: 'node.proxy_version', message: 'must be at most 128 characters' });
      const caps = n.capabilities ?? [];
      if (caps.length > MAX_CAPABILITIES) v.push({ path: 'node.capabilities', message: `must have at most ${MAX_CAPABILITIES} entries` });
      caps.slice(0, MAX_CAPABILITIES).forEach((c, i) => {
        if (!CAPABILITY_RE.test(c)) v.push({ path: `node.capabilities[${i}]`, message: `must be 1–63 lower-case letters, digits and '-', got ${JSON.stringify(c.slice(0, 40))}` });
      });
      node = {
        instanceId: n.instanceId,
        namespace: n.namespace,
        service: n.service,
        cluster: n.cluster || limits.cluster,
        zone: n.zone,
        labels: { ...n.labels },
        proxyVersion: n.proxyVersion,
        capabilities: caps.slice(0, MAX_CAPABILITIES),
      };
    }
  }

  let type: ResourceType | undefined;
  const hasTypedContent =
    req.subscribe.length > 0 ||
    req.unsubscribe.length > 0 ||
    Object.keys(req.initialVersions ?? {}).length > 0 ||
    Object.keys(req.rejectedVersions ?? {}).length > 0 ||
    req.responseNonce !== '';
  if (req.type === '') {
    if (hasTypedContent) v.push({ path: 'type', message: 'is required with subscribe, unsubscribe, initial_versions or response_nonce' });
  } else if (!isResourceType(req.type)) {
    v.push({ path: 'type', message: `must be one of Service, Endpoints, Inbound (got ${JSON.stringify(req.type.slice(0, 40))})` });
  } else {
    type = req.type;
  }

  const names = (list: string[], field: string): void => {
    if (list.length > limits.maxNames) v.push({ path: field, message: `must have at most ${limits.maxNames} entries` });
    list.slice(0, limits.maxNames).forEach((name, i) => {
      if (name !== WILDCARD && !isResourceName(name)) {
        v.push({ path: `${field}[${i}]`, message: `must be '*' or <namespace>/<service> (DNS labels), got ${JSON.stringify(name.slice(0, 80))}` });
      }
    });
  };
  names(req.subscribe, 'subscribe');
  names(req.unsubscribe, 'unsubscribe');

  const initial = Object.entries(req.initialVersions ?? {});
  if (initial.length > limits.maxNames) v.push({ path: 'initial_versions', message: `must have at most ${limits.maxNames} entries` });
  for (const [name, version] of initial.slice(0, limits.maxNames)) {
    if (!isResourceName(name)) v.push({ path: `initial_versions["${name.slice(0, 80)}"]`, message: 'key must be <namespace>/<service>' });
    else if (version.length === 0 || version.length > MAX_VERSION) v.push({ path: `initial_versions["${name}"]`, message: `version must be 1–${MAX_VERSION} characters` });
  }

  const rejected = Object.entries(req.rejectedVersions ?? {});
  if (rejected.length > limits.maxNames) v.push({ path: 'rejected_versions', message: `must have at most ${limits.maxNames} entries` });
  for (const [name, version] of rejected.slice(0, limits.maxNames)) {
    if (!isResourceName(name)) v.push({ path: `rejected_versions["${name.slice(0, 80)}"]`, message: 'key must be <namespace>/<service>' });
    else if (version.length > MAX_VERSION) v.push({ path: `rejected_versions["${name}"]`, message: `version must be at most ${MAX_VERSION} characters` });
  }
  const rejectedError = rejected.length > 0 && req.rejectedError ? { code: req.rejectedError.code || 2, message: req.rejectedError.message.slice(0, MAX_ERROR_MESSAGE) || '(no message)' } : undefined;

  if (req.responseNonce.length > MAX_NONCE) v.push({ path: 'response_nonce', message: `must be at most ${MAX_NONCE} characters` });
  let error: ParsedRequest['error'];
  if (req.errorDetail) {
    if (req.responseNonce === '') v.push({ path: 'error_detail', message: 'is only allowed together with response_nonce (a NACK)' });
    error = { code: req.errorDetail.code || 2, message: req.errorDetail.message.slice(0, MAX_ERROR_MESSAGE) || '(no message)' };
  }

  if (v.length > 0) throw new ValidationError(v);
  return {
    node,
    type,
    subscribe: req.subscribe,
    unsubscribe: req.unsubscribe,
    initialVersions: initial.length > 0 ? Object.fromEntries(initial) : undefined,
    rejectedVersions: rejected.length > 0 ? Object.fromEntries(rejected) : undefined,
    rejectedError,
    nonce: req.responseNonce,
    error,
  };
}
