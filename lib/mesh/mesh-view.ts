// The mesh view: an in-memory copy of one cluster's instances and policies, and of the services
// it imported from federation peers (`imports/<peer>/...`, under the same prefix), as read from the
// store, independent of any wire format. Changes arrive from several paths (a listing, a store
// watch, bus events) in any order and any number of times; every path is applied by revision,
// so the result does not depend on which path delivered a change first:
//   - a put is applied when its revision is newer than what the view holds for the key (entry
//     or tombstone); a delete likewise;
//   - deletions announced on the bus may carry an upper bound of their revision (a writer that
//     cannot learn the exact one publishes the store's current revision), so their tombstones
//     are "soft": they hold off older bus events, but an ordered store source (watch, listing)
//     is not blocked by them — a re-creation in between would otherwise be hidden;
//   - `completeRevision` is the revision up to which the view is known to reflect the store
//     completely (a listing's revision, advanced by an ordered watch); anything at or below it
//     is already reflected and ignored, which also lets tombstones below it be forgotten.
// Each applied change bumps `gen` (a local, monotonic counter) and is reported to listeners.
import { importRecordSchema, type ImportRecord } from '../model/import-record.js';
import { resourceName } from './resources.js';
import { decodeInstance, type ViewInstance } from './instance-schema.js';
import { parseMeshKey, type MeshKey } from './mesh-keys.js';
import { SelfPreservation, type HeldInstance, type SelfPreservationOptions } from './self-preservation.js';

export interface PolicyCodec<P> {
  /**
   * Decode a stored policy document of `kind`. `target` is the `<namespace>/<service>` it
   * applies to, undefined for mesh-wide policies.
   */
  decode(
    ref: { kind: string; namespace: string; name: string },
    raw: unknown,
  ): { ok: true; value: P; target: string | undefined } | { ok: false; reason: string };
}

export interface ViewPolicy<P> {
  key: string;
  kind: string;
  namespace: string;
  name: string;
  target: string | undefined;
  value: P;
  revision: number;
}

export type ViewChange<P> =
  | {
      type: 'instance';
      key: string;
      /** `<namespace>/<service>` */
      service: string;
      before: ViewInstance | undefined;
      after: ViewInstance | undefined;
      revision: number;
      gen: number;
      /** performance.now() when the change reached this process. */
      at: number;
    }
  | {
      type: 'policy';
      key: string;
      kind: string;
      before: ViewPolicy<P> | undefined;
      after: ViewPolicy<P> | undefined;
      revision: number;
      gen: number;
      at: number;
    }
  | {
      /** A service's state imported from one federation peer. */
      type: 'import';
      key: string;
      /** `<namespace>/<service>` */
      service: string;
      before: ImportRecord | undefined;
      after: ImportRecord | undefined;
      revision: number;
      gen: number;
      at: number;
    };

export type ApplyOutcome = 'applied' | 'stale' | 'ignored' | 'invalid';

/** `store`: a listing or the store's own ordered watch; `bus`: an event. */
export type ChangeSource = 'store' | 'bus';

interface Entry<P> {
  mesh: MeshKey;
  revision: number;
  gen: number;
  instance?: ViewInstance;
  policy?: ViewPolicy<P>;
  imported?: ImportRecord;
}

export interface MeshViewOptions<P> {
  cluster: string;
  policyCodec: PolicyCodec<P>;
  /** Called for stored values the view cannot use (they are treated as absent). */
  onInvalid?: (key: string, reason: string) => void;
  /** Tombstones kept at most (only matters when no ordered source advances completeRevision). */
  maxTombstones?: number;
  /** Keep mass-expired instances, unconfirmed (self-preservation.ts). Off when absent. */
  selfPreservation?: SelfPreservationOptions;
  /** Self-preservation began holding an instance, or released one. */
  onPreservation?: (event: 'held' | 'released' | 'returned', held: HeldInstance, heldCount: number) => void;
}

