// The ZooKeeper backend's znode layout and data encodings (see zookeeper-store.ts for the design).
//
//   <key path>                       a key: data = the value's JSON text, then optionally "\n" and a
//                                    meta object {"l": lease id, "c": create revision (0 = this version's)}.
//                                    A znode with empty data is a parent only, never a key.
//   /plexus/v1/_store/log/e-<seq>    the change log: one entry per change, written in the same multi
//                                    transaction as the change, so its czxid is the change's revision.
//   /plexus/v1/_store/leases/<id>    a lease: data {"ttl": seconds}; mtime (server time) = last renewal.
//     .../leases/<id>/<enc(key)>     a key that may be attached to the lease (checked against the key's meta).
//   /plexus/v1/_store/reaper/r-<seq> ephemeral sequential election nodes; the lowest is the reaper.
//   /plexus/v1/_store/clock          written to read the server's clock and current zxid.
//
// `_store` starts with '_', which no key segment may (keys.ts), so internal nodes never look like keys.
import { ROOT } from './keys.js';

const STORE_DIR = `${ROOT}/_store`;
export const LOG_DIR = `${STORE_DIR}/log`;
export const LOG_ENTRY_PREFIX = `${LOG_DIR}/e-`;
export const LEASES_DIR = `${STORE_DIR}/leases`;
export const REAPER_DIR = `${STORE_DIR}/reaper`;
export const CLOCK_NODE = `${STORE_DIR}/clock`;

/** ZooKeeper's own subtree; never a Plexus key. */
export const RESERVED_ROOT = '/zookeeper';

/** Values up to this size travel inside log entries; larger ones are read from the key itself. */
const LOG_INLINE_MAX_BYTES = 64 * 1024;

const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const LEASE_ID = /^[0-9a-f]{16}$/;

export function isKeySegment(name: string): boolean {
  return KEY_SEGMENT.test(name);
}

export function isLeaseId(id: string): boolean {
  return LEASE_ID.test(id);
}

export function leasePath(id: string): string {
  return `${LEASES_DIR}/${id}`;
}

export function leaseRefPath(id: string, key: string): string {
  return `${LEASES_DIR}/${id}/${encodeURIComponent(key)}`;
}

