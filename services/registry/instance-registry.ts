// The registry's operations on the store: register (with incarnations), heartbeat, set health,
// deregister, get and list. Every write is a compare-and-set on the record's revision, so a
// stale caller or a concurrent writer changes nothing; a lost race is retried from a fresh read.
//
// Incarnations come from the store revision: a registration observes the current revision R
// (the revision its record lease was granted at) and takes max(R + 1, previous + 1). Any earlier incarnation of the id was written at a
// revision ≤ R, so the new one is strictly higher, even when the old record already expired
// and nothing of it is left to compare with.
//
// Two leases per incarnation: the record hangs on a store lease of TTL + outage allowance, and
// its liveness marker (liveness-markers.ts) on one of TTL. Heartbeats renew both. The store
// removes the record by itself only after the allowance; within it, whether an instance whose
// marker lapsed is dead is judged by a healthy registry (reaper.ts), so an outage of every
// replica or of the store removes nothing while the proxies keep heart-beating into the void.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  ConflictError,
  FailedPreconditionError,
  isPlexusError,
  LeaseNotFoundError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
} from '../../lib/errors.js';
import { instanceRecordSchema, instanceSubject, type InstanceHealth, type InstanceRecord } from '../../lib/model/instance.js';
import { instanceKey, instancesPrefix } from '../../lib/store/keys.js';
import { CommitBatcher, type BatchStats } from '../../lib/store/commit-batcher.js';
import { STORE_LIMITS, type KeyValue, type Store, type WriteOp } from '../../lib/store/store.js';
import type { InstanceEvents } from './events.js';
import type { InstanceView } from './instance-view.js';
import type { LivenessMarkers } from './liveness-markers.js';
import type { RemovalClaims } from './removal-claims.js';
import { matchesSelector } from './labels.js';
import { registryMetrics } from './metrics.js';
import type { StoreCall } from '../../lib/grpc/edge/index.js';
import type { InstanceRefInput, ListInput, RegisterInput } from './validation.js';

const CAS_ATTEMPTS = 4;

export interface StoredInstance {
  record: InstanceRecord;
  revision: number;
}

export interface RegisterResult extends StoredInstance {
  replaced: boolean;
}

export interface ListPage {
  items: StoredInstance[];
  /** Key of the last item when more follow. */
  lastKey: string | undefined;
  revision: number;
}

export interface InstanceRegistryOptions {
  store: Store;
  call: StoreCall;
  view: InstanceView;
  events: InstanceEvents;
  cluster: string;
  maxInstancesPerService: number;
  markers: LivenessMarkers;
  /** The removal claims: Deregister claims its own deletion in the commit that makes it. */
  claims: RemovalClaims;
  /** Added to the TTL for the record's store lease (see the header). */
  outageAllowanceSeconds: number;
  logger: Logger;
}

export class InstanceRegistry {
  /** Record writes of concurrent calls go to the store as one commit (lib/store/commit-batcher.ts). */
  private readonly batcher: CommitBatcher;

  constructor(private readonly opts: InstanceRegistryOptions) {
    this.batcher = new CommitBatcher((ops) => {
      registryMetrics.storeCommits.inc();
      registryMetrics.storeCommitWrites.inc(ops.length);
      return opts.store.commit(ops);
    });
  }

  /** How record writes were batched (bench and diagnostics). */
  get batchStats(): BatchStats {
    return this.batcher.stats;
  }

  keyOf(namespace: string, service: string, id: string): string {
    return instanceKey(this.opts.cluster, namespace, service, id);
  }

