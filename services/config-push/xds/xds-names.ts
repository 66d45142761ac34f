// How Plexus names map to xDS resource names (README "Envoy xDS and proxyless gRPC" has the table).
//
//   service id `<namespace>/<service>`      → host `<service>.<namespace>`
//   Listener            `<host>` or `<host>:<port>` (gRPC asks for its target's authority, so
//                       `xds:///inventory.default` and `xds:///inventory.default:50051` both work)
//   RouteConfiguration  `<host>`
//   Cluster             `<host>` (every endpoint) or `<host>|<k>=<v>,…` (one subset, labels sorted)
//   ClusterLoadAssignment  the cluster's name
import { formatServiceId, isDnsLabel } from '../../../lib/model/names.js';

export function hostOf(serviceId: string): string {
  const slash = serviceId.indexOf('/');
  return `${serviceId.slice(slash + 1)}.${serviceId.slice(0, slash)}`;
}

/** `<service>.<namespace>` → `<namespace>/<service>`, or undefined when it is not one. */
export function serviceOfHost(host: string): string | undefined {
  const dot = host.indexOf('.');
  if (dot < 0) return undefined;
  const service = host.slice(0, dot);
  const namespace = host.slice(dot + 1);
  if (!isDnsLabel(service) || !isDnsLabel(namespace)) return undefined;
  return formatServiceId({ namespace, service });
}

/** Listener name → service id; the optional `:port` must be a port number. */
export function serviceOfListener(name: string): string | undefined {
  const colon = name.lastIndexOf(':');
  if (colon >= 0) {
    const port = Number(name.slice(colon + 1));
    if (!Number.isInteger(port) || port < 1 || port > 65535 || !/^\d+$/.test(name.slice(colon + 1))) return undefined;
    return serviceOfHost(name.slice(0, colon));
  }
  return serviceOfHost(name);
}

/** Instance labels an endpoint must carry; `{}` = every endpoint. */
export type Subset = Record<string, string>;

export function subsetKey(subset: Subset): string {
  return Object.keys(subset)
    .sort()
    .map((k) => `${k}=${subset[k]}`)
    .join(',');
}

export function clusterName(serviceId: string, subset: Subset): string {
  const key = subsetKey(subset);
  return key === '' ? hostOf(serviceId) : `${hostOf(serviceId)}|${key}`;
}

const LABEL_PAIR = /^[A-Za-z0-9._/-]{1,253}=[A-Za-z0-9._-]{0,63}$/;

/** Cluster (or ClusterLoadAssignment) name → service id and subset, or undefined. */
export function parseClusterName(name: string): { service: string; subset: Subset } | undefined {
  const bar = name.indexOf('|');
  const service = serviceOfHost(bar < 0 ? name : name.slice(0, bar));
  if (!service) return undefined;
  const subset: Subset = {};
  if (bar >= 0) {
    const pairs = name.slice(bar + 1).split(',');
    for (const p of pairs) {
      if (!LABEL_PAIR.test(p)) return undefined;
      const eq = p.indexOf('=');
      subset[p.slice(0, eq)] = p.slice(eq + 1);
    }
    // Only the canonical spelling names a cluster: one name per subset.
    if (clusterName(service, subset) !== name) return undefined;
  }
  return { service, subset };
}
