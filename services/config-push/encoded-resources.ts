// Encode once, write many: a mesh-wide change sends the same new version of a resource to
// every proxy that subscribes to it, so its protobuf encoding (the `resources` entry of a
// DeltaResponse: tag, length, Resource{name, version, body}) is made once per version and the
// same bytes are appended to every response that carries it. Writing a response then costs its
// bytes, not a re-encoding of each body per proxy.
//
// Protobuf lets the entries of a repeated field appear anywhere in a message, so a response is
// its other fields (encoded as usual) followed by these entries; decoders see one list.
import type { CachedResource } from '../../lib/mesh/resource-cache.js';
import type { DeltaResponse } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';

/** DeltaResponse.resources is field 2, Resource.name/version/body are fields 1/2/3: all length-delimited. */
const RESPONSE_RESOURCES_TAG = (2 << 3) | 2;
const NAME_TAG = (1 << 3) | 2;
const VERSION_TAG = (2 << 3) | 2;
const BODY_TAG = (3 << 3) | 2;

/** A response some of whose resources are already encoded (appended after the rest). */
export interface PreEncodedResponse extends DeltaResponse {
  encodedResources?: Buffer[];
}

const cache = new WeakMap<CachedResource, Buffer>();

/** The DeltaResponse `resources` entry of `r` (whole body), encoded on first use and kept while `r` lives. */
export function encodedResource(r: CachedResource): Buffer {
  let buf = cache.get(r);
  if (!buf) {
    buf = encodeResourceEntry(r.name, r.version, r.body);
    cache.set(r, buf);
  }
  return buf;
}

/** Serialize `value` with `serialize` and append its pre-encoded resources. */
export function serializeWithEncoded(serialize: (value: DeltaResponse) => Buffer, value: PreEncodedResponse): Buffer {
  const extra = value.encodedResources;
  if (!extra || extra.length === 0) return serialize(value);
  const { encodedResources: _, ...rest } = value;
  return Buffer.concat([serialize(rest), ...extra]);
}

export function encodeResourceEntry(name: string, version: string, body: Buffer): Buffer {
  const nameLen = Buffer.byteLength(name);
  const versionLen = Buffer.byteLength(version);
  const inner = fieldSize(nameLen) + fieldSize(versionLen) + fieldSize(body.length);
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  let at = 0;
  out[at++] = RESPONSE_RESOURCES_TAG;
  at = writeVarint(out, at, inner);
  out[at++] = NAME_TAG;
  at = writeVarint(out, at, nameLen);
  at += out.write(name, at, 'utf8');
  out[at++] = VERSION_TAG;
  at = writeVarint(out, at, versionLen);
  at += out.write(version, at, 'utf8');
  out[at++] = BODY_TAG;
  at = writeVarint(out, at, body.length);
  at += body.copy(out, at);
  return out;
}

/** Bytes of a length-delimited field with a one-byte tag and `len` bytes of content. */
function fieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}
