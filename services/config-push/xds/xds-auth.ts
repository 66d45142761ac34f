// Authorization of xDS streams (XdsAuthorizer). With identity on, an xDS client proves itself
// as proxies do: with a workload certificate the TLS handshake verified against the mesh CA.
// @grpc/grpc-js-xds can only speak plaintext to its xDS server, so config-push may also serve
// ADS on a plaintext listener (`xds.plaintext`), where only peers on this machine are served:
// a proxyless gRPC client beside config-push, or the dev mesh. Insecure set-ups allow all.
import { peerWorkload } from '../../../lib/identity/peer-identity.js';
import type { XdsAuthorizer, XdsPeer } from './xds-stream.js';

/** True for a gRPC peer string on this machine (`127.x.x.x:port`, `[::1]:port`, a unix socket). */
export function isLoopbackPeer(peer: string): boolean {
  if (peer.startsWith('unix:')) return true;
  const host = peer.startsWith('[') ? peer.slice(1, peer.indexOf(']')) : peer.slice(0, peer.lastIndexOf(':'));
  return host === '::1' || host.startsWith('127.') || host === '::ffff:127.0.0.1' || host === 'localhost';
}

/** True when the stream came over TLS with a client certificate verified by the server. */
export function hasWorkloadCertificate(peer: XdsPeer, trustDomain: string): boolean {
  return peerWorkload({ getAuthContext: () => peer.authContext ?? {} }, trustDomain) !== undefined;
}

/**
 * The secure default: a verified workload certificate, or (only when a plaintext listener is
 * configured) a plaintext stream from this machine.
 */
export function workloadXdsAuthorizer(trustDomain: string, allowLoopbackPlaintext: boolean): XdsAuthorizer {
  return (peer) => {
    if (hasWorkloadCertificate(peer, trustDomain)) return true;
    const plaintext = peer.authContext?.transportSecurityType === undefined;
    return allowLoopbackPlaintext && plaintext && isLoopbackPeer(peer.address);
  };
}
