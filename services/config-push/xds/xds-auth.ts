// Authorization hooks for xDS streams (XdsAuthorizer). The default allows every peer; identity
// integration (workload certificates: a client may act only for its own namespace/service)
// plugs in here later. Dev mode uses the loopback rule.

/** True for a gRPC peer string on this machine (`127.x.x.x:port`, `[::1]:port`, a unix socket). */
export function isLoopbackPeer(peer: string): boolean {
  if (peer.startsWith('unix:')) return true;
  const host = peer.startsWith('[') ? peer.slice(1, peer.indexOf(']')) : peer.slice(0, peer.lastIndexOf(':'));
  return host === '::1' || host.startsWith('127.') || host === '::ffff:127.0.0.1' || host === 'localhost';
}
