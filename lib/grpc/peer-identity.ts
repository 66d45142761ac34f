// The SPIFFE ID a TLS peer presents, read from Node's certificate report. Kept apart from tls.ts
// (gRPC credentials) so the proxy's data path can check peers without loading gRPC.
import type { PeerCertificate } from 'node:tls';

/** The spiffe:// URI SANs of a peer certificate as Node's TLS reports it. */
export function spiffeUrisOfPeer(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): string[] {
  const san = cert?.subjectaltname ?? '';
  const out: string[] = [];
  for (const part of san.split(/,\s*/)) if (part.startsWith('URI:spiffe://')) out.push(part.slice(4));
  return out;
}

/** checkServerIdentity that accepts a server whose certificate carries one of `expected` (SPIFFE IDs). */
export function spiffeServerCheck(expected: readonly string[]): (host: string, cert: PeerCertificate) => Error | undefined {
  const want = new Set(expected);
  return (_host, cert) => {
    const ids = spiffeUrisOfPeer(cert);
    if (ids.length === 1 && want.has(ids[0]!)) return undefined;
    return new Error(`server certificate identifies ${ids.join(', ') || 'no SPIFFE ID'}; expected ${[...want].join(' or ')}`);
  };
}
