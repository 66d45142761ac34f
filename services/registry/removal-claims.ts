// Turning deletions of instance keys into exactly one `expired` or `deregistered` event, however
// many replicas watch. Every replica sees every deletion; each tries to create the claim key
//   /plexus/v1/<cluster>/meta/expiry-claims/<namespace>/<service>/<id>/<incarnation>
// with compare-and-set "must not exist", and only the one that creates it publishes. An
// incarnation is deleted at most once (a new registration gets a new incarnation), so the key
// names the deletion exactly, also for a replica that only notices it by re-listing.
// Graceful Deregister marks the record `deregistering` before deleting it, so the winner knows
// which event it is. Claims live under a shared lease that is rotated, so they disappear
// between claimTtl/2 and claimTtl after they were made.
import type { Logger } from 'pino';
import { ConflictError, isPlexusError, LeaseNotFoundError } from '../../lib/errors.js';
import { instanceSubject } from '../../lib/model/instance.js';
import { metaKey } from '../../lib/store/keys.js';
import type { Store } from '../../lib/store/store.js';
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

export class RemovalClaims {
  private lease: { id: string; grantedAt: number } | undefined;
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

  private async process({ key, prev, revision, via }: Removal): Promise<void> {
    const { logger } = this.opts;
    if (!prev) {
      // Created and deleted while this replica was not watching: no record to announce.
      logger.debug({ key, revision }, 'instance removed before this replica saw it; nothing to announce');
      return;
    }
    const reason = prev.deregistering === true ? 'deregistered' : 'expired';
    const claim = metaKey(this.opts.cluster, 'expiry-claims', prev.namespace, prev.service, prev.id, String(prev.incarnation));
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
    const subject = instanceSubject(prev.namespace, prev.service, prev.id);
    if (reason === 'expired') {
      registryMetrics.expirations.inc();
      logger.info({ instance: subject, incarnation: prev.incarnation, revision, via }, 'instance expired');
    } else {
      logger.info({ instance: subject, incarnation: prev.incarnation, revision, via }, 'instance deregistered');
    }
    await this.opts.events.publish(reason === 'expired' ? 'instance.expired' : 'instance.deregistered', prev, revision);
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
