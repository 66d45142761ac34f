// Turning deletions of instance keys into exactly one `expired` or `deregistered` event, however
// many replicas watch. Every replica sees every deletion; each tries to create the claim key
//   /plexus/v1/<cluster>/meta/expiry-claims/<namespace>/<service>/<id>.<incarnation>
// with compare-and-set "must not exist", and only the one that creates it publishes. An
// incarnation is deleted at most once (a new registration gets a new incarnation), so the key
// names the deletion exactly, also for a replica that only notices it by re-listing.
// Graceful Deregister marks the record `deregistering` before deleting it, so the winner knows
// which event it is. Claims live under a shared lease that is rotated, so they disappear
// between claimTtl/2 and claimTtl after they were made.
// A replica's own Deregister writes the claim in the very commit that deletes the record
// (deregistrationClaim), so the deletion and its claim are one: that replica announces it when
// the commit returns, and its watch skips the removal instead of trying a claim it already
// holds. Every other replica still tries its claim and finds it taken (its answer never
// depends on timing: a claim key exists at most once per incarnation).
import type { Logger } from 'pino';
import { ConflictError, isPlexusError, LeaseNotFoundError } from '../../lib/errors.js';
import { instanceSubject } from '../../lib/model/instance.js';
import { metaKey } from '../../lib/store/keys.js';
import type { InstanceRecord } from '../../lib/model/instance.js';
import type { Store, WriteOp } from '../../lib/store/store.js';
import { Backoff, sleep } from '../../lib/registry-client/backoff.js';
import type { InstanceEvents } from './events.js';
import type { Removal } from './instance-view.js';
import { registryMetrics } from './metrics.js';
import type { StoreCall } from '../../lib/grpc/edge/index.js';

const MAX_ATTEMPTS = 8;

export interface RemovalClaimsOptions {
  store: Store;
  call: StoreCall;
  cluster: string;
  replica: string;
  claimTtlSeconds: number;
  events: InstanceEvents;
  logger: Logger;
}

/** A claim written by this replica's Deregister together with the deletion (deregistrationClaim). */
export interface OwnClaim {
  /** The put of the claim key (compare-and-set "must not exist"), for the deletion's commit. */
  op: WriteOp;
  /** The commit went through (true: `announce` follows) or not (false). */
  settle(committed: boolean): void;
}

