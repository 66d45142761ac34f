// Reads the server name (SNI) from the first bytes of a TLS connection without terminating TLS,
// for the east-west gateway's passthrough listener. Only what routing needs: one TLS record
// holding the whole ClientHello (every client we meet sends it so; a hello split across records
// is refused), the first host_name entry of the server_name extension. Every length is checked
// against what encloses it; nothing is read past the record.

/** A TLS record's payload is at most 2^14 bytes (RFC 8446 §5.1). */
export const MAX_TLS_RECORD = 16_384;
/** Bytes to buffer before giving up: one record and its header. */
export const MAX_CLIENT_HELLO_BYTES = MAX_TLS_RECORD + 5;

export type ClientHelloResult = { kind: 'incomplete' } | { kind: 'invalid'; reason: string } | { kind: 'hello'; sni: string | undefined };

const invalid = (reason: string): ClientHelloResult => ({ kind: 'invalid', reason });

export function readClientHello(buf: Buffer): ClientHelloResult {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (buf[0] !== 0x16) return invalid('not a TLS handshake record');
  if (buf.length < 5) return { kind: 'incomplete' };
  if (buf[1] !== 0x03) return invalid('not a TLS record version');
  const recordLength = buf.readUInt16BE(3);
  if (recordLength > MAX_TLS_RECORD) return invalid('TLS record longer than 16384 bytes');
  if (buf.length < 5 + recordLength) return { kind: 'incomplete' };
  const rec = buf.subarray(5, 5 + recordLength);
  if (rec.length < 4 || rec[0] !== 0x01) return invalid('not a ClientHello');
  const helloLength = (rec[1]! << 16) | (rec[2]! << 8) | rec[3]!;
  if (helloLength + 4 > rec.length) return invalid('ClientHello split across records');
  const h = rec.subarray(4, 4 + helloLength);
  let p = 2 + 32; // legacy_version, random
  const skip = (lenBytes: 1 | 2): boolean => {
    if (p + lenBytes > h.length) return false;
    const n = lenBytes === 1 ? h[p]! : h.readUInt16BE(p);
    p += lenBytes + n;
    return p <= h.length;
  };
  if (p > h.length || !skip(1) || !skip(2) || !skip(1)) return invalid('truncated ClientHello');
  if (p === h.length) return { kind: 'hello', sni: undefined }; // no extensions
  if (p + 2 > h.length) return invalid('truncated extensions');
  const extEnd = p + 2 + h.readUInt16BE(p);
  if (extEnd > h.length) return invalid('extensions overrun the ClientHello');
  p += 2;
  while (p + 4 <= extEnd) {
    const type = h.readUInt16BE(p);
    const len = h.readUInt16BE(p + 2);
    const start = p + 4;
    if (start + len > extEnd) return invalid('extension overruns the extensions');
    if (type === 0) return serverName(h.subarray(start, start + len));
    p = start + len;
  }
  if (p !== extEnd) return invalid('trailing bytes in extensions');
  return { kind: 'hello', sni: undefined };
}

function serverName(ext: Buffer): ClientHelloResult {
  if (ext.length < 2 || ext.readUInt16BE(0) + 2 !== ext.length) return invalid('bad server_name list');
  let p = 2;
  while (p + 3 <= ext.length) {
    const type = ext[p]!;
    const len = ext.readUInt16BE(p + 1);
    if (p + 3 + len > ext.length) return invalid('server name overruns its list');
    if (type === 0) {
      const name = ext.subarray(p + 3, p + 3 + len);
      // RFC 6066: ASCII host name, no trailing dot; anything else is not a name we route by.
      for (const c of name) if (c <= 0x20 || c >= 0x7f) return invalid('server name is not printable ASCII');
      return { kind: 'hello', sni: name.toString('latin1') };
    }
    p += 3 + len;
  }
  return { kind: 'hello', sni: undefined };
}
