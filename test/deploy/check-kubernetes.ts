// Rules for deploy/kubernetes. Each returns human-readable problems; an empty list means the
// manifests are consistent with the code (ports, entry points, config schemas), with each other
// (selectors, references) and with the upstream charts' values (every etcd member and NATS server).
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DEFAULT_PORTS, type ServiceName } from '../../lib/config/service.js';
import { PROXY_DEFAULT_PORTS } from '../../proxy/config/proxy-config.js';
import { deployedScripts, loadShippedConfig, programOf, sourceOf, type Program } from './build-outputs.js';
import { ROOT, KUBE_DIR, type DeployModel } from './deploy-model.js';
import { imageCommand } from './dockerfile.js';
import {
  allContainers, describe, effectiveArgv, find, flagValue, keyValue, memoryBytes, resolvePort, selects,
  type Container, type DeploymentSpec, type K8sObject, type PdbSpec, type PodSpec, type Probe, type ServiceSpec,
} from './k8s-objects.js';

/** The proxy's well-known ports (DESIGN.md, "Conventions users expect"), from its config schema. */
export const PROXY_PORTS = PROXY_DEFAULT_PORTS;
/** lib/lifecycle.ts bounds a graceful shutdown at 15 s; the pod must be given longer. */
const MIN_GRACE_SECONDS = 20;
const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1', ServiceAccount: 'v1', ConfigMap: 'v1', Secret: 'v1', Service: 'v1',
  Deployment: 'apps/v1', PodDisruptionBudget: 'policy/v1', NetworkPolicy: 'networking.k8s.io/v1',
};
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
export const LOOPBACK = /^(127\.|localhost$|::1$)/;

type Problems = string[];

/** The control-plane namespace: the one the top-level kustomization puts everything in. */
export function controlPlaneNamespace(model: DeployModel): string | undefined {
  return model.kustomizations.find((k) => k.dir === KUBE_DIR)?.namespace;
}

export function checkObjects(model: DeployModel): Problems {
  const problems: Problems = [];
  const seen = new Set<string>();
  for (const o of model.objects) {
    if (!o.apiVersion || !o.kind || !o.metadata?.name) {
      problems.push(`${o.__file}: every object needs apiVersion, kind and metadata.name`);
      continue;
    }
    const expected = API_VERSIONS[o.kind];
    if (!expected) problems.push(`${describe(o)}: kind ${o.kind} is not one these checks know; add rules for it`);
    else if (o.apiVersion !== expected) problems.push(`${describe(o)}: apiVersion must be ${expected}, not ${o.apiVersion}`);
    if (CLUSTER_SCOPED.has(o.kind)) {
      if (o.metadata.namespace) problems.push(`${describe(o)}: a ${o.kind} has no namespace`);
    } else if (!o.metadata.namespace) {
      problems.push(`${describe(o)}: namespaced object without metadata.namespace`);
    } else if (!find(model.objects, 'Namespace', undefined, o.metadata.namespace)) {
      problems.push(`${describe(o)}: namespace ${o.metadata.namespace} is not defined by any manifest`);
    }
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(key)) problems.push(`${describe(o)}: defined twice`);
    seen.add(key);
  }
  return problems;
}

export function checkKustomizations(model: DeployModel): Problems {
  const problems: Problems = [];
  if (!model.kustomizations.some((k) => k.dir === KUBE_DIR)) problems.push(`${KUBE_DIR}/kustomization.yaml is missing`);
  for (const k of model.kustomizations) {
    const listed = new Set(k.resources ?? []);
    for (const r of listed) {
      if (!existsSync(join(ROOT, k.dir, r))) problems.push(`${k.dir}/kustomization.yaml lists ${r}, which does not exist`);
    }
    // Every manifest beside the kustomization is applied by it, except *.example.yaml, which a
    // person copies and fills in (secrets).
    for (const file of Object.keys(model.yamlFiles)) {
      const rel = posix.relative(k.dir, file);
      if (rel.includes('/') || rel === 'kustomization.yaml' || rel.endsWith('.example.yaml')) continue;
      if (!listed.has(rel)) problems.push(`${k.dir}/kustomization.yaml does not list ${rel}`);
    }
    if (k.namespace) {
      for (const o of model.objects) {
        const file = o.__file.split('#')[0]!;
        if (!listed.has(posix.relative(k.dir, file)) || CLUSTER_SCOPED.has(o.kind ?? '')) continue;
        if (o.metadata?.namespace !== k.namespace) problems.push(`${describe(o)}: not in the kustomization's namespace ${k.namespace}`);
      }
    }
    for (const img of k.images ?? []) {
      if (img.name === 'plexus' && img.newTag !== undefined && img.newTag !== model.packageJson.version) {
        problems.push(`${k.dir}/kustomization.yaml: image tag ${img.newTag} differs from package.json version ${model.packageJson.version}`);
      }
    }
  }
  return problems;
}

