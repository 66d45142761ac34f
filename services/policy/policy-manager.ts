// The policy domain: validate, store with compare-and-set, record history, publish events.
// No gRPC here (policy-api.ts is the edge). Several replicas may run against one store: every
// write is a compare-and-set on the revision just read, so concurrent writers never overwrite
// each other silently — a caller-supplied expected revision turns a lost race into
// ConflictError (ABORTED); without one the write is re-read and retried (last writer wins).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { EventBus } from '../../lib/bus/bus.js';
import { ConflictError, isPlexusError, NotFoundError, ValidationError, type FieldViolation } from '../../lib/errors.js';
import { isDnsLabel } from '../../lib/model/names.js';
import {
  affectedServices,
  isPolicyKind,
  parsePolicy,
  policyAppliedEvent,
  policyDeletedEvent,
  policyKindList,
  policyWarnings,
  storeKeyOf,
  type Policy,
  type PolicyEvent,
  type PolicyKind,
  type PolicyRecord,
} from '../../lib/policy/index.js';
import { policyKey } from '../../lib/store/keys.js';
import type { KeyValue, Store } from '../../lib/store/store.js';
import { PolicyHistory } from './policy-history.js';
import { policyMetrics } from './metrics.js';

export interface StoredPolicy {
  ref: { kind: PolicyKind; namespace: string; name: string };
  record: PolicyRecord;
  revision: number;
  createRevision: number;
}

export type ApplyOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED';

export interface ApplyResult {
  outcome: ApplyOutcome;
  dryRun: boolean;
  /** The policy as stored (or as it would be, for a dry run). */
  stored: StoredPolicy;
  previous: Policy | undefined;
  warnings: string[];
  affectedServices: string[];
}

export interface ApplyOptions {
  expectedRevision?: number;
  dryRun?: boolean;
  /** Carried on the policy event (CloudEvents traceparent) so config-push's spans join the trace. */
  traceparent?: string;
}

export interface PolicyManagerOptions {
  cluster: string;
  store: Store;
  bus: EventBus;
  logger: Logger;
  historyLimit: number;
  publishTimeoutMs: number;
}

/** Unconditional writes retry a lost compare-and-set this many times before giving up. */
const MAX_CAS_RETRIES = 16;

export class PolicyManager {
  readonly history: PolicyHistory;
  private readonly metrics = policyMetrics();

  constructor(private readonly opts: PolicyManagerOptions) {
    this.history = new PolicyHistory(opts.store, opts.cluster, opts.historyLimit, opts.logger);
  }

  get cluster(): string {
    return this.opts.cluster;
  }

  /** Validate a document; throws ValidationError with every violation. */
  validate(document: unknown): Policy {
    const parsed = parsePolicy(document);
    if (!parsed.ok) {
      this.metrics.validationFailures.inc();
      throw new ValidationError(parsed.violations);
    }
    return parsed.policy;
  }

  async apply(policy: Policy, principal: string, options: ApplyOptions = {}): Promise<ApplyResult> {
    const key = storeKeyOf(this.opts.cluster, policy);
    const warnings = policyWarnings(policy);
    const affected = affectedServices(policy);
    // Compare in stored (JSON) form: what a reader of the store would see.
    const plain = JSON.parse(JSON.stringify(policy)) as Policy;
    for (let attempt = 0; ; attempt++) {
      const existing = await this.opts.store.get<PolicyRecord>(key);
      const actual = existing?.revision ?? 0;
      if (options.expectedRevision !== undefined && options.expectedRevision !== actual) {
        throw new ConflictError(key, options.expectedRevision, actual);
      }
      const previous = existing?.value.policy;
      if (existing && isDeepStrictEqual(previous, plain)) {
        return { outcome: 'UNCHANGED', dryRun: options.dryRun === true, stored: toStored(policy, existing), previous, warnings, affectedServices: affected };
      }
      const outcome: ApplyOutcome = existing ? 'UPDATED' : 'CREATED';
      const record: PolicyRecord = { policy, appliedBy: principal, appliedAt: new Date().toISOString() };
      if (options.dryRun) {
        const would = { key, value: record, revision: actual, createRevision: existing?.createRevision ?? 0 };
        return { outcome, dryRun: true, stored: toStored(policy, would), previous, warnings, affectedServices: affected };
      }
      let revision: number;
      try {
        revision = await this.opts.store.put(key, record, { expectedRevision: actual });
      } catch (err) {
        if (isPlexusError(err, 'CONFLICT') && options.expectedRevision === undefined && attempt < MAX_CAS_RETRIES) continue;
        if (isPlexusError(err, 'CONFLICT') && options.expectedRevision !== undefined) {
          // Someone wrote between our read and our write: report it as the caller's conflict.
          throw new ConflictError(key, options.expectedRevision);
        }
        throw err;
      }
      const stored = toStored(policy, { key, value: record, revision, createRevision: existing?.createRevision ?? revision });
      this.metrics.writes.inc({ kind: policy.kind, outcome: outcome.toLowerCase() });
      await this.history.record(stored.ref, { revision, action: 'applied', principal, at: record.appliedAt, policy });
      await this.publish(policyAppliedEvent(policy, outcome === 'CREATED', principal), revision, options.traceparent);
      return { outcome, dryRun: false, stored, previous, warnings, affectedServices: affected };
    }
  }

