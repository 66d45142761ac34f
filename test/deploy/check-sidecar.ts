// Rules for the sidecar example under deploy/kubernetes/examples: the proxy container serves
// its well-known ports with probes on the admin port, its config (env) passes the proxy's own
// schema, joins the control plane's cluster and names control-plane Services that exist, and the
// app's Service sends traffic to the proxy's inbound listener, never straight to the app.
import { DEFAULT_PORTS, type ServiceName } from '../../lib/config/service.js';
import { KUBE_DIR, type DeployModel } from './deploy-model.js';
import { LOOPBACK, PROXY_PORTS, containerConfig, containersRunning, probeOn } from './check-kubernetes.js';
import { allContainers, describe, find, resolvePort, selects, type DeploymentSpec, type ServiceSpec } from './k8s-objects.js';

interface ProxyListenConfig {
  cluster?: string;
  advertiseAddress?: string;
  admin?: { host?: string; port?: number };
  inbound?: { host?: string; port?: number };
  outbound?: { host?: string; port?: number };
  controlPlane?: { registry?: string[]; configPush?: string[] };
}

/**
 * Whether `address` is the cluster DNS name and port of a Service that fronts the Deployment
 * running `service` on that service's gRPC port.
 */
function serviceAddressFor(model: DeployModel, address: string, service: ServiceName): boolean {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)$/.exec(address);
  if (!m || Number(m[3]) !== DEFAULT_PORTS[service].grpc) return false;
  const svc = find(model.objects, 'Service', m[2], m[1]!);
  const spec = svc?.spec as ServiceSpec | undefined;
  const p = spec?.ports?.find((x) => x.port === Number(m[3]));
  if (!p) return false;
  return containersRunning(model, service).some(
    ({ o, pod, c }) =>
      o.metadata?.namespace === m[2] && selects(spec?.selector, (o.spec as DeploymentSpec).template?.metadata?.labels) && resolvePort(pod, p.targetPort ?? p.port, c) === DEFAULT_PORTS[service].grpc,
  );
}

/** The `cluster` the control plane runs as (from the registry's config). */
async function controlPlaneClusterName(model: DeployModel): Promise<string | undefined> {
  const run = containersRunning(model, 'registry')[0];
  if (!run) return undefined;
  const loaded = await containerConfig(model, 'registry', run.o, run.pod, run.c);
  return 'config' in loaded ? (loaded.config.cluster as string) : undefined;
}

export async function checkSidecarExample(model: DeployModel): Promise<string[]> {
  const problems: string[] = [];
  const controlPlaneCluster = await controlPlaneClusterName(model);
  const runs = containersRunning(model, 'proxy');
  if (runs.length === 0) return [`${KUBE_DIR}: no sidecar example (a Deployment with a container running the proxy)`];
  for (const { o, pod, c } of runs) {
    const where = `${describe(o)} container ${c.name}`;
    const declared = new Set((c.ports ?? []).map((p) => p.containerPort));
    for (const [name, port] of Object.entries(PROXY_PORTS)) {
      if (!declared.has(port)) problems.push(`${where}: does not declare the proxy's ${name} port ${port}`);
    }
    if (!probeOn(c.livenessProbe, pod, c, '/healthz', PROXY_PORTS.admin)) problems.push(`${where}: livenessProbe must GET /healthz on ${PROXY_PORTS.admin}`);
    if (!probeOn(c.readinessProbe, pod, c, '/readyz', PROXY_PORTS.admin)) problems.push(`${where}: readinessProbe must GET /readyz on ${PROXY_PORTS.admin}`);
    if (allContainers(pod).length < 2) problems.push(`${where}: no application container beside the proxy`);

    const loaded = await containerConfig(model, 'proxy', o, pod, c);
    if ('problems' in loaded) {
      problems.push(...loaded.problems.map((p) => `${where}: config rejected by the proxy's schema: ${p}`));
    } else {
      const cfg = loaded.config as ProxyListenConfig;
      for (const [name, port] of Object.entries(PROXY_PORTS) as Array<[keyof typeof PROXY_PORTS, number]>) {
        if (cfg[name]?.port !== port) problems.push(`${where}: config ${name}.port ${cfg[name]?.port} ≠ ${port}`);
      }
      // The kubelet probes admin, and other pods connect to inbound, on the pod IP.
      for (const l of ['admin', 'inbound'] as const) {
        if (LOOPBACK.test(cfg[l]?.host ?? '')) problems.push(`${where}: config ${l}.host ${cfg[l]?.host} is loopback: unreachable from outside the pod`);
      }
      if (LOOPBACK.test(cfg.advertiseAddress ?? '')) problems.push(`${where}: config advertiseAddress ${cfg.advertiseAddress} is loopback: other proxies cannot reach it`);
      if (cfg.cluster !== controlPlaneCluster) problems.push(`${where}: config cluster ${cfg.cluster} ≠ the control plane's cluster ${controlPlaneCluster}`);
      for (const [field, target] of [['registry', 'registry'], ['configPush', 'config-push']] as const) {
        const addresses = cfg.controlPlane?.[field] ?? [];
        if (addresses.length === 0) problems.push(`${where}: config controlPlane.${field} is empty`);
        for (const a of addresses) {
          if (!serviceAddressFor(model, a, target)) {
            problems.push(`${where}: controlPlane.${field} ${a} is not <service>.<namespace>.svc[.cluster.local]:<port> of a Service exposing ${target}'s gRPC port ${DEFAULT_PORTS[target].grpc}`);
          }
        }
      }
    }

    // Mesh traffic for the app enters through the proxy's inbound listener.
    const appServices = model.objects.filter(
      (s) => s.kind === 'Service' && s.metadata?.namespace === o.metadata?.namespace && selects((s.spec as ServiceSpec).selector, (o.spec as DeploymentSpec).template?.metadata?.labels),
    );
    if (appServices.length === 0) problems.push(`${where}: no Service selects the app's pods`);
    for (const s of appServices) {
      for (const p of (s.spec as ServiceSpec).ports ?? []) {
        if (resolvePort(pod, p.targetPort ?? p.port) !== PROXY_PORTS.inbound) problems.push(`${describe(s)}: port ${p.name ?? p.port} must target the proxy's inbound port ${PROXY_PORTS.inbound}`);
      }
    }
  }
  return problems;
}