const isPlexusImage = (image: string | undefined): boolean => /^(?:.*\/)?plexus(?::|@|$)/.test(image ?? '');

function checkContainer(model: DeployModel, o: K8sObject, pod: PodSpec, c: Container): Problems {
  const where = `${describe(o)} container ${c.name}`;
  const problems: Problems = [];
  if (!c.image) problems.push(`${where}: no image`);
  if (isPlexusImage(c.image) && c.image !== `plexus:${model.packageJson.version}`) {
    problems.push(`${where}: image ${c.image} must be plexus:${model.packageJson.version} (package.json version; kustomize rewrites the registry)`);
  }
  for (const r of ['cpu', 'memory']) {
    if (c.resources?.requests?.[r] === undefined) problems.push(`${where}: no resources.requests.${r}`);
  }
  const limit = memoryBytes(c.resources?.limits?.memory);
  if (limit === undefined) problems.push(`${where}: no readable resources.limits.memory`);
  const heap = /--max-old-space-size=(\d+)/.exec(c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '');
  if (heap && limit !== undefined && Number(heap[1]) * 1024 ** 2 >= limit) {
    problems.push(`${where}: --max-old-space-size=${heap[1]} (MiB) does not fit under the memory limit`);
  }
  const sc = c.securityContext ?? {};
  const psc = pod.securityContext ?? {};
  if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
  if ((sc.runAsUser ?? psc.runAsUser) === 0) problems.push(`${where}: runs as uid 0`);
  if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
  if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
  if (sc.privileged) problems.push(`${where}: privileged`);
  if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities.drop does not include ALL`);
  if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== 'RuntimeDefault') problems.push(`${where}: seccompProfile is not RuntimeDefault`);
  for (const m of c.volumeMounts ?? []) {
    if (!pod.volumes?.some((v) => v.name === m.name)) problems.push(`${where}: mounts volume ${m.name}, which the pod does not define`);
  }
  for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (p?.httpGet && resolvePort(pod, p.httpGet.port, c) === undefined) {
      problems.push(`${where}: probe port ${String(p.httpGet.port)} is not a port of this container`);
    }
  }
  if (isPlexusImage(c.image)) {
    const argv = effectiveArgv(c, imageCommand(model.dockerfile));
    const scripts = deployedScripts(argv);
    if (scripts.length !== 1) problems.push(`${where}: runs ${JSON.stringify(argv)}, expected exactly one /opt/plexus/dist/... script`);
    for (const s of scripts) {
      const r = sourceOf(s, model.build);
      if ('problem' in r) problems.push(`${where}: ${r.problem}`);
    }
  }
  return problems;
}

/** References from a pod to ConfigMaps, Secrets and its ServiceAccount must resolve. */
function checkPodReferences(model: DeployModel, o: K8sObject, pod: PodSpec): Problems {
  const problems: Problems = [];
  const ns = o.metadata?.namespace;
  const need = (kind: string, name: string, key?: string, optional?: boolean): void => {
    if (optional) return;
    const target = find(model.objects, kind, ns, name);
    if (!target) problems.push(`${describe(o)}: references ${kind} ${ns}/${name}, which no manifest defines`);
    else if (key !== undefined && keyValue(target, key) === undefined) problems.push(`${describe(o)}: ${kind} ${name} has no key ${key}`);
  };
  if (!pod.serviceAccountName) problems.push(`${describe(o)}: no serviceAccountName (the default account is shared)`);
  else need('ServiceAccount', pod.serviceAccountName);
  for (const v of pod.volumes ?? []) {
    if (v.configMap) {
      need('ConfigMap', v.configMap.name, undefined, v.configMap.optional);
      for (const it of v.configMap.items ?? []) need('ConfigMap', v.configMap.name, it.key, v.configMap.optional);
    }
    if (v.secret) {
      need('Secret', v.secret.secretName, undefined, v.secret.optional);
      for (const it of v.secret.items ?? []) need('Secret', v.secret.secretName, it.key, v.secret.optional);
    }
  }
  for (const c of allContainers(pod)) {
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm) need('ConfigMap', cm.name, cm.key, cm.optional);
      const s = e.valueFrom?.secretKeyRef;
      if (s) need('Secret', s.name, s.key, s.optional);
    }
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef) need('ConfigMap', ef.configMapRef.name, undefined, ef.configMapRef.optional);
      if (ef.secretRef) need('Secret', ef.secretRef.name, undefined, ef.secretRef.optional);
    }
  }
  return problems;
}

export function checkWorkloads(model: DeployModel): Problems {
  const problems: Problems = [];
  for (const o of model.objects.filter((x) => x.kind === 'Deployment')) {
    const spec = (o.spec ?? {}) as DeploymentSpec;
    const pod = spec.template?.spec ?? {};
    const podLabels = spec.template?.metadata?.labels;
    if (!selects(spec.selector?.matchLabels, podLabels)) problems.push(`${describe(o)}: spec.selector.matchLabels does not match the pod template's labels`);
    if (!Number.isInteger(spec.replicas) || (spec.replicas ?? 0) < 1) problems.push(`${describe(o)}: replicas must be a positive integer`);
    if (allContainers(pod).length === 0) problems.push(`${describe(o)}: no containers`);
    for (const c of pod.initContainers ?? []) {
      // A long-running init container without restartPolicy: Always would block the pod forever.
      if (c.ports?.length && c.restartPolicy !== 'Always') problems.push(`${describe(o)} init container ${c.name}: serves ports but is not a native sidecar (restartPolicy: Always)`);
    }
    for (const c of allContainers(pod)) problems.push(...checkContainer(model, o, pod, c));
    problems.push(...checkPodReferences(model, o, pod));
    if (pod.automountServiceAccountToken !== false) problems.push(`${describe(o)}: automountServiceAccountToken is not false (nothing here calls the Kubernetes API)`);
    if ((spec.replicas ?? 0) > 1) {
      const pdbs = model.objects.filter(
        (p) => p.kind === 'PodDisruptionBudget' && p.metadata?.namespace === o.metadata?.namespace && selects((p.spec as PdbSpec | undefined)?.selector?.matchLabels, podLabels),
      );
      if (pdbs.length !== 1) problems.push(`${describe(o)}: expected one PodDisruptionBudget selecting its pods, found ${pdbs.length}`);
      for (const p of pdbs) {
        const s = p.spec as PdbSpec;
        const allowsOne = typeof s.minAvailable === 'number' ? s.minAvailable < (spec.replicas ?? 0) : typeof s.maxUnavailable === 'number' && s.maxUnavailable >= 1;
        if (!allowsOne) problems.push(`${describe(p)}: must allow one of ${spec.replicas} pods to be evicted (integer minAvailable < replicas or maxUnavailable ≥ 1), or node drains hang`);
      }
    }
  }
  for (const s of model.objects.filter((x) => x.kind === 'Service')) {
    const spec = (s.spec ?? {}) as ServiceSpec;
    const targets = model.objects.filter(
      (d) => d.kind === 'Deployment' && d.metadata?.namespace === s.metadata?.namespace && selects(spec.selector, (d.spec as DeploymentSpec).template?.metadata?.labels),
    );
    if (targets.length !== 1) {
      problems.push(`${describe(s)}: selector must match exactly one Deployment's pods, matches ${targets.length}`);
      continue;
    }
    const pod = (targets[0]!.spec as DeploymentSpec).template?.spec;
    for (const p of spec.ports ?? []) {
      if (resolvePort(pod, p.targetPort ?? p.port) === undefined) problems.push(`${describe(s)}: port ${p.name ?? p.port} targets ${String(p.targetPort)}, which no container declares`);
    }
  }
  return problems;
}