  async register(input: RegisterInput): Promise<RegisterResult> {
    const { store, call, logger } = this.opts;
    const id = input.id ?? generateId(input.service);
    const key = this.keyOf(input.namespace, input.service, id);
    const subject = instanceSubject(input.namespace, input.service, id);
    for (let attempt = 1; ; attempt++) {
      // The cap is checked against this replica's view: exact for one replica, and at worst
      // exceeded by the registrations in flight on other replicas that it has not seen yet.
      if (this.opts.view.countOf(input.namespace, input.service) >= this.opts.maxInstancesPerService && !this.opts.view.get(key)) {
        throw new ResourceExhaustedError(
          `service ${input.namespace}/${input.service} already has ${this.opts.maxInstancesPerService} instances (the limit)`,
        );
      }
      // Read and grant both leases (record and liveness marker) at once: one round trip instead
      // of three. A grant that is not used (stale caller, lost race) is revoked.
      // The first try takes the record from this replica's view when the view can vouch for
      // the happy path; the compare-and-set below proves it current, and a lost race reads the store.
      const hint = attempt === 1 ? this.registerHint(key, input) : undefined;
      const [got, granted, markerGranted] = await Promise.allSettled([
        hint ? Promise.resolve(hint.existing) : call('get instance', () => store.get<unknown>(key)).then((kv) => kv && { record: this.decode(kv), revision: kv.revision }),
        call('grant lease', () => store.grantLease(this.storeLeaseTtl(input.ttlSeconds))),
        this.opts.markers.grant(input.ttlSeconds),
      ]);
      const unused = (): void => {
        if (granted.status === 'fulfilled') this.revokeQuietly(granted.value.id);
        if (markerGranted.status === 'fulfilled') this.opts.markers.abandoned(markerGranted.value);
      };
      if (got.status === 'rejected' || granted.status === 'rejected') {
        unused();
        throw [got, granted].find((r) => r.status === 'rejected')!.reason;
      }
      const existing = got.value;
      const lease = granted.value;
      // The grant is ordered among the store's writes, so its revision serves as R (see the
      // header); a backend that cannot tell costs a read.
      let revisionNow: number;
      try {
        revisionNow = lease.revision ?? (await call('current revision', () => store.currentRevision()));
      } catch (err) {
        unused();
        throw err;
      }
      const current = existing?.record;
      try {
        checkOwner(input.owner, current, subject, 're-register');
      } catch (err) {
        unused();
        throw err;
      }
      if (input.expectedIncarnation > 0 && current && current.incarnation !== input.expectedIncarnation) {
        unused();
        throw new FailedPreconditionError(
          `instance ${subject} is registered with incarnation ${current.incarnation}; incarnation ${input.expectedIncarnation} is stale`,
        );
      }
      const now = new Date().toISOString();
      const record: InstanceRecord = {
        id,
        namespace: input.namespace,
        service: input.service,
        cluster: this.opts.cluster,
        zone: input.zone,
        address: input.address,
        port: input.port,
        protocol: input.protocol,
        labels: input.labels,
        weight: input.weight,
        metadata: input.metadata,
        health: input.health,
        incarnation: Math.max(revisionNow + 1, (current?.incarnation ?? 0) + 1),
        leaseId: lease.id,
        ttlSeconds: input.ttlSeconds,
        registeredAt: now,
        updatedAt: now,
        ...(input.owner !== undefined ? { owner: input.owner } : {}),
      };
      // The record and its liveness marker are one commit (batched with other callers' writes):
      // no window in which the instance exists without its marker. Without a marker lease (its
      // grant failed) the record is written alone: the instance is only held, never lost, and
      // the next heartbeat makes the marker.
      const marker = markerGranted.status === 'fulfilled' ? markerGranted.value : undefined;
      const ops: WriteOp[] = [{ type: 'put', key, value: record, expectedRevision: existing?.revision ?? 0, lease: lease.id }];
      if (marker) ops.push(this.opts.markers.createOp(record, marker));
      let revision: number;
      try {
        revision = await call('put instance', () => this.batcher.submit(ops));
      } catch (err) {
        unused();
        if (err instanceof ConflictError && attempt < CAS_ATTEMPTS) continue;
        throw err;
      }
      if (marker) this.opts.markers.created(record, marker);
      else logger.warn({ err: (markerGranted as PromiseRejectedResult).reason as unknown, instance: subject }, 'could not grant the liveness marker lease; the next heartbeat will');
      // The record now hangs on the new lease; the old one only held the old record.
      if (current && current.leaseId !== lease.id) this.revokeQuietly(current.leaseId);
      const replaced = existing !== undefined;
      // Sent now, not awaited: waiting for the bus to confirm only delayed the answer, which
      // does not depend on it (a bus failure is logged, never returned: events.ts), and
      // consumers apply events by revision, so one overtaking another is harmless.
      void this.opts.events.publish(replaced ? 'instance.updated' : 'instance.registered', record, revision);
      registryMetrics.registrations.inc({ result: replaced ? 'replaced' : 'created' });
      logger.info(
        { instance: subject, incarnation: record.incarnation, address: `${record.address}:${record.port}`, ttlSeconds: record.ttlSeconds, revision, replaced },
        replaced ? 'instance re-registered' : 'instance registered',
      );
      return { record, revision, replaced };
    }
  }

