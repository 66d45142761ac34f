// The slice of the Kubernetes object model our manifests use, and the lookups the checks need
// (selectors, named ports, references, quantities). Fields are optional on purpose: the
// manifests are untrusted input to the checks, which report what is missing.

export interface Metadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Metadata;
  spec?: unknown;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  /** Where the object came from (`file#document`); added by the loader. */
  __file: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string };
  grpc?: { port?: number };
  tcpSocket?: { port?: number | string };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }>;
  ports?: Array<{ name?: string; containerPort?: number; protocol?: string }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  /** `Always` on an init container makes it a native sidecar (Kubernetes ≥ 1.29). */
  restartPolicy?: string;
}

export interface Volume {
  name: string;
  configMap?: { name: string; optional?: boolean; items?: Array<{ key: string; path: string }> };
  secret?: { secretName: string; optional?: boolean; items?: Array<{ key: string; path: string }> };
  emptyDir?: Record<string, unknown>;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext & { runAsGroup?: number; fsGroup?: number };
}

export interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: { metadata?: Metadata; spec?: PodSpec };
}

export interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: Array<{ name?: string; port?: number; targetPort?: number | string }>;
}

export interface PdbSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: { matchLabels?: Record<string, string> };
}

export const describe = (o: K8sObject): string => `${o.kind ?? '?'} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name ?? '?'} (${o.__file})`;

export function find(objects: K8sObject[], kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name && o.metadata?.namespace === namespace);
}

/** A selector with no labels selects nothing here (an empty selector is always a mistake in our manifests). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** Every container of a pod, init containers (and native sidecars) included. */
export function allContainers(pod: PodSpec | undefined): Container[] {
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/** Resolves a port given by number or by a container port name, across the pod's containers. */
export function resolvePort(pod: PodSpec | undefined, port: number | string | undefined, container?: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port !== 'string') return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  const pools = container ? [container] : allContainers(pod);
  for (const c of pools) {
    const p = c.ports?.find((x) => x.name === port);
    if (p) return p.containerPort;
  }
  return undefined;
}

const UNITS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/** A memory quantity (`512Mi`, `1G`, `1048576`) in bytes; undefined when unreadable. */
export function memoryBytes(q: string | number | undefined): number | undefined {
  if (typeof q === 'number') return q;
  const m = /^(\d+(?:\.\d+)?)([kMGT]i?|Ki)?$/.exec(q ?? '');
  if (!m) return undefined;
  const unit = UNITS[m[2] ?? ''];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/**
 * What a container runs, by Kubernetes' rules: `command` replaces the image ENTRYPOINT (and
 * drops its CMD); `args` alone replaces only the CMD.
 */
export function effectiveArgv(c: Container, image: { entrypoint: string[]; cmd: string[] }): string[] {
  if (c.command) return [...c.command, ...(c.args ?? [])];
  return [...image.entrypoint, ...(c.args ?? image.cmd)];
}

/** The value of `flag` (`--flag value` or `--flag=value`) in an argv. */
export function flagValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i]!.startsWith(`${flag}=`)) return argv[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** A value of a Secret or ConfigMap key, decoding Secret `data` from base64. */
export function keyValue(obj: K8sObject | undefined, key: string): string | undefined {
  if (!obj) return undefined;
  if (obj.stringData?.[key] !== undefined) return obj.stringData[key];
  const raw = obj.data?.[key];
  if (raw === undefined) return undefined;
  return obj.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}
