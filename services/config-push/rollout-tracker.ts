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
import { INSTANCE_ID_MESSAGE, INSTANCE_ID_RE, isDnsLabel } from '../../lib/model/names.js';
import { policyKindList, policyKindSpec, type Policy } from '../../lib/policy/index.js';
import type { RolloutProgress } from '../../lib/proto/gen/plexus/discovery/v1/RolloutProgress.js';
import type { ProxyNack } from '../../lib/proto/gen/plexus/discovery/v1/ProxyNack.js';
import type { WaitForRolloutRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/WaitForRolloutRequest.js';
import { instanceKey, policyKey } from '../../lib/store/keys.js';
import type { Store } from '../../lib/store/store.js';
import type { DeltaServer } from './delta-server.js';
import type { DeltaStream } from './delta-stream.js';

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
  emit: (p: RolloutProgress) => void,
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
      const progress = computeProgress(deps, target, revision, labels, elapsed);
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
        emit(progress);
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

function computeProgress(deps: RolloutDeps, target: RolloutTarget, revision: number, labels: string[], elapsedMs: number): RolloutProgress {
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
  };
  const gen = deps.view.reflects(target.key, revision);
  if (gen === undefined || deps.cache.computedGen < gen) return base;
  base.viewReady = true;
  const pending: string[] = [];
  const nacks: ProxyNack[] = [];
  let affected = 0;
  let acked = 0;
  // Only streams of verified workloads count: an ACK or NACK is a proxy's word about its config.
  for (const stream of deps.server.connected()) {
    if (!stream.caller && !deps.server.insecure) continue;
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
    if (state.kind === 'acked') acked++;
    else if (state.kind === 'nacked') nacks.push(state.nack);
    else pending.push(stream.node!.instanceId);
  }
  pending.sort();
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

/** The target's resources this proxy subscribes to (or holds). */
function affectedOf(stream: DeltaStream, target: RolloutTarget, cache: ResourceCache<Policy>): Array<{ type: ResourceType; name: string }> {
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

function verdict(stream: DeltaStream, type: ResourceType, name: string, gen: number, cache: ResourceCache<Policy>): Verdict {
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
