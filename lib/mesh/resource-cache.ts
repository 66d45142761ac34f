// What to serve: every resource (Service, Endpoints, Inbound per known service) computed from
// the mesh view, with content versions and a short version history. How it is streamed lives
// elsewhere (services/config-push); this cache knows nothing about proxies or gRPC.
//
// View changes mark resources dirty; a debounce (quiet period, bounded by a maximum delay)
// coalesces bursts into few recomputations, while an isolated change is computed at once. A recomputation whose content hashes to the current
// version changes nothing and notifies no one.
//
// Generations: the view numbers its changes (`gen`); after a recomputation `computedGen` is the
// view gen the resources reflect. For each retained version the cache remembers the last
// computedGen at which it was current, so "does version v include the change applied at gen g"
// is `lastCurrentGen(v) >= g` — what rollout tracking asks.
import { encodeResource, RESOURCE_TYPES, type ResourceBodies, type ResourceType } from './resources.js';
import type { MeshView, ViewChange } from './mesh-view.js';

export interface ResourceBuilder<P> {
  /** The body of `type` for service `name`, or undefined when the resource does not exist. */
  build<T extends ResourceType>(type: T, name: string, view: MeshView<P>): ResourceBodies[T] | undefined;
  /**
   * Resources a view change may affect: named ones, every resource of some types (a mesh-wide
   * policy: `{ all: [its types] }`), or 'all' = every resource of every type.
   */
  affected(change: ViewChange<P>): Array<{ type: ResourceType; name: string }> | { all: readonly ResourceType[] } | 'all';
}

export interface CachedResource {
  type: ResourceType;
  name: string;
  version: string;
  /** Canonical JSON bytes of the body. */
  body: Buffer;
  /** performance.now() of the earliest view change that led to this version. */
  changedAt: number;
  /** computedGen at which this version became current. */
  sinceGen: number;
}

export interface ResourceChange {
  type: ResourceType;
  name: string;
  /** The new current resource; undefined when it was removed. */
  resource: CachedResource | undefined;
  changedAt: number;
}

interface VersionRecord {
  version: string;
  body: Buffer;
  /** Infinity while current. */
  lastCurrentGen: number;
}

export interface ResourceCacheOptions<P> {
  view: MeshView<P>;
  builder: ResourceBuilder<P>;
  /** Quiet period that ends a burst. 0 = recompute on the next tick. */
  debounceMs: number;
  /** Upper bound on how long a change waits, however long the burst lasts. */
  maxDelayMs: number;
  /** Versions kept per resource (current included) for status and rollout questions. */
  historyDepth?: number;
  onError?: (err: unknown, type: ResourceType, name: string) => void;
}

export class ResourceCache<P = unknown> {
  private readonly view: MeshView<P>;
  private readonly builder: ResourceBuilder<P>;
  private readonly opts: ResourceCacheOptions<P>;
  private readonly current = new Map<ResourceType, Map<string, CachedResource>>();
  private readonly history = new Map<ResourceType, Map<string, VersionRecord[]>>();
  private readonly listeners = new Set<(changes: ResourceChange[], computedGen: number) => void>();
  private readonly genWaiters: Array<{ gen: number; resolve: () => void }> = [];
  /** `${type} ${name}` → earliest change time. */
  private dirty = new Map<string, number>();
  /** Types whose every resource is dirty → earliest change time (a mesh-wide change). */
  private dirtyAll = new Map<ResourceType, number>();
  private firstDirtyAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The pending timer is a leading-edge one (fires on the next tick; not postponed). */
  private leading = false;
  private lastFlushAt = -Infinity;
  private computed = 0;
  private unsubscribe: () => void;
  private closed = false;

  constructor(opts: ResourceCacheOptions<P>) {
    this.opts = opts;
    this.view = opts.view;
    this.builder = opts.builder;
    for (const t of RESOURCE_TYPES) {
      this.current.set(t, new Map());
      this.history.set(t, new Map());
    }
    this.unsubscribe = this.view.onChange((c) => this.onViewChange(c));
  }

  /** The view gen the current resources reflect. */
  get computedGen(): number {
    return this.computed;
  }

  /** Resources waiting for recomputation. */
  get dirtyCount(): number {
    return this.dirty.size + this.dirtyAll.size;
  }