export function keyOfLeaseRef(name: string): string {
  return decodeURIComponent(name);
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** A list/watch prefix as a znode to read and a filter on its children's names. */
export function splitPrefix(prefix: string): { base: string; namePrefix: string } {
  const i = prefix.lastIndexOf('/');
  return { base: i === 0 ? '/' : prefix.slice(0, i), namePrefix: prefix.slice(i + 1) };
}

export function isReserved(key: string): boolean {
  return key === RESERVED_ROOT || key.startsWith(`${RESERVED_ROOT}/`);
}

/** A 64-bit zxid or timestamp from a Stat field. Fits a double for any realistic epoch. */
export function long(buf: Buffer): number {
  return Number(buf.readBigInt64BE(0));
}

export interface KeyMeta {
  /** Lease the key is attached to. */
  l?: string;
  /** Create revision when it is not the znode's czxid (a key made on an existing parent); 0 = this version's mzxid. */
  c?: number;
}

export function encodeKeyData(json: string, meta: KeyMeta): Buffer {
  return Buffer.from(meta.l === undefined && meta.c === undefined ? json : `${json}\n${JSON.stringify(meta)}`);
}

export interface RawKey {
  /** The value's JSON text (not parsed yet). */
  json: string;
  meta: KeyMeta;
}

/** Splits key data into value JSON and meta; undefined for a parent-only znode (empty data). */
export function splitKeyData(data: Buffer | null | undefined): RawKey | undefined {
  if (!data || data.length === 0) return undefined;
  const text = data.toString('utf8');
  // JSON.stringify never emits a raw newline, so the first one ends the value.
  const nl = text.indexOf('\n');
  if (nl < 0) return { json: text, meta: {} };
  let meta: KeyMeta = {};
  try {
    const parsed = JSON.parse(text.slice(nl + 1)) as unknown;
    if (parsed && typeof parsed === 'object') {
      const m = parsed as Record<string, unknown>;
      if (typeof m.l === 'string') meta.l = m.l;
      if (typeof m.c === 'number' && Number.isSafeInteger(m.c)) meta.c = m.c;
    }
  } catch {
    meta = {};
  }
  return { json: text.slice(0, nl), meta };
}

export function createRevisionOf(meta: KeyMeta, czxid: number, mzxid: number): number {
  if (meta.c === undefined) return czxid;
  return meta.c === 0 ? mzxid : meta.c;
}

/** One change in the log. The entry's czxid is the change's revision. */
export interface LogEntry {
  /** The key. */
  k: string;
  t: 'put' | 'del';
  /** put: the value (absent when larger than LOG_INLINE_MAX_BYTES: read it from the key). */
  v?: unknown;
  /** put: the value was too large to inline. */
  big?: true;
  /** put: create revision when it is not this entry's revision. */
  c?: number;
  /** put: lease. */
  l?: string;
  /** del: value before deletion, when small enough. */
  pv?: unknown;
  /** del: the key went because its lease expired or was revoked. */
  x?: true;
}

/** Builds entry data around value JSON text that is already encoded (no re-stringify). */
export function encodePutEntry(key: string, json: string, createRevision: number | undefined, lease: string | undefined): Buffer {
  let out = `{"k":${JSON.stringify(key)},"t":"put"`;
  if (Buffer.byteLength(json) <= LOG_INLINE_MAX_BYTES) out += `,"v":${json}`;
  else out += ',"big":true';
  if (createRevision !== undefined) out += `,"c":${createRevision}`;
  if (lease !== undefined) out += `,"l":${JSON.stringify(lease)}`;
  return Buffer.from(`${out}}`);
}

export function encodeDeleteEntry(key: string, prevJson: string | undefined, leaseExpired: boolean): Buffer {
  let out = `{"k":${JSON.stringify(key)},"t":"del"`;
  if (prevJson !== undefined && Buffer.byteLength(prevJson) <= LOG_INLINE_MAX_BYTES) out += `,"pv":${prevJson}`;
  if (leaseExpired) out += ',"x":true';
  return Buffer.from(`${out}}`);
}

/** Parses a log entry; undefined when it is not one (logged and skipped by the reader). */
export function decodeLogEntry(data: Buffer | null | undefined): LogEntry | undefined {
  if (!data || data.length === 0) return undefined;
  try {
    const e = JSON.parse(data.toString('utf8')) as Partial<LogEntry>;
    if (typeof e.k !== 'string' || (e.t !== 'put' && e.t !== 'del')) return undefined;
    return e as LogEntry;
  } catch {
    return undefined;
  }
}

/** The sequence number ZooKeeper appended to a sequential node's name (a signed 32-bit counter). */
export function sequenceOf(name: string): number | undefined {
  // ZooKeeper formats it with %010d: ten characters, a negative number keeps its sign.
  const m = /-(-\d{9}|\d{10})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Order of two sequence numbers that may have wrapped past 2^31 (serial number arithmetic):
 * the log holds far fewer than 2^31 entries, so the shorter way round is the right one.
 */
function compareSequence(a: number, b: number): number {
  return (a - b) | 0;
}

/** Sequential znode names in creation order; names without a sequence suffix are dropped. */
export function sortBySequence(names: string[]): string[] {
  return names
    .map((name) => ({ name, seq: sequenceOf(name) }))
    .filter((x): x is { name: string; seq: number } => x.seq !== undefined)
    .sort((a, b) => compareSequence(a.seq, b.seq))
    .map((x) => x.name);
}

export function encodeTrimmedUpTo(zxid: number): Buffer {
  return Buffer.from(JSON.stringify({ trimmedUpTo: zxid }));
}

/** The log node's data: every entry with a czxid up to this may have been trimmed. */
export function decodeTrimmedUpTo(data: Buffer | undefined): number {
  if (!data || data.length === 0) return 0;
  try {
    const t = (JSON.parse(data.toString('utf8')) as { trimmedUpTo?: unknown }).trimmedUpTo;
    return typeof t === 'number' && Number.isSafeInteger(t) ? t : 0;
  } catch {
    return 0;
  }
}