export class MeshView<P = unknown> {
  readonly cluster: string;
  private readonly codec: PolicyCodec<P>;
  private readonly onInvalid: (key: string, reason: string) => void;
  private readonly maxTombstones: number;
  private readonly entries = new Map<string, Entry<P>>();
  /** key → revision/gen of its deletion, for keys deleted above completeRevision. */
  private readonly tombstones = new Map<string, { revision: number; gen: number; soft: boolean }>();
  private readonly byService = new Map<string, Map<string, ViewInstance>>();
  /** service → peer → what that peer exports of it */
  private readonly byImport = new Map<string, Map<string, ImportRecord>>();
  /** kind → target ('' for mesh-wide) → key → policy */
  private readonly byTarget = new Map<string, Map<string, Map<string, ViewPolicy<P>>>>();
  private readonly listeners = new Set<(change: ViewChange<P>) => void>();
  private genCounter = 0;
  private complete = 0;
  private highest = 0;
  /** Revision of the last complete listing (0 also for an empty store's listing). */
  private listed = 0;
  /** A complete listing has been applied — an empty store lists at revision 0, so not `listed > 0`. */
  private hasListed = false;
  private readonly preservation: SelfPreservation | undefined;
  private readonly onPreservation: NonNullable<MeshViewOptions<P>['onPreservation']>;

  constructor(opts: MeshViewOptions<P>) {
    this.preservation = opts.selfPreservation?.enabled ? new SelfPreservation(opts.selfPreservation) : undefined;
    this.onPreservation = opts.onPreservation ?? (() => undefined);
    this.cluster = opts.cluster;
    this.codec = opts.policyCodec;
    this.onInvalid = opts.onInvalid ?? (() => undefined);
    this.maxTombstones = opts.maxTombstones ?? 100_000;
  }

  get gen(): number {
    return this.genCounter;
  }
  /** Every store change at or below this revision is reflected. */
  get completeRevision(): number {
    return this.complete;
  }
  /** The highest revision the view has applied or been told about. */
  get revision(): number {
    return Math.max(this.highest, this.complete);
  }
  /** True once a full listing has been applied. */
  get initialized(): boolean {
    return this.hasListed;
  }
  get size(): number {
    return this.entries.size;
  }

  /** Instances kept by self-preservation although their record is gone. */
  get unconfirmedCount(): number {
    return this.preservation?.held.size ?? 0;
  }

  /** Whether `<ns>/<service>`'s instance `id` is kept by self-preservation (unconfirmed). */
  isUnconfirmed(service: string, id: string): boolean {
    if (!this.preservation?.active) return false;
    for (const h of this.preservation.held.values()) if (h.service === service && h.instance.id === id) return true;
    return false;
  }

  /** Release held instances whose grace ran out; call periodically. */
  sweepUnconfirmed(now = performance.now()): void {
    if (!this.preservation) return;
    for (const h of this.preservation.due(now)) {
      const gen = ++this.genCounter;
      const m = this.byService.get(h.service);
      if (m && m.get(h.instance.id) === h.instance) {
        m.delete(h.instance.id);
        if (m.size === 0) this.byService.delete(h.service);
      }
      this.onPreservation('released', h, this.preservation.held.size);
      const mesh = parseMeshKey(this.cluster, h.key);
      if (!mesh || mesh.kind !== 'instance') continue;
      for (const l of this.listeners) l({ type: 'instance', key: h.key, service: h.service, before: h.instance, after: undefined, revision: this.revision, gen, at: now });
    }
  }