/** The pod-level environment a container sees, with downward-API and reference values filled in. */
export function containerEnv(model: DeployModel, o: K8sObject, c: Container): Record<string, string> {
  const ns = o.metadata?.namespace ?? 'default';
  const fields: Record<string, string> = {
    'metadata.name': `${o.metadata?.name ?? 'pod'}-5d8f7c9b6-x2x4q`,
    'metadata.namespace': ns,
    'status.podIP': '10.244.1.17',
    'spec.nodeName': 'node-1',
    'spec.serviceAccountName': ((o.spec as DeploymentSpec).template?.spec?.serviceAccountName) ?? 'default',
  };
  const env: Record<string, string> = {};
  for (const ef of c.envFrom ?? []) {
    const src = ef.configMapRef ? find(model.objects, 'ConfigMap', ns, ef.configMapRef.name) : ef.secretRef ? find(model.objects, 'Secret', ns, ef.secretRef.name) : undefined;
    for (const key of Object.keys({ ...src?.data, ...src?.stringData })) env[key] = keyValue(src, key)!;
  }
  for (const e of c.env ?? []) {
    const f = e.valueFrom;
    const value =
      e.value ??
      (f?.fieldRef ? fields[f.fieldRef.fieldPath] : undefined) ??
      (f?.configMapKeyRef ? keyValue(find(model.objects, 'ConfigMap', ns, f.configMapKeyRef.name), f.configMapKeyRef.key) : undefined) ??
      (f?.secretKeyRef ? keyValue(find(model.objects, 'Secret', ns, f.secretKeyRef.name), f.secretKeyRef.key) : undefined);
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

/** The text of the file a container's `--config` points at, read through its volume mounts. */
function mountedFile(model: DeployModel, o: K8sObject, pod: PodSpec, c: Container, path: string): { text: string } | { problem: string } {
  for (const m of c.volumeMounts ?? []) {
    const vol = pod.volumes?.find((v) => v.name === m.name);
    let key: string | undefined;
    if (m.subPath !== undefined) key = m.mountPath === path ? m.subPath : undefined;
    else if (path.startsWith(`${m.mountPath}/`)) key = path.slice(m.mountPath.length + 1);
    if (key === undefined || !vol) continue;
    const items = vol.configMap?.items ?? vol.secret?.items;
    if (items) key = items.find((it) => it.path === key)?.key;
    const source = vol.configMap
      ? find(model.objects, 'ConfigMap', o.metadata?.namespace, vol.configMap.name)
      : vol.secret
        ? find(model.objects, 'Secret', o.metadata?.namespace, vol.secret.secretName)
        : undefined;
    const text = key === undefined ? undefined : keyValue(source, key);
    if (text === undefined) return { problem: `--config ${path} is mounted from volume ${m.name}, which has no such key` };
    return { text };
  }
  return { problem: `--config ${path} is not inside any ConfigMap or Secret volume mount` };
}

export function probeOn(p: Probe | undefined, pod: PodSpec, c: Container, path: string, port: number): boolean {
  return p?.httpGet?.path === path && resolvePort(pod, p.httpGet.port, c) === port;
}

/** Finds the Plexus container running `program`, anywhere in the manifests. */
export function containersRunning(model: DeployModel, program: Program): Array<{ o: K8sObject; pod: PodSpec; c: Container }> {
  const out: Array<{ o: K8sObject; pod: PodSpec; c: Container }> = [];
  for (const o of model.objects.filter((x) => x.kind === 'Deployment')) {
    const pod = (o.spec as DeploymentSpec).template?.spec ?? {};
    for (const c of allContainers(pod)) {
      if (!isPlexusImage(c.image)) continue;
      for (const s of deployedScripts(effectiveArgv(c, imageCommand(model.dockerfile)))) {
        const r = sourceOf(s, model.build);
        if ('source' in r && programOf(r.source) === program) out.push({ o, pod, c });
      }
    }
  }
  return out;
}

/** Loads the config a container starts with (its --config file and env) through the program's schema. */
export async function containerConfig(model: DeployModel, program: Program, o: K8sObject, pod: PodSpec, c: Container) {
  const argv = effectiveArgv(c, imageCommand(model.dockerfile));
  const configPath = flagValue(argv, '--config');
  let text: string | undefined;
  if (configPath !== undefined) {
    const r = mountedFile(model, o, pod, c, configPath);
    if ('problem' in r) return { problems: [r.problem] };
    text = r.text;
  }
  return loadShippedConfig(program, text, containerEnv(model, o, c));
}

interface ListenConfig {
  grpc?: { host?: string; port?: number };
  admin?: { host?: string; port?: number };
  store?: { backend?: string; endpoints?: string[] };
  bus?: { kind?: string; servers?: string[] };
}

/**
 * The etcd and NATS member URLs the upstream charts serve with deps/*-values.yaml: both run as
 * 3-member (or larger, odd) clusters, and the control plane lists every member by its per-pod
 * name so its clients fail over without a load balancer in between.
 */
export function dependencyAddresses(model: DeployModel, ns: string): { etcd: string[]; nats: string[] } | { problem: string } {
  const etcd = model.helmValues['etcd-values.yaml'] as { fullnameOverride?: string; replicaCount?: number; auth?: { rbac?: { create?: boolean } } } | undefined;
  const nats = model.helmValues['nats-values.yaml'] as
    | { fullnameOverride?: string; config?: { nats?: { port?: number }; cluster?: { enabled?: boolean; replicas?: number } } }
    | undefined;
  if (!etcd?.fullnameOverride || !etcd.replicaCount) return { problem: 'deps/etcd-values.yaml must set fullnameOverride and replicaCount (the control plane addresses members by name)' };
  if (etcd.replicaCount < 3 || etcd.replicaCount % 2 === 0) return { problem: `deps/etcd-values.yaml replicaCount ${etcd.replicaCount}: a production store is an odd cluster of at least 3 members (one may be lost)` };
  if (etcd.auth?.rbac?.create !== false) return { problem: 'deps/etcd-values.yaml must set auth.rbac.create: false: store.endpoints carries no etcd credentials' };
  if (!nats?.fullnameOverride) return { problem: 'deps/nats-values.yaml must set fullnameOverride (the control plane addresses NATS servers by name)' };
  const natsCluster = nats.config?.cluster;
  if (natsCluster?.enabled !== true || (natsCluster.replicas ?? 0) < 3) return { problem: 'deps/nats-values.yaml must enable config.cluster with at least 3 replicas (one server may be lost)' };
  const full = etcd.fullnameOverride;
  const natsFull = nats.fullnameOverride;
  return {
    etcd: Array.from({ length: etcd.replicaCount }, (_, i) => `http://${full}-${i}.${full}-headless.${ns}.svc.cluster.local:2379`),
    nats: Array.from({ length: natsCluster.replicas! }, (_, i) => `nats://${natsFull}-${i}.${natsFull}-headless.${ns}.svc.cluster.local:${nats.config?.nats?.port ?? 4222}`),
  };
}

export async function checkControlPlane(model: DeployModel): Promise<Problems> {
  const problems: Problems = [];
  const ns = controlPlaneNamespace(model);
  if (!ns) return [`${KUBE_DIR}/kustomization.yaml must set the control-plane namespace`];
  const deps = dependencyAddresses(model, ns);
  if ('problem' in deps) problems.push(deps.problem);
  for (const svc of Object.keys(DEFAULT_PORTS) as ServiceName[]) {
    const ports = DEFAULT_PORTS[svc];
    const runs = containersRunning(model, svc);
    if (runs.length !== 1) {
      problems.push(`${svc}: expected one container running ${svc} in ${KUBE_DIR}, found ${runs.length}`);
      continue;
    }
    const { o, pod, c } = runs[0]!;
    const where = `${describe(o)} container ${c.name}`;
    const spec = o.spec as DeploymentSpec;
    if (o.metadata?.namespace !== ns) problems.push(`${where}: not in the control-plane namespace ${ns}`);
    if (spec.replicas !== 2) problems.push(`${where}: replicas must be 2, is ${spec.replicas}`);
    if ((pod.terminationGracePeriodSeconds ?? 30) < MIN_GRACE_SECONDS) problems.push(`${where}: terminationGracePeriodSeconds below ${MIN_GRACE_SECONDS}`);
    const declared = (name: string) => c.ports?.find((p) => p.name === name)?.containerPort;
    if (declared('grpc') !== ports.grpc) problems.push(`${where}: container port "grpc" must be ${ports.grpc}`);
    if (declared('admin') !== ports.admin) problems.push(`${where}: container port "admin" must be ${ports.admin}`);
    if (!probeOn(c.livenessProbe, pod, c, '/healthz', ports.admin)) problems.push(`${where}: livenessProbe must GET /healthz on the admin port ${ports.admin}`);
    if (!probeOn(c.readinessProbe, pod, c, '/readyz', ports.admin)) problems.push(`${where}: readinessProbe must GET /readyz on the admin port ${ports.admin}`);

    const loaded = await containerConfig(model, svc, o, pod, c);
    if ('problems' in loaded) {
      problems.push(...loaded.problems.map((p) => `${where}: config rejected by ${svc}'s schema: ${p}`));
    } else {
      const cfg = loaded.config as ListenConfig;
      if (cfg.grpc?.port !== ports.grpc) problems.push(`${where}: config grpc.port ${cfg.grpc?.port} ≠ ${ports.grpc}`);
      if (cfg.admin?.port !== ports.admin) problems.push(`${where}: config admin.port ${cfg.admin?.port} ≠ ${ports.admin}`);
      for (const l of ['grpc', 'admin'] as const) {
        if (LOOPBACK.test(cfg[l]?.host ?? '')) problems.push(`${where}: config ${l}.host ${cfg[l]?.host} is loopback: the kubelet and other pods cannot reach it`);
      }
      // DESIGN.md "Trust": every control-plane API over TLS (identity uses its own CA's certificate).
      const sec = loaded.config as { tls?: unknown; insecure?: boolean };
      if (sec.insecure === true) problems.push(`${where}: config sets insecure: true (plaintext, no workload authentication)`);
      if (svc !== 'identity' && sec.tls === undefined) problems.push(`${where}: config has no tls section (certFile, keyFile, caFile): the service refuses to start`);
      // Two replicas on the memory store or bus would each have their own, disjoint state.
      if (cfg.store?.backend === 'memory') problems.push(`${where}: store.backend memory cannot be shared by replicas`);
      if (cfg.bus?.kind === 'memory') problems.push(`${where}: bus.kind memory cannot be shared by replicas`);
      if (!('problem' in deps)) {
        if (cfg.store?.backend === 'etcd' && JSON.stringify(cfg.store.endpoints) !== JSON.stringify(deps.etcd)) {
          problems.push(`${where}: store.endpoints ${JSON.stringify(cfg.store.endpoints)} ≠ the members deps/etcd-values.yaml creates ${JSON.stringify(deps.etcd)}`);
        }
        if (cfg.bus?.kind === 'nats' && JSON.stringify(cfg.bus.servers) !== JSON.stringify(deps.nats)) {
          problems.push(`${where}: bus.servers ${JSON.stringify(cfg.bus.servers)} ≠ the servers deps/nats-values.yaml creates ${JSON.stringify(deps.nats)}`);
        }
      }
    }

    const services = model.objects.filter(
      (s) => s.kind === 'Service' && s.metadata?.namespace === ns && selects((s.spec as ServiceSpec).selector, spec.template?.metadata?.labels),
    );
    if (services.length !== 1) problems.push(`${where}: expected one Service selecting its pods, found ${services.length}`);
    for (const s of services) {
      const sp = s.spec as ServiceSpec;
      const p = sp.ports?.find((x) => x.name === 'grpc');
      if (!p || p.port !== ports.grpc || resolvePort(pod, p.targetPort ?? p.port, c) !== ports.grpc) {
        problems.push(`${describe(s)}: port "grpc" must be ${ports.grpc} and target container port ${ports.grpc}`);
      }
      // The admin port (metrics, health) stays on the pod (DESIGN.md "Trust").
      if (sp.ports?.some((x) => x.name === 'admin' || x.port === ports.admin)) problems.push(`${describe(s)}: must not expose the admin port ${ports.admin}`);
    }
  }
  return problems;
}