  /** Renews the lease of the named incarnation; returns its TTL. */
  async heartbeat(ref: InstanceRefInput): Promise<number> {
    const key = this.keyOf(ref.namespace, ref.service, ref.id);
    // The view usually knows the record; it can only lag behind the store, so a newer
    // incarnation in the view proves the caller stale, and a missing or older one is checked
    // against the store itself.
    let record = this.opts.view.get(key)?.record;
    if (!record || record.incarnation < ref.incarnation) {
      const kv = await this.opts.call('get instance', () => this.opts.store.get<unknown>(key));
      record = kv ? this.decode(kv) : undefined;
    }
    if (!record) throw this.notRegistered(ref);
    checkOwner(ref.caller, record, instanceSubject(ref.namespace, ref.service, ref.id), 'renew');
    this.checkIncarnation(ref, record);
    const live = record;
    const [lease, marker] = await Promise.allSettled([
      this.opts.call('keep lease alive', () => this.opts.store.keepAlive(live.leaseId)),
      this.opts.markers.renew(live),
    ]);
    if (lease.status === 'rejected') {
      if (lease.reason instanceof LeaseNotFoundError) throw this.notRegistered(ref);
      throw lease.reason;
    }
    if (marker.status === 'rejected') throw marker.reason;
    return record.ttlSeconds;
  }

  async setHealth(ref: InstanceRefInput, health: InstanceHealth): Promise<StoredInstance> {
    const subject = instanceSubject(ref.namespace, ref.service, ref.id);
    for (let attempt = 1; ; attempt++) {
      const { record, revision: oldRevision } = await this.read(ref);
      checkOwner(ref.caller, record, subject, 'change the health of');
      if (record.deregistering) throw new FailedPreconditionError(`instance ${subject} is being deregistered`);
      if (record.health === health) return { record, revision: oldRevision };
      const next: InstanceRecord = { ...record, health, updatedAt: new Date().toISOString() };
      let revision: number;
      try {
        revision = await this.write(ref, next, oldRevision);
      } catch (err) {
        if (err instanceof ConflictError && attempt < CAS_ATTEMPTS) continue;
        throw err;
      }
      this.opts.logger.info({ instance: subject, incarnation: record.incarnation, from: record.health, to: health, revision }, 'instance health changed');
      await this.opts.events.publish('instance.updated', next, revision);
      return { record: next, revision };
    }
  }