export class RemovalClaims {
  private lease: { id: string; grantedAt: number } | undefined;
  /** Claim key → whether this replica's commit carrying it went through (pending until it settles). */
  private readonly own = new Map<string, { outcome: Promise<boolean>; at: number }>();
  private granting: Promise<string> | undefined;
  private readonly pending = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly opts: RemovalClaimsOptions) {}

  /** Handles one removal in the background (the watch callback must not wait). */
  handle(removal: Removal): void {
    const p = this.process(removal).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves when every removal handed in so far has been claimed or given up. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.idle();
  }

  /**
   * The claim of `marked`'s deregistration (the record marked `deregistering`), for the commit
   * that deletes it. Call settle() with the commit's outcome, then announce() when committed.
   */
  async deregistrationClaim(marked: InstanceRecord): Promise<OwnClaim> {
    const key = this.claimKey(marked);
    const lease = await this.claimLease();
    this.forgetOldClaims();
    let settle!: (committed: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (settle = resolve));
    this.own.set(key, { outcome, at: Date.now() });
    return {
      op: { type: 'put', key, value: { reason: 'deregistered', replica: this.opts.replica, at: new Date().toISOString() }, expectedRevision: 0, lease },
      settle: (committed) => {
        settle(committed);
        if (!committed) this.own.delete(key);
      },
    };
  }

  /** The claims lease was refused as gone (a commit carrying a claim said so): grant anew next time. */
  leaseLost(): void {
    this.lease = undefined;
  }

  /** Logs and publishes the removal this replica claimed. */
  async announce(prev: InstanceRecord, reason: 'deregistered' | 'expired', revision: number, via: string): Promise<void> {
    const subject = instanceSubject(prev.namespace, prev.service, prev.id);
    if (reason === 'expired') {
      registryMetrics.expirations.inc();
      this.opts.logger.info({ instance: subject, incarnation: prev.incarnation, revision, via }, 'instance expired');
    } else {
      this.opts.logger.info({ instance: subject, incarnation: prev.incarnation, revision, via }, 'instance deregistered');
    }
    await this.opts.events.publish(reason === 'expired' ? 'instance.expired' : 'instance.deregistered', prev, revision);
  }

  /**
   * An own claim is forgotten when the watch delivers its removal (process), or after the claim
   * TTL when it never does (the view did not hold the record): by then the store dropped the
   * claim key too. Entries are in insertion order, so the old ones are at the head.
   */
  private forgetOldClaims(): void {
    const before = Date.now() - this.opts.claimTtlSeconds * 1000;
    for (const [key, { at }] of this.own) {
      if (at >= before) return;
      this.own.delete(key);
    }
  }

  /**
   * `<id>.<incarnation>` in one segment (unique: an incarnation has no dot), so the key's parent
   * is per service: on ZooKeeper a per-id parent had to be created for every claim, which
   * failed the whole commit carrying it once (NO_NODE) before it could be retried.
   */
  private claimKey(prev: Pick<InstanceRecord, 'namespace' | 'service' | 'id' | 'incarnation'>): string {
    return metaKey(this.opts.cluster, 'expiry-claims', prev.namespace, prev.service, `${prev.id}.${prev.incarnation}`);
  }

  private async process({ key, prev, revision, via }: Removal): Promise<void> {
    const { logger } = this.opts;
    if (!prev) {
      // Created and deleted while this replica was not watching: no record to announce.
      logger.debug({ key, revision }, 'instance removed before this replica saw it; nothing to announce');
      return;
    }
    const reason = prev.deregistering === true ? 'deregistered' : 'expired';
    const claim = this.claimKey(prev);
    // This replica's own Deregister holds the claim (it announces): nothing to do. Its commit
    // may not have answered yet; if it failed, the removal came from elsewhere and is claimed here.
    const own = this.own.get(claim);
    if (own) {
      this.own.delete(claim);
      if (await own.outcome) return;
    }
    const backoff = new Backoff({ initialMs: 100, maxMs: 3000 });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.claim(claim, { reason, replica: this.opts.replica, revision, at: new Date().toISOString() });
        break;
      } catch (err) {
        if (err instanceof ConflictError) return; // another replica announces it
        if (attempt >= MAX_ATTEMPTS || this.abort.signal.aborted) {
          logger.error({ err, key, incarnation: prev.incarnation, reason }, 'could not claim an instance removal; its event is not published');
          return;
        }
        await sleep(backoff.next(), this.abort.signal);
      }
    }
    await this.announce(prev, reason, revision, via);
  }

  private async claim(key: string, value: unknown): Promise<void> {
    const { store, call } = this.opts;
    const lease = await this.claimLease();
    try {
      await call('claim removal', () => store.put(key, value, { expectedRevision: 0, lease }));
    } catch (err) {
      if (err instanceof LeaseNotFoundError || isPlexusError(err, 'NOT_FOUND')) {
        this.lease = undefined; // expired early (store restart); the retry grants a new one
      }
      throw err;
    }
  }

  /** The current claims lease, rotated once it is half-way to expiry. */
  private async claimLease(): Promise<string> {
    const ttl = this.opts.claimTtlSeconds;
    if (this.lease && Date.now() - this.lease.grantedAt < (ttl * 1000) / 2) return this.lease.id;
    this.granting ??= (async () => {
      try {
        const grantedAt = Date.now();
        const grant = await this.opts.call('grant claims lease', () => this.opts.store.grantLease(ttl));
        this.lease = { id: grant.id, grantedAt };
        return grant.id;
      } finally {
        this.granting = undefined;
      }
    })();
    return this.granting;
  }
}
