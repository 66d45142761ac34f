// Rollout tracking: "did my change take effect?" for one change (a policy revision or an
// instance change), over the proxies connected to this replica.
//
// A proxy has the change for a resource when the version it acknowledged was the cache's current
// version at some point after the cache had computed the view gen that contains the change
// (ResourceCache.lastCurrentGen ≥ that gen). So a change that leaves a resource's content as it
// was counts as taken at once by proxies already holding it, and a proxy that skipped straight to
// a later version counts too. A proxy that rejected (NACK) a version containing the change is
// reported with its error; the rollout ends when none is pending (or the deadline passes).
import type { Logger } from 'pino';
import { NotFoundError, ValidationError, type FieldViolation } from '../../lib/errors.js';
import type { MeshView } from '../../lib/mesh/mesh-view.js';
import type { ResourceCache } from '../../lib/mesh/resource-cache.js';
import { ABSENT } from './delta-session.js';
import type { ResourceType } from '../../lib/mesh/resources.js';
import { isProxied, isServing } from '../../lib/model/instance.js';
import { INSTANCE_ID_MESSAGE, INSTANCE_ID_RE, isDnsLabel } from '../../lib/model/names.js';
import { policyKindList, policyKindSpec, type Policy } from '../../lib/policy/index.js';
import type { RolloutProgress } from '../../lib/proto/gen/plexus/discovery/v1/RolloutProgress.js';
import type { ProxyNack } from '../../lib/proto/gen/plexus/discovery/v1/ProxyNack.js';
import type { WaitForRolloutRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/WaitForRolloutRequest.js';
import { instanceKey, policyKey } from '../../lib/store/keys.js';
import type { Store } from '../../lib/store/store.js';
import type { DeltaServer } from './delta-server.js';
import type { ConnectedProxy } from './delta-stream.js';

const MAX_TIMEOUT_MS = 600_000;
const MAX_PENDING_LISTED = 100;
/** Evaluate at most this often (acks from thousands of proxies arrive in bursts). */
const EVALUATE_EVERY_MS = 20;
/** If the view has not seen the change by then, re-list (its notification may be lost). */
const RELIST_AFTER_MS = 500;

export interface RolloutTarget {
  key: string;
  /** 'all' = every Service and Inbound (a Mesh policy). */
  resources: Array<{ type: ResourceType; name: string }> | 'all';
  label: string;
}

export interface RolloutDeps {
  store: Store;
  view: MeshView<Policy>;
  cache: ResourceCache<Policy>;
  server: DeltaServer;
  cluster: string;
  replica: string;
  defaultTimeoutMs: number;
  /** Ask the view to re-list from the store. */
  relist: () => void;
  logger: Logger;
}

/** Validate the request and name the store key and resources it is about. */
export function rolloutTarget(req: WaitForRolloutRequest__Output, cluster: string): RolloutTarget {
  const v: FieldViolation[] = [];
  let target: RolloutTarget | undefined;
  if (req.target === 'policy' && req.policy) {
    const { kind, namespace, name } = req.policy;
    const spec = policyKindSpec(kind);
    if (!spec) v.push({ path: 'policy.kind', message: `must be one of ${policyKindList()}` });
    if (!isDnsLabel(namespace)) v.push({ path: 'policy.namespace', message: 'must be a DNS-1123 label' });
    if (!isDnsLabel(name)) v.push({ path: 'policy.name', message: 'must be a DNS-1123 label' });
    if (spec && v.length === 0) {
      const svc = `${namespace}/${name}`;
      const resources = spec.target === 'mesh' ? ('all' as const) : spec.feeds.map((type) => ({ type, name: svc }));
      target = { key: policyKey(cluster, kind, namespace, name), resources, label: `${kind}/${namespace}/${name}` };
    }
  } else if (req.target === 'instance' && req.instance) {
    const { namespace, service, instanceId } = req.instance;
    if (!isDnsLabel(namespace)) v.push({ path: 'instance.namespace', message: 'must be a DNS-1123 label' });
    if (!isDnsLabel(service)) v.push({ path: 'instance.service', message: 'must be a DNS-1123 label' });
    if (!INSTANCE_ID_RE.test(instanceId)) v.push({ path: 'instance.instance_id', message: INSTANCE_ID_MESSAGE });
    if (v.length === 0) {
      target = {
        key: instanceKey(cluster, namespace, service, instanceId),
        resources: [{ type: 'Endpoints', name: `${namespace}/${service}` }],
        label: `instance ${namespace}/${service}/${instanceId}`,
      };
    }
  } else {
    v.push({ path: 'target', message: 'set policy or instance' });
  }
  if (!Number.isSafeInteger(req.revision) || req.revision < 0) v.push({ path: 'revision', message: 'must be a non-negative integer' });
  if (req.timeoutMs < 0 || req.timeoutMs > MAX_TIMEOUT_MS) v.push({ path: 'timeout_ms', message: `must be between 0 and ${MAX_TIMEOUT_MS}` });
  if (v.length > 0 || !target) throw new ValidationError(v);
  return target;
}

type Verdict = { kind: 'acked' } | { kind: 'pending' } | { kind: 'nacked'; nack: ProxyNack };

/**
 * Follow one rollout, calling `emit` whenever its progress changes and once more with `done`.
 * Resolves after the final message; `signal` stops it early (the caller went away).
 */
export async function trackRollout(
  deps: RolloutDeps,
  req: WaitForRolloutRequest__Output,
  emit: (p: RolloutProgress, acked: readonly string[]) => void,
  signal: AbortSignal,
): Promise<void> {
  const target = rolloutTarget(req, deps.cluster);
  let revision = req.revision;
  if (revision === 0) {
    const kv = await deps.store.get(target.key);
    if (!kv) throw new NotFoundError(`${target.label} does not exist; to follow its deletion, pass the revision the deletion returned`);
    revision = kv.revision;
  }
  const timeoutMs = req.timeoutMs || deps.defaultTimeoutMs;
  const started = performance.now();
  const labels = target.resources === 'all' ? ['Service *', 'Inbound *'] : target.resources.map((r) => `${r.type} ${r.name}`);

  return new Promise<void>((resolve) => {
    let last = '';
    let timer: NodeJS.Timeout | undefined;
    let relisted = false;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(ticker);
      clearTimeout(deadline);
      stopActivity();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const evaluate = (final: 'deadline' | undefined): void => {
      timer = undefined;
      if (finished) return;
      const elapsed = Math.round(performance.now() - started);
      const acked: string[] = [];
      const progress = computeProgress(deps, target, revision, labels, elapsed, acked);
      if (!progress.viewReady && !relisted && elapsed >= RELIST_AFTER_MS) {
        relisted = true;
        deps.relist();
      }
      if (!progress.done && final === 'deadline') {
        progress.done = true;
        progress.outcome = 'DEADLINE_EXCEEDED';
      }
      const fingerprint = JSON.stringify({ ...progress, elapsedMs: 0 });
      if (fingerprint !== last || progress.done) {
        last = fingerprint;
        emit(progress, acked);
      }
      if (progress.done) finish();
    };
    const schedule = (): void => {
      if (!timer && !finished) timer = setTimeout(() => evaluate(undefined), EVALUATE_EVERY_MS);
    };
    const stopActivity = deps.server.onActivity(schedule);
    // Also re-evaluate periodically: the view reaching the change is not a server activity.
    const ticker = setInterval(schedule, 100);
    const deadline = setTimeout(() => evaluate('deadline'), timeoutMs);
    signal.addEventListener('abort', finish);
    evaluate(undefined);
  });
}

/** `ackedOut` receives the instance ids of the proxies that hold the change (for tracing). */
function computeProgress(deps: RolloutDeps, target: RolloutTarget, revision: number, labels: string[], elapsedMs: number, ackedOut: string[]): RolloutProgress {
  const base: RolloutProgress = {
    replica: deps.replica,
    revision,
    viewReady: false,
    resources: labels,
    affected: 0,
    acked: 0,
    nacks: [],
    pending: [],
    pendingCount: 0,
    done: false,
    outcome: 'IN_PROGRESS',
    elapsedMs,
    notConnected: [],
    registered: 0,
  };
  const gen = deps.view.reflects(target.key, revision);
  if (gen === undefined || deps.cache.computedGen < gen) return base;
  base.viewReady = true;
  const pending: string[] = [];
  const nacks: ProxyNack[] = [];
  let affected = 0;
  let acked = 0;
  // Only streams of verified workloads count: an ACK or NACK is a proxy's word about its config.
  // xDS streams are admitted only by their authorization rule (a workload certificate, or the
  // loopback-only plaintext listener), so every identified xDS stream counts.
  for (const stream of deps.server.connected()) {
    if (!stream.caller && stream.kind !== 'xds' && !deps.server.insecure) continue;
    const resources = affectedOf(stream, target, deps.cache);
    if (resources.length === 0) continue;
    affected++;
    let state: Verdict = { kind: 'acked' };
    for (const r of resources) {
      const v = verdict(stream, r.type, r.name, gen, deps.cache);
      if (v.kind === 'nacked') {
        state = v;
        break;
      }
      if (v.kind === 'pending') state = v;
    }
    if (state.kind === 'acked') {
      acked++;
      ackedOut.push(stream.node!.instanceId);
    }
    else if (state.kind === 'nacked') nacks.push(state.nack);
    else pending.push(stream.node!.instanceId);
  }
  pending.sort();
  const absent = expectedAbsent(deps, target);
  base.notConnected = absent.notConnected;
  base.registered = absent.registered;
  base.affected = affected;
  base.acked = acked;
  base.nacks = nacks;
  base.pending = pending.slice(0, MAX_PENDING_LISTED);
  base.pendingCount = pending.length;
  if (pending.length === 0) {
    base.done = true;
    base.outcome = nacks.length === 0 ? 'COMPLETE' : 'NACKED';
  }
  return base;
}

/**
 * Registered (serving) proxies that should hold the target's resources but have no stream on
 * this replica, and how many serving instances the target's services have. Should hold:
 * an Inbound is held by every instance of its service; a Mesh policy reaches every proxy;
 * Service/Endpoints are held by the proxies this replica saw subscribed before their stream
 * ended (a proxy never seen cannot be known to consume a service).
 */
function expectedAbsent(deps: RolloutDeps, target: RolloutTarget): { notConnected: string[]; registered: number } {
  const server = deps.server;
  const out = new Set<string>();
  let registered = 0;
  const serving = (service: string): string[] => {
    const ids: string[] = [];
    for (const [id, rec] of deps.view.instancesOf(service)) if (isServing(rec) && isProxied(rec)) ids.push(id);
    return ids;
  };
  const registeredId = (ns: string, svc: string, id: string): boolean => {
    const rec = deps.view.instancesOf(`${ns}/${svc}`).get(id);
    return rec !== undefined && isServing(rec) && isProxied(rec);
  };
  const connectedHere = (id: string): boolean => {
    const s = server.streamOf(id);
    return s !== undefined && !s.isClosed;
  };
  if (target.resources === 'all') {
    for (const svc of deps.view.knownServices()) {
      for (const id of serving(svc)) {
        registered++;
        if (!connectedHere(id)) out.add(id);
      }
    }
  } else {
    for (const r of target.resources) {
      const ids = serving(r.name);
      registered = Math.max(registered, ids.length);
      if (r.type === 'Inbound') for (const id of ids) if (!connectedHere(id)) out.add(id);
    }
    for (const d of server.departed()) {
      if (connectedHere(d.instanceId) || !registeredId(d.namespace, d.service, d.instanceId)) continue;
      const holds = target.resources.some((r) => {
        const sub = d.subscriptions.get(r.type);
        return sub !== undefined && (sub.wildcard || sub.names.has(r.name));
      });
      if (holds) out.add(d.instanceId);
    }
  }
  return { notConnected: [...out].sort(), registered };
}

/** The target's resources this proxy subscribes to (or holds). */
function affectedOf(stream: ConnectedProxy, target: RolloutTarget, cache: ResourceCache<Policy>): Array<{ type: ResourceType; name: string }> {
  const out: Array<{ type: ResourceType; name: string }> = [];
  if (target.resources === 'all') {
    for (const type of ['Service', 'Inbound'] as const) {
      const st = stream.session.state(type);
      const names = new Set<string>(st.acked.keys());
      for (const n of st.names) if (cache.get(type, n)) names.add(n);
      if (st.wildcard) for (const n of cache.names(type)) names.add(n);
      for (const name of names) out.push({ type, name });
    }
    return out;
  }
  for (const r of target.resources) {
    const st = stream.session.state(r.type);
    if (st.subscribed(r.name) || st.acked.has(r.name)) out.push(r);
  }
  return out;
}

function verdict(stream: ConnectedProxy, type: ResourceType, name: string, gen: number, cache: ResourceCache<Policy>): Verdict {
  const st = stream.session.state(type);
  const cur = cache.get(type, name);
  const acked = st.acked.get(name);
  if (cur) {
    if (acked !== undefined && (cache.lastCurrentGen(type, name, acked) ?? -1) >= gen) return { kind: 'acked' };
  } else if (acked === undefined) {
    return { kind: 'acked' };
  }
  const rejected = st.nacked.get(name);
  if (rejected !== undefined) {
    const includes = rejected === ABSENT ? !cur : (cache.lastCurrentGen(type, name, rejected) ?? -1) >= gen;
    if (includes) {
      return {
        kind: 'nacked',
        nack: {
          instanceId: stream.node!.instanceId,
          type,
          name,
          version: rejected,
          error: { code: st.lastNack?.code ?? 0, message: st.lastNack?.message ?? '' },
        },
      };
    }
  }
  return { kind: 'pending' };
}
