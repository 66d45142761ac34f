// Liveness markers: the registry's record of "this incarnation heart-beat within its TTL".
//   /plexus/v1/<cluster>/meta/registry/alive/<namespace>/<service>/<id>  → {"incarnation": n}
// Each marker hangs on its own lease of the instance's TTL, renewed by every heartbeat. The
// instance record itself hangs on a longer store lease (TTL + outage allowance), so a lapsed
// marker only says "no heartbeat reached a registry"; whether that means the instance is dead
// is the reaper's judgement (reaper.ts), which knows whether the registry tier was up.
//
// Any replica may renew or re-create a marker: a heartbeat after an outage finds the marker's
// lease gone and makes a new one, with compare-and-set so two replicas doing so at once end
// with one marker on one lease that both then renew.
import { ConflictError, isPlexusError, LeaseNotFoundError } from '../../lib/errors.js';
import type { InstanceRecord } from '../../lib/model/instance.js';
import { metaKey } from '../../lib/store/keys.js';
import type { LeaseGrant, Store, WriteOp } from '../../lib/store/store.js';
import type { StoreCall } from '../../lib/grpc/edge/index.js';

const ATTEMPTS = 4;

export interface MarkerValue {
  incarnation: number;
}

export function livenessPrefix(cluster: string): string {
  return `${metaKey(cluster, 'registry', 'alive')}/`;
}

export function livenessKey(cluster: string, namespace: string, service: string, id: string): string {
  return metaKey(cluster, 'registry', 'alive', namespace, service, id);
}

export function markerIncarnation(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const n = (value as { incarnation?: unknown }).incarnation;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

export class LivenessMarkers {
  /** Marker key → the lease this replica last saw holding it. A cache: the store decides. */
  private readonly leases = new Map<string, { incarnation: number; leaseId: string }>();

  constructor(
    private readonly store: Store,
    private readonly call: StoreCall,
    private readonly cluster: string,
  ) {}

  keyOf(record: Pick<InstanceRecord, 'namespace' | 'service' | 'id'>): string {
    return livenessKey(this.cluster, record.namespace, record.service, record.id);
  }

  /** The lease a marker of TTL `ttlSeconds` hangs on (Register grants it with its other reads). */
  grant(ttlSeconds: number): Promise<LeaseGrant> {
    return this.call('grant liveness lease', () => this.store.grantLease(ttlSeconds));
  }

  /**
   * The write of a fresh marker for a new incarnation on `grant` (a lease of the record's TTL
   * from grant()), for Register to commit beside the record; then created() or abandoned().
   */
  createOp(record: InstanceRecord, grant: LeaseGrant): WriteOp {
    return { type: 'put', key: this.keyOf(record), value: { incarnation: record.incarnation } satisfies MarkerValue, lease: grant.id };
  }

  /** createOp() was committed: the marker's older lease, if this replica knew one, is let go. */
  created(record: InstanceRecord, grant: LeaseGrant): void {
    const key = this.keyOf(record);
    const old = this.leases.get(key);
    this.leases.set(key, { incarnation: record.incarnation, leaseId: grant.id });
    if (old && old.leaseId !== grant.id) this.revokeQuietly(old.leaseId);
  }

  /** createOp() was not committed: its lease is revoked. */
  abandoned(grant: LeaseGrant): void {
    this.revokeQuietly(grant.id);
  }

  /**
   * The write that removes `record`'s marker, for Deregister to commit with the deletion of the
   * record itself. Unconditional, yet it never removes a newer incarnation's marker: that one is
   * only written together with its record, so while the record's compare-and-delete holds, the
   * marker is this incarnation's (or a stale one). Then removed().
   */
  removeOp(record: Pick<InstanceRecord, 'namespace' | 'service' | 'id'>): WriteOp {
    return { type: 'delete', key: this.keyOf(record) };
  }

  /** removeOp() was committed: the marker's lease, when this replica knows it, is revoked (else it lapses). */
  removed(record: InstanceRecord): void {
    const key = this.keyOf(record);
    const cached = this.leases.get(key);
    this.leases.delete(key);
    if (cached?.incarnation === record.incarnation) this.revokeQuietly(cached.leaseId);
  }

  /** A heartbeat of `record`: renews its marker, or makes it again if it lapsed. */
  async renew(record: InstanceRecord): Promise<void> {
    const key = this.keyOf(record);
    const cached = this.leases.get(key);
    if (cached?.incarnation === record.incarnation && (await this.keepAlive(cached.leaseId))) return;
    for (let attempt = 1; ; attempt++) {
      const kv = await this.call('get liveness marker', () => this.store.get<unknown>(key));
      if (kv && markerIncarnation(kv.value) === record.incarnation && kv.lease !== undefined && (await this.keepAlive(kv.lease))) {
        this.leases.set(key, { incarnation: record.incarnation, leaseId: kv.lease });
        return;
      }
      const grant = await this.call('grant liveness lease', () => this.store.grantLease(record.ttlSeconds));
      try {
        await this.call('put liveness marker', () =>
          this.store.put(key, { incarnation: record.incarnation } satisfies MarkerValue, { expectedRevision: kv?.revision ?? 0, lease: grant.id }),
        );
        this.leases.set(key, { incarnation: record.incarnation, leaseId: grant.id });
        return;
      } catch (err) {
        this.revokeQuietly(grant.id);
        // Another replica made it first (or it lapsed in between): adopt what is there.
        if (err instanceof ConflictError && attempt < ATTEMPTS) continue;
        throw err;
      }
    }
  }

  /** Removes the marker of `record`'s incarnation (Deregister); a newer one is left alone. */
  async remove(record: InstanceRecord): Promise<void> {
    const key = this.keyOf(record);
    this.leases.delete(key);
    const kv = await this.call('get liveness marker', () => this.store.get<unknown>(key));
    if (!kv || markerIncarnation(kv.value) !== record.incarnation) return;
    await this.call('delete liveness marker', () => this.store.delete(key, { expectedRevision: kv.revision })).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err;
    });
    if (kv.lease !== undefined) this.revokeQuietly(kv.lease);
  }

  /** False when the lease is gone (the marker lapsed); other failures are thrown. */
  private async keepAlive(leaseId: string): Promise<boolean> {
    try {
      await this.call('keep liveness lease alive', () => this.store.keepAlive(leaseId));
      return true;
    } catch (err) {
      if (err instanceof LeaseNotFoundError || isPlexusError(err, 'NOT_FOUND')) return false;
      throw err;
    }
  }

  private revokeQuietly(leaseId: string): void {
    this.call('revoke liveness lease', () => this.store.revokeLease(leaseId)).catch(() => undefined);
  }
}
