// An xDS client's node (envoy.config.core.v3.Node) as a Plexus node for status and rollouts.
// Namespace, service and labels come from node metadata when the client sets them
// (NAMESPACE / SERVICE / LABELS, Istio's habit, or lower-case), else service = node.cluster.
import { ValidationError } from '../../../lib/errors.js';
import type { NodeInfo } from '../delta-request.js';
import type { XdsNode, XdsValue } from './xds-proto.js';

function str(fields: Record<string, XdsValue> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = fields?.[k]?.stringValue;
    if (v) return v;
  }
  return undefined;
}

export function xdsNodeInfo(node: XdsNode | null, cluster: string): NodeInfo {
  if (!node || !node.id) throw new ValidationError([{ path: 'node.id', message: 'is required on the first request of a stream' }]);
  if (node.id.length > 253) throw new ValidationError([{ path: 'node.id', message: 'must be at most 253 characters' }]);
  const fields = node.metadata?.fields;
  const labels: Record<string, string> = {};
  const lf = (fields?.LABELS ?? fields?.labels)?.structValue?.fields ?? {};
  for (const [k, v] of Object.entries(lf)) if (typeof v.stringValue === "string") labels[k] = v.stringValue;
  return {
    instanceId: node.id,
    namespace: str(fields, 'NAMESPACE', 'namespace') ?? 'default',
    service: str(fields, 'SERVICE', 'service') ?? (node.cluster || 'unknown'),
    cluster: node.locality?.region || cluster,
    zone: node.locality?.zone ?? '',
    labels,
    proxyVersion: [node.user_agent_name, node.user_agent_version].filter(Boolean).join('/') || 'xds',
    capabilities: [],
  };
}