  onChange(listener: (change: ViewChange<P>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------ applying changes

  /** A key was put at `revision`; `source` says whether the store itself or the bus said so. */
  put(key: string, raw: unknown, revision: number, source: ChangeSource, at = performance.now()): ApplyOutcome {
    const mesh = parseMeshKey(this.cluster, key);
    if (!mesh) return 'ignored';
    if (revision <= this.complete || revision <= this.knownRevision(key, source)) return 'stale';
    return this.set(key, mesh, raw, revision, source, at);
  }

  /** A key was deleted at `revision` (for the bus: at or before it). */
  delete(key: string, revision: number, source: ChangeSource, at = performance.now()): ApplyOutcome {
    const mesh = parseMeshKey(this.cluster, key);
    if (!mesh) return 'ignored';
    if (revision <= this.complete || revision <= this.knownRevision(key, source)) return 'stale';
    this.remove(key, revision, source, at);
    return 'applied';
  }

  /** An ordered source (a store watch) has delivered everything up to `revision`. */
  advanceComplete(revision: number): void {
    if (revision <= this.complete) return;
    this.complete = revision;
    this.pruneTombstones();
  }

  /**
   * Apply a complete listing taken at `listRevision`: keys listed with a newer revision than
   * the view's are put; keys the view holds at or below `listRevision` that the listing lacks
   * were deleted in the meantime. Changes newer than the listing (from events) are kept.
   * Returns how many keys were repaired (the view differed from the store).
   */
  reconcile(items: ReadonlyArray<{ key: string; value: unknown; revision: number }>, listRevision: number, at = performance.now()): number {
    let repaired = 0;
    const seen = new Set<string>();
    for (const item of items) {
      const mesh = parseMeshKey(this.cluster, item.key);
      if (!mesh) continue;
      seen.add(item.key);
      const entry = this.entries.get(item.key);
      if (entry && entry.revision >= item.revision) continue;
      // The listing is the truth at listRevision: only a deletion seen after it outranks it.
      const tomb = this.tombstones.get(item.key);
      if (tomb && tomb.revision > listRevision && tomb.revision >= item.revision) continue;
      const outcome = this.set(item.key, mesh, item.value, item.revision, 'store', at);
      if (outcome === 'applied' || outcome === 'invalid') repaired++;
    }
    for (const [key, entry] of [...this.entries]) {
      if (!seen.has(key) && entry.revision <= listRevision) {
        this.remove(key, listRevision, 'store', at);
        repaired++;
      }
    }
    this.listed = Math.max(this.listed, listRevision);
    this.hasListed = true;
    this.advanceComplete(listRevision);
    return repaired;
  }

  /**
   * The gen at which the view came to reflect `key` at `revision` or later, or undefined when
   * it does not yet. Used by rollout tracking: resources computed at or after that gen include
   * the change.
   */
  reflects(key: string, revision: number): number | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.revision >= revision) return entry.gen;
    const tomb = this.tombstones.get(key);
    if (tomb && tomb.revision >= revision) return tomb.gen;
    // The exact gen is forgotten (pruned or superseded): the current gen is a safe upper bound.
    if (this.complete >= revision) return this.genCounter;
    return undefined;
  }

  // ------------------------------------------------------------------ reading

  /** Instances of `<namespace>/<service>` (any health), by id. */
  instancesOf(service: string): ReadonlyMap<string, ViewInstance> {
    return this.byService.get(service) ?? EMPTY_MAP;
  }

  /** What federation peers export of `<namespace>/<service>`, by peer. */
  importsOf(service: string): ReadonlyMap<string, ImportRecord> {
    return this.byImport.get(service) ?? EMPTY_IMPORTS;
  }

