// Status of connected proxies, as the Status API reports it: per type the subscriptions, what
// the proxy acknowledged (and a digest of it), what is in flight or queued, and the last NACK.
import { canonicalJson, contentVersion } from '../../lib/mesh/canonical-json.js';
import { RESOURCE_TYPES, type ResourceType } from '../../lib/mesh/resources.js';
import type { ProxyInfo } from '../../lib/proto/gen/plexus/discovery/v1/ProxyInfo.js';
import type { ProxyResource } from '../../lib/proto/gen/plexus/discovery/v1/ProxyResource.js';
import type { TypeStatus } from '../../lib/proto/gen/plexus/discovery/v1/TypeStatus.js';
import type { Timestamp } from '../../lib/proto/gen/google/protobuf/Timestamp.js';
import { ABSENT, type ResourceSource, type TypeState } from './delta-session.js';
import type { ConnectedProxy } from './delta-stream.js';

export type SyncState = 'SYNCED' | 'PENDING' | 'NACKED' | 'STALE';

export function timestamp(d: Date): Timestamp {
  const ms = d.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** Digest of what a proxy acknowledged for one type: equal digests, equal config. */
export function ackedDigest(st: TypeState): string {
  if (st.acked.size === 0) return '';
  const entries = [...st.acked].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return contentVersion(canonicalJson(entries));
}

/** Names a type state covers: explicit subscriptions, everything current under `*`, and what is held. */
export function coveredNames(st: TypeState, source: ResourceSource): Set<string> {
  const names = new Set<string>(st.names);
  if (st.wildcard) for (const n of source.names(st.type)) names.add(n);
  for (const n of st.acked.keys()) names.add(n);
  return names;
}

export function syncState(st: TypeState, source: ResourceSource): SyncState {
  if (st.inflight.size > 0 || st.dirty.size > 0 || st.respondEmpty) return 'PENDING';
  let nacked = false;
  let stale = false;
  for (const name of coveredNames(st, source)) {
    const cur = source.get(st.type, name);
    const acked = st.acked.get(name);
    if (cur) {
      if (acked === cur.version) continue;
      if (st.nacked.get(name) === cur.version) nacked = true;
      else stale = true;
    } else if (acked !== undefined) {
      if (st.nacked.get(name) === ABSENT) nacked = true;
      else stale = true;
    }
  }
  return nacked ? 'NACKED' : stale ? 'STALE' : 'SYNCED';
}

export function typeStatus(st: TypeState, source: ResourceSource): TypeStatus {
  return {
    type: st.type,
    wildcard: st.wildcard,
    subscribed: [...st.names].sort(),
    ackedResources: st.acked.size,
    ackedVersion: ackedDigest(st),
    state: syncState(st, source),
    pendingNonce: st.pendingNonce,
    lastNack: st.lastNack
      ? {
          nonce: st.lastNack.nonce,
          error: { code: st.lastNack.code, message: st.lastNack.message },
          rejected: st.lastNack.rejected.map((r) => ({ type: st.type, name: r.name, version: r.version })),
          at: timestamp(st.lastNack.at),
        }
      : null,
    lastAckAt: st.lastAckAt !== undefined ? timestamp(new Date(st.lastAckAt)) : null,
    queued: st.dirty.size,
  };
}

export function proxyInfo(stream: ConnectedProxy, replica: string, source: ResourceSource): ProxyInfo {
  const node = stream.node!;
  return {
    node: { ...node },
    kind: stream.kind,
    replica,
    peer: stream.peer,
    connectedAt: timestamp(stream.connectedAt),
    types: RESOURCE_TYPES.map((t) => stream.session.state(t))
      .filter((st) => st.started)
      .map((st) => typeStatus(st, source)),
  };
}

export interface BodyLookup extends ResourceSource {
  bodyOf(type: ResourceType, name: string, version: string): Buffer | undefined;
}

/** Every resource one proxy subscribes to or holds, with versions, state and body. */
export function proxyResources(stream: ConnectedProxy, source: BodyLookup): ProxyResource[] {
  const out: ProxyResource[] = [];
  for (const type of RESOURCE_TYPES) {
    const st = stream.session.state(type);
    if (!st.started) continue;
    const names = coveredNames(st, source);
    for (const n of st.sent.keys()) names.add(n);
    for (const name of [...names].sort()) {
      const cur = source.get(type, name);
      const sent = st.sent.get(name) ?? '';
      const acked = st.acked.get(name) ?? '';
      let state: string;
      if (st.inflight.size > 0 && [...st.inflight.values()].some((f) => f.resources.has(name) || f.removed.includes(name))) state = 'PENDING';
      else if (st.dirty.has(name)) state = 'PENDING';
      else if (!cur && acked === '') state = 'ABSENT';
      else if (cur && acked === cur.version) state = 'SYNCED';
      else if (st.nacked.has(name) && st.nacked.get(name) === (cur?.version ?? ABSENT)) state = 'NACKED';
      else state = 'STALE';
      const shown = acked || sent;
      const body = shown ? source.bodyOf(type, name, shown) : undefined;
      out.push({
        type,
        name,
        sentVersion: sent,
        ackedVersion: acked,
        currentVersion: cur?.version ?? '',
        state,
        bodyJson: body ? body.toString('utf8') : '',
      });
    }
  }
  return out;
}