  onChanges(listener: (changes: ResourceChange[], computedGen: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(type: ResourceType, name: string): CachedResource | undefined {
    return this.current.get(type)?.get(name);
  }

  names(type: ResourceType): IterableIterator<string> {
    return this.mapOf(type).keys();
  }

  count(type: ResourceType): number {
    return this.mapOf(type).size;
  }

  /**
   * The last computedGen at which `version` was the current version of the resource: Infinity
   * if it is current, undefined if the cache does not remember it.
   */
  lastCurrentGen(type: ResourceType, name: string, version: string): number | undefined {
    return this.history.get(type)?.get(name)?.find((r) => r.version === version)?.lastCurrentGen;
  }

  /** The body of a remembered version. */
  bodyOf(type: ResourceType, name: string, version: string): Buffer | undefined {
    return this.history.get(type)?.get(name)?.find((r) => r.version === version)?.body;
  }

  /** Resolves once the cache reflects view gen `gen` (immediately if it already does). */
  whenComputed(gen: number): Promise<void> {
    if (this.computed >= gen) return Promise.resolve();
    return new Promise((resolve) => this.genWaiters.push({ gen, resolve }));
  }

  /** Compute everything from the view now (start-up, and after a listing when desired). */
  rebuildAll(): void {
    const now = performance.now();
    for (const t of RESOURCE_TYPES) this.dirtyAll.set(t, this.dirtyAll.get(t) ?? now);
    this.flush();
  }

  /** Recompute dirty resources now instead of waiting for the debounce. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.leading = false;
    }
    if (this.closed) return;
    this.lastFlushAt = performance.now();
    const gen = this.view.gen;
    const dirty = this.dirty;
    this.dirty = new Map();
    const all = this.dirtyAll;
    this.dirtyAll = new Map();
    const changes: ResourceChange[] = [];
    const known = this.view.knownServices();
    for (const type of RESOURCE_TYPES) {
      const since = all.get(type);
      if (since === undefined) continue;
      const names = new Set<string>(known);
      for (const n of this.mapOf(type).keys()) names.add(n);
      for (const name of names) {
        const key = `${type} ${name}`;
        const at = Math.min(since, dirty.get(key) ?? Infinity);
        dirty.delete(key);
        this.recompute(type, name, known, at, changes);
      }
    }
    for (const [key, at] of dirty) {
      const sep = key.indexOf(' ');
      this.recompute(key.slice(0, sep) as ResourceType, key.slice(sep + 1), known, at, changes);
    }
    // Versions replaced in this pass were current up to the previous computedGen.
    this.computed = gen;
    for (const c of changes) if (c.resource) c.resource.sinceGen = gen;
    if (changes.length > 0) for (const l of this.listeners) l(changes, gen);
    for (let i = this.genWaiters.length - 1; i >= 0; i--) {
      const w = this.genWaiters[i]!;
      if (w.gen <= gen) {
        this.genWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // ------------------------------------------------------------------ internals

  private mapOf(type: ResourceType): Map<string, CachedResource> {
    return this.current.get(type)!;
  }

  private onViewChange(change: ViewChange<P>): void {
    const affected = this.builder.affected(change);
    if (affected === 'all' || 'all' in affected) {
      for (const t of affected === 'all' ? RESOURCE_TYPES : affected.all) this.dirtyAll.set(t, Math.min(this.dirtyAll.get(t) ?? Infinity, change.at));
    } else {
      for (const { type, name } of affected) {
        const key = `${type} ${name}`;
        this.dirty.set(key, Math.min(this.dirty.get(key) ?? Infinity, change.at));
      }
    }
    this.schedule();
  }

  /**
   * Leading edge: the first change after a quiet period is computed on the next tick (changes
   * of the same tick join it), so an isolated change pays no debounce. Changes that follow
   * within `debounceMs` of a recomputation are coalesced: changes of single services (instance
   * churn, a service's policy) are computed `debounceMs` after the first of them however many
   * follow — under continuous churn every change waits at most `debounceMs`, not `maxDelayMs`;
   * a mesh-wide change (everything to recompute) waits for `debounceMs` of quiet, or
   * `maxDelayMs` after the first change.
   */
  private schedule(): void {
    if (this.closed || this.leading) return;
    const now = performance.now();
    if (!this.timer) {
      this.firstDirtyAt = now;
      if (now - this.lastFlushAt >= this.opts.debounceMs) {
        this.leading = true;
        this.timer = setTimeout(() => this.fire(), 0);
        return;
      }
    } else {
      if (this.dirtyAll.size === 0) return;
      clearTimeout(this.timer);
    }
    const wait = Math.max(0, Math.min(this.opts.debounceMs, this.firstDirtyAt + this.opts.maxDelayMs - now));
    this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = undefined;
    this.leading = false;
    this.flush();
  }

  private recompute(type: ResourceType, name: string, known: Set<string>, at: number, out: ResourceChange[]): void {
    const map = this.mapOf(type);
    const prev = map.get(name);
    let body: ResourceBodies[ResourceType] | undefined;
    try {
      body = known.has(name) ? this.builder.build(type, name, this.view) : undefined;
    } catch (err) {
      // A builder bug must not take the others down: keep serving the previous version.
      this.opts.onError?.(err, type, name);
      return;
    }
    const hist = this.history.get(type)!;
    if (body === undefined) {
      if (!prev) return;
      map.delete(name);
      hist.delete(name);
      out.push({ type, name, resource: undefined, changedAt: at });
      return;
    }
    const encoded = encodeResource(body);
    if (prev && prev.version === encoded.version) return;
    const res: CachedResource = { type, name, version: encoded.version, body: encoded.body, changedAt: at, sinceGen: 0 };
    map.set(name, res);
    let records = hist.get(name);
    if (!records) hist.set(name, (records = []));
    for (const r of records) if (r.lastCurrentGen === Infinity) r.lastCurrentGen = this.computed;
    const again = records.findIndex((r) => r.version === encoded.version);
    if (again >= 0) records.splice(again, 1);
    records.push({ version: encoded.version, body: encoded.body, lastCurrentGen: Infinity });
    const depth = this.opts.historyDepth ?? 4;
    if (records.length > depth) records.splice(0, records.length - depth);
    out.push({ type, name, resource: res, changedAt: at });
  }
}
