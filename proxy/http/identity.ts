// The caller's identity between proxies — NOT YET CRYPTOGRAPHIC. Until mutual TLS lands, the
// calling proxy names its own service in IDENTITY_HEADER, always overwriting whatever the app
// sent; the receiving proxy believes the header only when the connection comes from an address
// registered in the mesh for an instance of that very service, and passes the app a verified
// value (or none). Anyone who can open a connection from such an address (e.g. another process
// on the same host) can still claim that identity.

export const IDENTITY_HEADER = 'x-plexus-source';

import { SERVICE_ID_RE as IDENTITY } from '../../lib/model/names.js';

export function isIdentity(value: unknown): value is string {
  return typeof value === 'string' && IDENTITY.test(value);
}

/** Strip the IPv4-mapped IPv6 prefix so `::ffff:10.0.0.1` and `10.0.0.1` compare equal. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Whether a peer address may assert an identity. */
export interface SourceTrust {
  verify(remoteAddress: string | undefined, claimed: string): boolean;
}