  /**
   * Marks the record `deregistering` (so the deletion is announced as `deregistered`, see
   * removal-claims.ts), deletes it and revokes its lease. Returns the marker's revision.
   */
  async deregister(ref: InstanceRefInput): Promise<number> {
    const key = this.keyOf(ref.namespace, ref.service, ref.id);
    const subject = instanceSubject(ref.namespace, ref.service, ref.id);
    for (let attempt = 1; ; attempt++) {
      // As in register: the view first, proven current by the compare-and-set.
      const { record, revision: oldRevision } = (attempt === 1 ? this.refHint(ref) : undefined) ?? (await this.read(ref));
      checkOwner(ref.caller, record, subject, 'deregister');
      let marked = oldRevision;
      let next = record;
      let deleted: number;
      try {
        if (!record.deregistering) {
          next = { ...record, health: 'DRAINING', deregistering: true, updatedAt: new Date().toISOString() };
          marked = await this.write(ref, next, oldRevision);
        }
        // The record, its liveness marker (see LivenessMarkers.removeOp) and the claim of its
        // removal (removal-claims.ts) go together: this replica then announces it itself.
        const claim = await this.opts.claims.deregistrationClaim(next);
        try {
          deleted = await this.opts.call('delete instance', () =>
            this.batcher.submit([{ type: 'delete', key, expectedRevision: marked }, this.opts.markers.removeOp(record), claim.op]),
          );
          claim.settle(true);
        } catch (err) {
          claim.settle(false);
          throw err;
        }
      } catch (err) {
        if (err instanceof ConflictError && attempt < CAS_ATTEMPTS) continue;
        // Only the claim names a lease in that commit: the claims lease ran out early (store restart).
        if (err instanceof LeaseNotFoundError && attempt < CAS_ATTEMPTS) {
          this.opts.claims.leaseLost();
          continue;
        }
        throw err;
      }
      this.revokeQuietly(record.leaseId);
      this.opts.markers.removed(record);
      registryMetrics.deregistrations.inc();
      this.opts.logger.info({ instance: subject, incarnation: record.incarnation, revision: marked }, 'instance deregistration accepted');
      // Not awaited: the bus is not the truth (see events.ts) and its confirmation is no part
      // of the answer; consumers apply events by revision, so a later one overtaking is harmless.
      void this.opts.claims.announce(next, 'deregistered', deleted, 'deregister');
      return marked;
    }
  }

  async get(ref: InstanceRefInput): Promise<StoredInstance> {
    return this.read(ref);
  }

  /** One page of instances matching the filters, in key order, from the store. */
  async list(input: ListInput): Promise<ListPage> {
    const prefix =
      input.namespace === undefined
        ? instancesPrefix(this.opts.cluster)
        : instancesPrefix(this.opts.cluster, input.namespace, input.service);
    const listing = await this.opts.call('list instances', () => this.opts.store.list<unknown>(prefix));
    const items: StoredInstance[] = [];
    let lastKey: string | undefined;
    let itemKey: string | undefined;
    for (const kv of listing.items) {
      if (input.afterKey !== undefined && kv.key <= input.afterKey) continue;
      const record = this.decode(kv);
      if (!record) continue;
      if (input.service !== undefined && record.service !== input.service) continue;
      if (input.health.length > 0 && !input.health.includes(record.health)) continue;
      if (!matchesSelector(record.labels, input.selector)) continue;
      if (items.length === input.pageSize) {
        lastKey = itemKey;
        break;
      }
      items.push({ record, revision: kv.revision });
      itemKey = kv.key;
    }
    return { items, lastKey, revision: listing.revision };
  }

  /**
   * What this replica's view says Register will find, when the view is synced and every check
   * passes on it (`existing` undefined: no record); undefined sends Register to the store. The
   * view may lag the store, never lead it: the compare-and-set on the hinted revision catches a
   * lag, and any check that would refuse is left to the store's answer.
   */
  private registerHint(key: string, input: RegisterInput): { existing: { record: InstanceRecord; revision: number } | undefined } | undefined {
    if (!this.opts.view.synced) return undefined;
    const entry = this.opts.view.get(key);
    if (!entry) return { existing: undefined };
    const { record } = entry;
    if (input.owner !== undefined && record.owner !== undefined && record.owner !== input.owner) return undefined;
    if (input.expectedIncarnation > 0 && record.incarnation !== input.expectedIncarnation) return undefined;
    return { existing: { record, revision: entry.revision } };
  }

