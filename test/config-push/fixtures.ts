// Test fixtures for config-push: instance records and policies, and a writer that changes the
// store through the same key layout and publishes the same events as the registry
// (services/registry/events.ts) and the policy service (services/policy/policy-manager.ts).
import type { EventBus } from '../../lib/bus/bus.js';
import type { InstanceEventData, InstanceRecord } from '../../lib/model/instance.js';
import { instanceSubject } from '../../lib/model/instance.js';
import { parsePolicy, policyAppliedEvent, policyDeletedEvent, type Policy, type PolicyKind, type PolicyRecord } from '../../lib/policy/index.js';
import { instanceKey, policyKey } from '../../lib/store/keys.js';
import type { Store } from '../../lib/store/store.js';

export function instanceRecord(
  namespace: string,
  service: string,
  id: string,
  overrides: Partial<InstanceRecord> = {},
): InstanceRecord {
  const now = new Date().toISOString();
  return {
    id,
    namespace,
    service,
    cluster: 'test',
    zone: 'zone-a',
    address: '127.0.0.1',
    port: 8080,
    protocol: 'http1',
    labels: {},
    weight: 100,
    // As a Plexus proxy registers its app (see isProxied); override for proxyless instances.
    metadata: { proxyVersion: 'test' },
    health: 'SERVING',
    incarnation: 1,
    leaseId: '0',
    ttlSeconds: 15,
    registeredAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** Validate and normalise a policy document; throws with every violation when it is invalid. */
export function policy(doc: Record<string, unknown>): Policy {
  const parsed = parsePolicy({ apiVersion: 'plexus.dev/v1', ...doc });
  if (!parsed.ok) throw new Error(`bad test policy: ${JSON.stringify(parsed.violations)}`);
  return parsed.policy;
}

/** A Route for `<namespace>/<name>` with one rule: requests with `x-test: <tag>` get `timeout`. */
export function routePolicy(namespace: string, name: string, timeout = '1s', tag = 'a'): Policy {
  return policy({
    kind: 'Route',
    metadata: { namespace, name },
    spec: {
      rules: [
        { name: 'tagged', match: { headers: [{ name: 'x-test', exact: tag }] }, destinations: [{ subset: { version: 'v2' } }], timeout },
        { destinations: [{ subset: {} }] },
      ],
    },
  });
}

export function accessPolicy(namespace: string, name: string, from: string[], action: 'allow' | 'deny' = 'allow'): Policy {
  return policy({ kind: 'Access', metadata: { namespace, name }, spec: { defaultAction: 'deny', rules: [{ action, from }] } });
}

export function meshPolicy(defaultAccess: 'allow' | 'deny', defaultTimeout = '15s'): Policy {
  return policy({ kind: 'Mesh', metadata: { name: 'default' }, spec: { defaultAccess, defaultTimeout } });
}

export function policyRecord(p: Policy, appliedBy = 'test'): PolicyRecord {
  return { policy: p, appliedBy, appliedAt: new Date().toISOString() };
}

export interface WriterOptions {
  /** false: write the store only (a publisher that died before publishing). */
  publish?: boolean;
}

/** Writes like the registry and policy services do: store first, then the event. */
export class MeshWriter {
  constructor(
    private readonly cluster: string,
    private readonly store: Store,
    private readonly bus: EventBus | undefined,
  ) {}

  async putInstance(record: InstanceRecord, opts: WriterOptions & { kind?: 'instance.registered' | 'instance.updated' } = {}): Promise<number> {
    const key = instanceKey(this.cluster, record.namespace, record.service, record.id);
    const existed = (await this.store.get(key)) !== undefined;
    const revision = await this.store.put(key, record);
    if (opts.publish !== false && this.bus) {
      const data: InstanceEventData = { instance: record };
      await this.bus.publish({
        kind: opts.kind ?? (existed ? 'instance.updated' : 'instance.registered'),
        subject: instanceSubject(record.namespace, record.service, record.id),
        data,
        revision,
      });
    }
    return revision;
  }

  async deleteInstance(record: InstanceRecord, opts: WriterOptions = {}): Promise<number> {
    const key = instanceKey(this.cluster, record.namespace, record.service, record.id);
    await this.store.delete(key);
    const revision = await this.store.currentRevision();
    if (opts.publish !== false && this.bus) {
      const data: InstanceEventData = { instance: record, reason: 'deregistered' };
      await this.bus.publish({
        kind: 'instance.deregistered',
        subject: instanceSubject(record.namespace, record.service, record.id),
        data,
        revision,
      });
    }
    return revision;
  }

  async applyPolicy(p: Policy, opts: WriterOptions = {}): Promise<number> {
    const key = policyKey(this.cluster, p.kind, p.metadata.namespace, p.metadata.name);
    const existed = (await this.store.get(key)) !== undefined;
    const revision = await this.store.put(key, policyRecord(p));
    if (opts.publish !== false && this.bus) await this.bus.publish({ ...policyAppliedEvent(p, !existed, 'test'), revision });
    return revision;
  }

  async deletePolicy(kind: PolicyKind, namespace: string, name: string, opts: WriterOptions = {}): Promise<number> {
    await this.store.delete(policyKey(this.cluster, kind, namespace, name));
    const revision = await this.store.currentRevision();
    if (opts.publish !== false && this.bus) await this.bus.publish({ ...policyDeletedEvent({ kind, namespace, name }, 'test'), revision });
    return revision;
  }
}