  /** Policies of `kind` that target `service` (undefined: the mesh-wide ones), sorted by key. */
  policiesFor(kind: string, service: string | undefined): ViewPolicy<P>[] {
    const m = this.byTarget.get(kind)?.get(service ?? '');
    if (!m) return [];
    return [...m.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Every policy of `kind`. */
  policiesOfKind(kind: string): ViewPolicy<P>[] {
    const out: ViewPolicy<P>[] = [];
    for (const m of this.byTarget.get(kind)?.values() ?? []) out.push(...m.values());
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Services the mesh knows: those with at least one instance record (any health) or targeted
   * by a policy.
   */
  knownServices(): Set<string> {
    const out = new Set<string>([...this.byService.keys(), ...this.byImport.keys()]);
    for (const targets of this.byTarget.values()) {
      for (const target of targets.keys()) if (target !== '') out.add(target);
    }
    return out;
  }

  isKnown(service: string): boolean {
    if (this.byService.has(service) || this.byImport.has(service)) return true;
    for (const targets of this.byTarget.values()) if (targets.has(service)) return true;
    return false;
  }

  // ------------------------------------------------------------------ internals

  private knownRevision(key: string, source: ChangeSource): number {
    const tomb = this.tombstones.get(key);
    const tombRevision = tomb && (source === 'bus' || !tomb.soft) ? tomb.revision : 0;
    return Math.max(this.entries.get(key)?.revision ?? 0, tombRevision);
  }

  private set(key: string, mesh: MeshKey, raw: unknown, revision: number, source: ChangeSource, at: number): ApplyOutcome {
    this.highest = Math.max(this.highest, revision);
    const decoded = this.decode(key, mesh, raw, revision);
    if ('invalid' in decoded) {
      // An unusable value is treated as absent, at this revision.
      this.onInvalid(key, decoded.invalid);
      if (this.entries.has(key)) this.remove(key, revision, source, at);
      else this.tombstone(key, revision, this.genCounter, source);
      return 'invalid';
    }
    const prev = this.entries.get(key);
    const gen = ++this.genCounter;
    this.tombstones.delete(key);
    if (mesh.kind === 'instance' && this.preservation) {
      const held = this.preservation.held.get(key);
      if (this.preservation.written(key, performance.now()) && held) this.onPreservation('returned', held, this.preservation.held.size);
    }
    const entry: Entry<P> = { mesh, revision, gen, ...decoded };
    this.entries.set(key, entry);
    this.unindex(prev);
    this.index(entry);
    this.emit(key, prev, entry, revision, gen, at);
    return 'applied';
  }

  private remove(key: string, revision: number, source: ChangeSource, at: number): void {
    this.highest = Math.max(this.highest, revision);
    const prev = this.entries.get(key);
    const gen = prev ? ++this.genCounter : (this.tombstones.get(key)?.gen ?? this.genCounter);
    this.tombstone(key, revision, gen, source);
    if (!prev) return;
    this.entries.delete(key);
    const inst = prev.instance;
    if (inst && inst.deregistering !== true && this.preservation) {
      const svc = resourceName(inst.namespace, inst.service);
      let meshCount = 0;
      for (const m of this.byService.values()) meshCount += m.size;
      if (this.preservation.expired(key, svc, inst, performance.now(), this.byService.get(svc)?.size ?? 0, meshCount)) {
        // Kept in byService (served, unconfirmed); the change rebuilds its Endpoints.
        this.onPreservation('held', this.preservation.held.get(key)!, this.preservation.held.size);
        this.emit(key, prev, prev, revision, gen, at);
        return;
      }
    }
    this.unindex(prev);
    this.emit(key, prev, undefined, revision, gen, at);
  }

  private tombstone(key: string, revision: number, gen: number, source: ChangeSource): void {
    if (revision <= this.complete) {
      this.tombstones.delete(key);
      return;
    }
    this.tombstones.delete(key);
    this.tombstones.set(key, { revision, gen, soft: source === 'bus' });
    if (this.tombstones.size > this.maxTombstones) {
      const oldest = this.tombstones.keys().next();
      if (!oldest.done) this.tombstones.delete(oldest.value);
    }
  }

  private pruneTombstones(): void {
    for (const [key, t] of this.tombstones) if (t.revision <= this.complete) this.tombstones.delete(key);
  }

  private decode(
    key: string,
    mesh: MeshKey,
    raw: unknown,
    revision: number,
  ): Pick<Entry<P>, 'instance' | 'policy' | 'imported'> | { invalid: string } {
    if (mesh.kind === 'import') {
      const r = importRecordSchema.safeParse(raw);
      if (!r.success) return { invalid: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
      if (r.data.peer !== mesh.peer || r.data.namespace !== mesh.namespace || r.data.service !== mesh.service) {
        return { invalid: 'record peer/namespace/service do not match its key' };
      }
      return { imported: r.data };
    }
    if (mesh.kind === 'instance') {
      const r = decodeInstance(raw);
      if (!r.ok) return { invalid: r.reason };
      if (r.value.namespace !== mesh.namespace || r.value.service !== mesh.service || r.value.id !== mesh.id) {
        return { invalid: 'record namespace/service/id do not match its key' };
      }
      return { instance: r.value };
    }
    const r = this.codec.decode({ kind: mesh.policyKind, namespace: mesh.namespace, name: mesh.name }, raw);
    if (!r.ok) return { invalid: r.reason };
    return {
      policy: {
        key,
        kind: mesh.policyKind,
        namespace: mesh.namespace,
        name: mesh.name,
        target: r.target,
        value: r.value,
        revision,
      },
    };
  }

  private index(entry: Entry<P>): void {
    if (entry.imported) {
      const svc = resourceName(entry.imported.namespace, entry.imported.service);
      let m = this.byImport.get(svc);
      if (!m) this.byImport.set(svc, (m = new Map()));
      m.set(entry.imported.peer, entry.imported);
    } else if (entry.instance) {
      const svc = resourceName(entry.instance.namespace, entry.instance.service);
      let m = this.byService.get(svc);
      if (!m) this.byService.set(svc, (m = new Map()));
      m.set(entry.instance.id, entry.instance);
    } else if (entry.policy) {
      let targets = this.byTarget.get(entry.policy.kind);
      if (!targets) this.byTarget.set(entry.policy.kind, (targets = new Map()));
      const t = entry.policy.target ?? '';
      let m = targets.get(t);
      if (!m) targets.set(t, (m = new Map()));
      m.set(entry.policy.key, entry.policy);
    }
  }

  private unindex(entry: Entry<P> | undefined): void {
    if (!entry) return;
    if (entry.imported) {
      const svc = resourceName(entry.imported.namespace, entry.imported.service);
      const m = this.byImport.get(svc);
      m?.delete(entry.imported.peer);
      if (m && m.size === 0) this.byImport.delete(svc);
    } else if (entry.instance) {
      const svc = resourceName(entry.instance.namespace, entry.instance.service);
      const m = this.byService.get(svc);
      m?.delete(entry.instance.id);
      if (m && m.size === 0) this.byService.delete(svc);
    } else if (entry.policy) {
      const targets = this.byTarget.get(entry.policy.kind);
      const t = entry.policy.target ?? '';
      const m = targets?.get(t);
      m?.delete(entry.policy.key);
      if (m && m.size === 0) targets?.delete(t);
      if (targets && targets.size === 0) this.byTarget.delete(entry.policy.kind);
    }
  }

  private emit(key: string, prev: Entry<P> | undefined, next: Entry<P> | undefined, revision: number, gen: number, at: number): void {
    const mesh = (next ?? prev)?.mesh;
    if (!mesh) return;
    let change: ViewChange<P>;
    if (mesh.kind === 'import') {
      change = { type: 'import', key, service: resourceName(mesh.namespace, mesh.service), before: prev?.imported, after: next?.imported, revision, gen, at };
    } else if (mesh.kind === 'instance') {
      change = {
        type: 'instance',
        key,
        service: resourceName(mesh.namespace, mesh.service),
        before: prev?.instance,
        after: next?.instance,
        revision,
        gen,
        at,
      };
    } else {
      change = { type: 'policy', key, kind: mesh.policyKind, before: prev?.policy, after: next?.policy, revision, gen, at };
    }
    for (const l of this.listeners) l(change);
  }
}

const EMPTY_MAP: ReadonlyMap<string, ViewInstance> = new Map();
const EMPTY_IMPORTS: ReadonlyMap<string, ImportRecord> = new Map();
