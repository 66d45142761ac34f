// One active replica per peer link: the holder of a key under a store lease,
//   /plexus/v1/<cluster>/meta/federation/links/<peer>   {holder, since}
// created with compare-and-set (must not exist) on a lease of leaseTtlSeconds, renewed every
// TTL/3. Other replicas retry every TTL/2; when the holder dies its lease runs out and one of
// them takes over. A holder that fails to renew (the lease expired during a store outage)
// stands down at once: another replica may already hold the link.
import type { Logger } from 'pino';
import { isPlexusError } from '../../lib/errors.js';
import { metaKey } from '../../lib/store/keys.js';
import type { Store } from '../../lib/store/store.js';

export interface LinkLeaseOptions {
  store: Store;
  cluster: string;
  peer: string;
  holder: string;
  ttlSeconds: number;
  logger: Logger;
  /** Became the active replica for the link. */
  onAcquired(): void;
  /** Lost the link (lease expired or store unreachable for a TTL); stop acting for it. */
  onLost(): void;
}

export function linkLeaseKey(cluster: string, peer: string): string {
  return metaKey(cluster, 'federation', 'links', peer);
}

export class LinkLease {
  private timer: NodeJS.Timeout | undefined;
  private leaseId: string | undefined;
  private closed = false;
  private lastRenewed = 0;

  constructor(private readonly opts: LinkLeaseOptions) {}

  get held(): boolean {
    return this.leaseId !== undefined;
  }

  start(): void {
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const id = this.leaseId;
    this.leaseId = undefined;
    // Hand the link over at once instead of after a TTL.
    if (id) await this.opts.store.revokeLease(id).catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    const { store, ttlSeconds } = this.opts;
    if (this.leaseId) {
      try {
        await store.keepAlive(this.leaseId);
        this.lastRenewed = Date.now();
      } catch (err) {
        // A lost lease is final; a store hiccup is retried until a TTL has passed unrenewed.
        if (isPlexusError(err, 'NOT_FOUND') || Date.now() - this.lastRenewed >= ttlSeconds * 1000) this.lose(err);
      }
      this.schedule(this.leaseId ? (ttlSeconds * 1000) / 3 : (ttlSeconds * 1000) / 2);
      return;
    }
    await this.tryAcquire();
    this.schedule(this.leaseId ? (ttlSeconds * 1000) / 3 : (ttlSeconds * 1000) / 2);
  }

  private async tryAcquire(): Promise<void> {
    const { store, cluster, peer, holder, ttlSeconds, logger } = this.opts;
    let grant: { id: string } | undefined;
    try {
      grant = await store.grantLease(ttlSeconds);
      await store.put(linkLeaseKey(cluster, peer), { holder, since: new Date().toISOString() }, { expectedRevision: 0, lease: grant.id });
    } catch (err) {
      if (grant) await store.revokeLease(grant.id).catch(() => undefined);
      if (!isPlexusError(err, 'CONFLICT')) logger.warn({ err, peer }, 'federation: could not take the peer link lease; retrying');
      return;
    }
    if (this.closed) {
      await store.revokeLease(grant.id).catch(() => undefined);
      return;
    }
    this.leaseId = grant.id;
    this.lastRenewed = Date.now();
    logger.info({ peer }, 'federation: this replica is active for the peer link');
    this.opts.onAcquired();
  }

  private lose(err: unknown): void {
    this.opts.logger.warn({ err, peer: this.opts.peer }, 'federation: lost the peer link lease; standing down');
    this.leaseId = undefined;
    this.opts.onLost();
  }
}
