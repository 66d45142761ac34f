// What every identity replica must agree on, held in memory from the store: the trust bundle
// (roots and intermediates), the join-token verifying keys and the revoked token ids.
// The store is the truth: list, then watch from the listing's revision; lost history means
// re-list. NATS `identity.token-revoked` events are the fast path (a replica learns of a
// revocation before its watch delivers it), `identity.>` gaps trigger a re-list, and a
// periodic pass re-lists anyway and prunes revocations of tokens that have expired.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { EventBus, Subscription } from '../bus/index.js';
import type { Store, Watch, WatchEvent } from '../store/store.js';
import { type CryptoKey } from './crypto.js';
import { importPublicJwk } from './join-tokens.js';
import { identityPrefix, parseIdentityKey } from './keys.js';
import type { JWK } from 'jose';

export interface CertRecord {
  pem: string;
  cluster?: string;
}
export interface TokenKeyRecord {
  jwk: JWK;
  createdAt: string;
}
export interface RevokedRecord {
  revokedAt: string;
  /** When the token would have expired anyway: the record may be pruned after that. */
  expiresAt: string;
  by: string;
}

export interface TrustBundleView {
  roots: string[];
  intermediates: string[];
  revision: number;
}

export interface TrustStateOptions {
  cluster: string;
  store: Store;
  bus: EventBus;
  logger: Logger;
  /** Anti-entropy re-list period (default 30 s). */
  resyncMs?: number;
}

