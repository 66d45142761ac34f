// What this cluster exports of one service to one peer: its SERVING local instances when a
// ServiceExport for the service names the peer (or names none: every peer), else nothing.
// Instances carry this cluster's east-west gateway when one is configured: importing proxies dial
// the gateway (which routes by authority/SNI to the local service), never the instance's own
// address, which is shown for information (proxy/README.md "Locality and other clusters").
import { isServing } from '../../lib/model/instance.js';
import type { RemoteInstance } from '../../lib/model/import-record.js';
import type { MeshView } from '../../lib/mesh/mesh-view.js';
import { exportsTo, type Policy } from '../../lib/policy/index.js';

export interface ExportTarget {
  cluster: string;
  peer: string;
  gateway?: { address: string; port: number } | undefined;
}

/** Instances to publish (sorted by id), or undefined when the service is not exported to the peer. */
export function exportedInstances(view: MeshView<Policy>, service: string, target: ExportTarget): RemoteInstance[] | undefined {
  const exp = view.policiesFor('ServiceExport', service)[0]?.value;
  if (exp?.kind !== 'ServiceExport' || !exportsTo(exp.spec, target.peer)) return undefined;
  const out: RemoteInstance[] = [];
  for (const r of view.instancesOf(service).values()) {
    if (!isServing(r) || r.cluster !== target.cluster) continue;
    out.push({
      id: r.id,
      address: r.address,
      port: r.port,
      ...(target.gateway ? { gateway: { address: target.gateway.address, port: target.gateway.port } } : {}),
      protocol: r.protocol,
      cluster: target.cluster,
      zone: r.zone,
      weight: Math.min(1000, r.weight),
      labels: { ...r.labels },
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Services with a ServiceExport (the exporter adds those it has published before). */
export function candidateServices(view: MeshView<Policy>): Set<string> {
  const out = new Set<string>();
  for (const p of view.policiesOfKind('ServiceExport')) if (p.target) out.add(p.target);
  return out;
}
