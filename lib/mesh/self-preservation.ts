// Self-preservation (DESIGN.md "Lifecycles"): liveness is judged only by a healthy control plane.
// When more than a threshold share of one service's instances, or of the whole mesh's, expire
// within one window without deregistering, the expiries are far more likely an outage of the
// registry tier or the store (nobody renewed the leases) than that many proxies dying at once.
// The view then keeps those instances, marked unconfirmed, instead of dropping them: proxies
// prefer confirmed endpoints and fall back to unconfirmed ones before failing.
//
// It ends by itself: a held instance is released when it registers again (it was alive), or
// once `graceMs` has passed since the registry showed it is back (the view saw an instance
// registered or updated after the hold began) without it coming back: that proxy died. While the
// registry stays down nothing is released, however long that lasts.
import type { ViewInstance } from './instance-schema.js';

export interface SelfPreservationOptions {
  enabled: boolean;
  /** Expiries are counted over this window (one TTL). */
  windowMs: number;
  /** Hold when more than this share of a service's instances expired within the window. */
  serviceShare: number;
  /** Hold when more than this share of the mesh's instances expired within the window. */
  meshShare: number;
  /** After the registry is seen back, held instances that did not return are released after this. */
  graceMs: number;
}

export const DEFAULT_SELF_PRESERVATION: SelfPreservationOptions = {
  enabled: true,
  windowMs: 15_000,
  serviceShare: 0.5,
  meshShare: 0.3,
  graceMs: 30_000,
};

export interface HeldInstance {
  key: string;
  service: string;
  instance: ViewInstance;
  since: number;
}

/** The bookkeeping; MeshView asks it on every expiry and registration. */
export class SelfPreservation {
  private readonly expiries: Array<{ at: number; service: string }> = [];
  readonly held = new Map<string, HeldInstance>();
  /** When the registry was last seen writing an instance while instances were held. */
  private registryBackAt: number | undefined;

  constructor(readonly opts: SelfPreservationOptions) {}

  get active(): boolean {
    return this.held.size > 0;
  }

  /**
   * An instance record disappeared without deregistering. Returns true when the view should
   * keep it, unconfirmed. `counts` are the current instances (before this removal).
   */
  expired(key: string, service: string, instance: ViewInstance, now: number, serviceCount: number, meshCount: number): boolean {
    if (!this.opts.enabled) return false;
    this.prune(now);
    this.expiries.push({ at: now, service });
    const inService = this.expiries.filter((e) => e.service === service).length;
    const heldInService = [...this.held.values()].filter((h) => h.service === service).length;
    // Shares of what there was when the window began: the counts (which include this instance
    // and the held ones) plus the earlier expiries in the window that were not held.
    const serviceShare = inService / Math.max(1, serviceCount + (inService - 1 - heldInService));
    const meshShare = this.expiries.length / Math.max(1, meshCount + (this.expiries.length - 1 - this.held.size));
    const hold = this.active || serviceShare > this.opts.serviceShare || meshShare > this.opts.meshShare;
    if (hold) {
      this.held.set(key, { key, service, instance, since: now });
      this.registryBackAt = undefined;
    }
    return hold;
  }

  /** An instance was written (registered, re-registered or updated): the registry works. */
  written(key: string, now: number): boolean {
    const wasHeld = this.held.delete(key);
    if (this.held.size > 0 && this.registryBackAt === undefined) this.registryBackAt = now;
    return wasHeld;
  }

  /** Held instances to release now (their grace ran out after the registry came back). */
  due(now: number): HeldInstance[] {
    if (this.registryBackAt === undefined || now - this.registryBackAt < this.opts.graceMs) return [];
    const out = [...this.held.values()].filter((h) => h.since <= this.registryBackAt!);
    for (const h of out) this.held.delete(h.key);
    if (this.held.size === 0) this.registryBackAt = undefined;
    return out;
  }

  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  private prune(now: number): void {
    while (this.expiries.length > 0 && now - this.expiries[0]!.at > this.opts.windowMs) this.expiries.shift();
  }
}