/** Emits 'bundle' (TrustBundleView) whenever roots or intermediates change, 'revoked' (jti). */
export class TrustState extends EventEmitter {
  private roots = new Map<string, string>();
  private intermediates = new Map<string, string>();
  private tokenKeys = new Map<string, JWK>();
  private readonly keyCache = new Map<string, CryptoKey>();
  private revoked = new Map<string, number>();
  private revision = 0;
  private watch: Watch | undefined;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private relisting: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: TrustStateOptions) {
    super();
    this.logger = options.logger.child({ component: 'trust-state' });
  }

  async start(): Promise<void> {
    this.sub = await this.options.bus.subscribe('identity.>', {
      onEvent: (env) => {
        const data = env.data as { jti?: unknown; expiresAt?: unknown } | null;
        if (env.type.endsWith('identity.token-revoked') && typeof data?.jti === 'string') {
          this.markRevoked(data.jti, typeof data.expiresAt === 'string' ? Date.parse(data.expiresAt) : Date.now() + 86_400_000);
        } else if (env.revision > this.revision) {
          this.scheduleRelist('bundle-changed event');
        }
      },
      onGap: (reason) => this.scheduleRelist(`bus gap: ${reason}`),
    });
    await this.relist();
    this.timer = setInterval(() => this.scheduleRelist('periodic'), this.options.resyncMs ?? 30_000);
    this.timer.unref();
  }

  bundle(): TrustBundleView {
    return { roots: [...this.roots.values()], intermediates: [...this.intermediates.values()], revision: this.revision };
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  get revokedCount(): number {
    return this.revoked.size;
  }

  /** The verifying key for `kid`; asks the store when not yet seen (a token minted a moment ago elsewhere). */
  async keyFor(kid: string): Promise<CryptoKey | undefined> {
    const cached = this.keyCache.get(kid);
    if (cached) return cached;
    let jwk = this.tokenKeys.get(kid);
    if (!jwk && /^[0-9a-f]{64}$/.test(kid)) {
      const kv = await this.options.store.get<TokenKeyRecord>(`${identityPrefix(this.options.cluster, 'token-keys')}${kid}`);
      jwk = kv?.value.jwk;
    }
    if (!jwk) return undefined;
    try {
      const key = await importPublicJwk(jwk);
      this.keyCache.set(kid, key);
      return key;
    } catch (err) {
      this.logger.warn({ err, kid }, 'unusable token key in the store');
      return undefined;
    }
  }

  /** Local fast path (the revoking replica, NATS events): effective before the store watch says so. */
  markRevoked(jti: string, expiresAt: number): void {
    if (this.revoked.has(jti)) return;
    this.revoked.set(jti, expiresAt);
    this.emit('revoked', jti);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.sub?.close();
    await this.watch?.close();
  }

  private scheduleRelist(reason: string): void {
    if (this.closed || this.relisting) return;
    this.logger.debug({ reason }, 're-listing identity state');
    this.relist().catch((err: unknown) => {
      this.logger.warn({ err, reason }, 'identity re-list failed; retrying');
      setTimeout(() => this.scheduleRelist('retry'), 1000).unref();
    });
  }

  private relist(): Promise<void> {
    this.relisting ??= this.doRelist().finally(() => {
      this.relisting = undefined;
    });
    return this.relisting;
  }

  private async doRelist(): Promise<void> {
    const { store, cluster } = this.options;
    const listing = await store.list(identityPrefix(cluster));
    const before = this.bundleKey();
    this.roots = new Map();
    this.intermediates = new Map();
    this.tokenKeys = new Map();
    const revoked = new Map<string, number>();
    for (const kv of listing.items) this.apply({ type: 'put', key: kv.key, value: kv.value, revision: kv.revision, createRevision: kv.createRevision }, revoked);
    // Keep fast-path revocations the store does not show yet (written a moment ago elsewhere).
    for (const [jti, exp] of this.revoked) if (!revoked.has(jti)) revoked.set(jti, exp);
    this.revoked = revoked;
    for (const jti of revoked.keys()) this.emit('revoked', jti);
    this.revision = listing.revision;
    await this.pruneExpiredRevocations(listing.items);
    await this.watch?.close();
    if (this.closed) return;
    this.watch = await store.watch(identityPrefix(cluster), listing.revision + 1, {
      onEvents: (events) => {
        const before2 = this.bundleKey();
        for (const e of events) this.apply(e, this.revoked);
        this.revision = Math.max(this.revision, ...events.map((e) => e.revision));
        if (this.bundleKey() !== before2) this.emit('bundle', this.bundle());
      },
      onResync: (reason) => this.scheduleRelist(`watch: ${reason}`),
    });
    if (this.bundleKey() !== before) this.emit('bundle', this.bundle());
  }

  private apply(e: WatchEvent, revoked: Map<string, number>): void {
    const parsed = parseIdentityKey(this.options.cluster, e.key);
    if (!parsed) return;
    const { section, name } = parsed;
    if (e.type === 'delete') {
      if (section === 'roots') this.roots.delete(name);
      else if (section === 'intermediates') this.intermediates.delete(name);
      else if (section === 'token-keys') this.tokenKeys.delete(name);
      // A pruned revocation stays in memory until its token has expired anyway.
      return;
    }
    const value = e.value as Partial<CertRecord & TokenKeyRecord & RevokedRecord> | null;
    if (section === 'roots' && typeof value?.pem === 'string') this.roots.set(name, value.pem);
    else if (section === 'intermediates' && typeof value?.pem === 'string') this.intermediates.set(name, value.pem);
    else if (section === 'token-keys' && value?.jwk) this.tokenKeys.set(name, value.jwk);
    else if (section === 'revoked') {
      const exp = typeof value?.expiresAt === 'string' ? Date.parse(value.expiresAt) : NaN;
      if (!revoked.has(name)) {
        revoked.set(name, Number.isFinite(exp) ? exp : Date.now() + 86_400_000);
        if (revoked === this.revoked) this.emit('revoked', name);
      }
    }
  }

  private async pruneExpiredRevocations(items: Array<{ key: string; value: unknown; revision: number }>): Promise<void> {
    const now = Date.now();
    for (const [jti, exp] of this.revoked) if (exp + 300_000 < now) this.revoked.delete(jti);
    for (const kv of items) {
      const parsed = parseIdentityKey(this.options.cluster, kv.key);
      const exp = Date.parse((kv.value as Partial<RevokedRecord> | null)?.expiresAt ?? '');
      if (parsed?.section !== 'revoked' || !(exp + 300_000 < now)) continue;
      await this.options.store.delete(kv.key, { expectedRevision: kv.revision }).catch(() => undefined);
    }
  }

  private bundleKey(): string {
    return [...[...this.roots.keys()].sort(), '|', ...[...this.intermediates.keys()].sort()].join(',');
  }
}