  /** The view's record of `ref` when it passes every check (see registerHint); undefined: read the store. */
  private refHint(ref: InstanceRefInput): StoredInstance | undefined {
    if (!this.opts.view.synced) return undefined;
    const entry = this.opts.view.get(this.keyOf(ref.namespace, ref.service, ref.id));
    if (!entry) return undefined;
    if (ref.incarnation !== 0 && entry.record.incarnation !== ref.incarnation) return undefined;
    if (ref.caller !== undefined && entry.record.owner !== undefined && entry.record.owner !== ref.caller) return undefined;
    return { record: entry.record, revision: entry.revision };
  }

  /** The current record of the named instance, checked against the caller's incarnation. */
  private async read(ref: InstanceRefInput): Promise<StoredInstance> {
    const key = this.keyOf(ref.namespace, ref.service, ref.id);
    const kv = await this.opts.call('get instance', () => this.opts.store.get<unknown>(key));
    const record = kv ? this.decode(kv) : undefined;
    if (!kv || !record) throw this.notRegistered(ref);
    this.checkIncarnation(ref, record);
    return { record, revision: kv.revision };
  }

  /** CAS write of an updated record on its own lease. */
  private async write(ref: InstanceRefInput, record: InstanceRecord, expectedRevision: number): Promise<number> {
    const key = this.keyOf(ref.namespace, ref.service, ref.id);
    try {
      return await this.opts.call('put instance', () =>
        this.batcher.submit([{ type: 'put', key, value: record, expectedRevision, lease: record.leaseId }]),
      );
    } catch (err) {
      if (err instanceof LeaseNotFoundError) throw this.notRegistered(ref);
      throw err;
    }
  }

  private storeLeaseTtl(ttlSeconds: number): number {
    return Math.max(ttlSeconds, Math.min(STORE_LIMITS.maxLeaseTtlSeconds, ttlSeconds + this.opts.outageAllowanceSeconds));
  }

  private checkIncarnation(ref: InstanceRefInput, record: InstanceRecord): void {
    if (ref.incarnation === 0 || ref.incarnation === record.incarnation) return;
    const subject = instanceSubject(ref.namespace, ref.service, ref.id);
    throw new FailedPreconditionError(
      ref.incarnation < record.incarnation
        ? `instance ${subject} has incarnation ${record.incarnation}; incarnation ${ref.incarnation} is stale`
        : `instance ${subject} has incarnation ${record.incarnation}, not ${ref.incarnation}`,
    );
  }

  private notRegistered(ref: InstanceRefInput): NotFoundError {
    return new NotFoundError(
      `instance ${instanceSubject(ref.namespace, ref.service, ref.id)} is not registered (lease expired or deregistered); register again`,
    );
  }

  private decode(kv: KeyValue<unknown>): InstanceRecord | undefined {
    const parsed = instanceRecordSchema.safeParse(kv.value);
    if (parsed.success) return parsed.data;
    registryMetrics.malformedRecords.inc();
    this.opts.logger.error({ key: kv.key, issues: parsed.error.issues.slice(0, 5) }, 'ignoring a malformed instance record');
    return undefined;
  }

  private revokeQuietly(leaseId: string): void {
    this.opts.call('revoke lease', () => this.opts.store.revokeLease(leaseId)).catch((err: unknown) => {
      // The lease then simply runs out; nothing depends on it any more.
      if (!isPlexusError(err, 'NOT_FOUND')) this.opts.logger.warn({ err, leaseId }, 'could not revoke an old lease');
    });
  }
}

/**
 * PERMISSION_DENIED when `record` belongs to another identity than `caller`. Plaintext callers
 * (undefined) and records without an owner are not checked: that is the insecure mode.
 */
function checkOwner(caller: string | undefined, record: InstanceRecord | undefined, subject: string, action: string): void {
  if (caller === undefined || record?.owner === undefined || record.owner === caller) return;
  throw new PermissionDeniedError(`instance ${subject} was registered by ${record.owner}; ${caller} may not ${action} it`);
}

/** `<service>-<12 hex>`: unique enough that two proxies never collide by chance. */
function generateId(service: string): string {
  return `${service}-${randomBytes(6).toString('hex')}`;
}
