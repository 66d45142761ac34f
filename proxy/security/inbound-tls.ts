// The inbound listener's mTLS termination (http/listener.ts `tls`): the workload certificate of
// the moment, a client certificate required, and a connection admitted only when its peer is a
// workload of this trust domain, whose `<namespace>/<service>` is then the caller of every
// request on it (http/peer.ts).
import type { ListenerTls } from '../http/listener.js';
import { setPeerIdentity } from '../http/peer.js';
import type { MeshTls } from './mesh-tls.js';

export function inboundTls(meshTls: MeshTls): ListenerTls {
  return {
    server: meshTls.server,
    ready: () => meshTls.ready,
    accept: (socket) => {
      const identity = meshTls.peerIdentity(socket);
      if (identity === undefined) return false;
      setPeerIdentity(socket, identity);
      return true;
    },
  };
}
