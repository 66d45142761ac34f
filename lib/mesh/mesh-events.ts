// Bus events → store changes the mesh view can apply. Events carry what the writer stored
// (instance.*: the record; policy.applied: the policy) and the store revision of the change,
// so the view applies them exactly as it would the store's own watch event for the same key.
// An event whose payload cannot be used gives `refetch`: the consumer re-reads the store.
import type { Envelope } from '../bus/envelope.js';
import { eventKindOf } from '../bus/envelope.js';
import { instanceKey, policyKey } from '../store/keys.js';
import { parsePolicy } from '../policy/index.js';
import { decodeInstance } from './instance-schema.js';

export type EventChange =
  | { op: 'put'; key: string; value: unknown; revision: number }
  | { op: 'delete'; key: string; revision: number }
  | { op: 'refetch'; reason: string }
  | { op: 'ignore' };

function splitSubject(subject: string): [string, string, string] | undefined {
  const parts = subject.split('/');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) return undefined;
  return parts as [string, string, string];
}

export function changeFromEvent(cluster: string, env: Envelope): EventChange {
  if (env.cluster !== cluster) return { op: 'ignore' };
  const kind = eventKindOf(env);
  const parts = splitSubject(env.subject);
  if (!parts) return { op: 'refetch', reason: `${kind}: subject ${JSON.stringify(env.subject)} is not a/b/c` };
  const data = (env.data ?? {}) as Record<string, unknown>;
  switch (kind) {
    case 'instance.registered':
    case 'instance.updated': {
      const [ns, svc, id] = parts;
      const decoded = decodeInstance(data.instance);
      if (!decoded.ok) return { op: 'refetch', reason: `${kind}: ${decoded.reason}` };
      return { op: 'put', key: instanceKey(cluster, ns, svc, id), value: data.instance, revision: env.revision };
    }
    case 'instance.deregistered':
    case 'instance.expired': {
      const [ns, svc, id] = parts;
      return { op: 'delete', key: instanceKey(cluster, ns, svc, id), revision: env.revision };
    }
    case 'policy.applied': {
      const [k, ns, name] = parts;
      const parsed = parsePolicy(data.policy);
      if (!parsed.ok) return { op: 'refetch', reason: `${kind}: payload is not a valid policy` };
      const value = {
        policy: data.policy,
        appliedBy: typeof data.principal === 'string' ? data.principal : '',
        appliedAt: env.time,
      };
      return { op: 'put', key: policyKey(cluster, k, ns, name), value, revision: env.revision };
    }
    case 'policy.deleted': {
      const [k, ns, name] = parts;
      return { op: 'delete', key: policyKey(cluster, k, ns, name), revision: env.revision };
    }
    default:
      return { op: 'ignore' };
  }
}