  async get(kind: PolicyKind, namespace: string, name: string): Promise<StoredPolicy> {
    const key = policyKey(this.opts.cluster, kind, namespace, name);
    const kv = await this.opts.store.get<PolicyRecord>(key);
    if (!kv) throw new NotFoundError(`${kind} ${namespace}/${name} not found`);
    return { ref: { kind, namespace, name }, record: kv.value, revision: kv.revision, createRevision: kv.createRevision };
  }

  /** Returns the store revision after the deletion. */
  async delete(
    kind: PolicyKind,
    namespace: string,
    name: string,
    principal: string,
    expectedRevision?: number,
  ): Promise<{ revision: number; affectedServices: string[] }> {
    const key = policyKey(this.opts.cluster, kind, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const existing = await this.opts.store.get<PolicyRecord>(key);
      if (expectedRevision !== undefined && expectedRevision !== (existing?.revision ?? 0)) {
        throw new ConflictError(key, expectedRevision, existing?.revision ?? 0);
      }
      if (!existing) throw new NotFoundError(`${kind} ${namespace}/${name} not found`);
      try {
        const deleted = await this.opts.store.delete(key, { expectedRevision: existing.revision });
        if (!deleted) throw new NotFoundError(`${kind} ${namespace}/${name} not found`);
      } catch (err) {
        if (isPlexusError(err, 'CONFLICT') && expectedRevision === undefined && attempt < MAX_CAS_RETRIES) continue;
        if (isPlexusError(err, 'CONFLICT') && expectedRevision !== undefined) throw new ConflictError(key, expectedRevision);
        throw err;
      }
      // The Store's delete does not return its revision; the current revision is at or after
      // it, which keeps consumers that order by revision correct.
      const revision = await this.opts.store.currentRevision();
      const event = policyDeletedEvent({ kind, namespace, name }, principal);
      this.metrics.writes.inc({ kind, outcome: 'deleted' });
      await this.history.record({ kind, namespace, name }, { revision, action: 'deleted', principal, at: new Date().toISOString() });
      await this.publish(event, revision);
      return { revision, affectedServices: event.data.affectedServices };
    }
  }

  /**
   * The store is the source of truth and the write has happened: a bus failure is logged and
   * counted, not returned to the caller (consumers re-list on gaps and in anti-entropy).
   */
  private async publish(event: PolicyEvent, revision: number, traceparent?: string): Promise<void> {
    const { kind, subject } = event;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.opts.bus.publish({ ...event, revision, ...(traceparent === undefined ? {} : { traceparent }) }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`bus did not take the event within ${this.opts.publishTimeoutMs} ms`)), this.opts.publishTimeoutMs);
        }),
      ]);
    } catch (err) {
      this.metrics.publishFailures.inc({ kind });
      this.opts.logger.warn({ err, kind, subject, revision }, 'policy event not published; consumers will catch up from the store');
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

function toStored(policy: Policy, kv: KeyValue<PolicyRecord>): StoredPolicy {
  return {
    ref: { kind: policy.kind, namespace: policy.metadata.namespace, name: policy.metadata.name },
    record: kv.value,
    revision: kv.revision,
    createRevision: kv.createRevision,
  };
}

/** Field violations for request fields that name a policy (kind, namespace, name). */
export function refViolations(kind: string, namespace: string, name: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (!isPolicyKind(kind)) out.push({ path: 'kind', message: `must be one of ${policyKindList()}` });
  if (!isDnsLabel(namespace)) out.push({ path: 'namespace', message: 'must be a DNS-1123 label' });
  if (!isDnsLabel(name)) out.push({ path: 'name', message: 'must be a DNS-1123 label' });
  return out;
}
