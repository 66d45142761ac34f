// Who is on the other end of an inbound connection, as the listener established it: the
// `<namespace>/<service>` of a verified mTLS client certificate, or nothing for a plaintext
// connection. Attached to the socket once, at the handshake, and read by the inbound handler for
// every request on it (HTTP/1.1 and HTTP/2 alike: node:http2's socket proxy forwards the read).
// Never derived from anything a request says.
import type net from 'node:net';

const PEER = Symbol('plexus.peer-identity');

type WithPeer = net.Socket & { [PEER]?: string };

export function setPeerIdentity(socket: net.Socket, identity: string): void {
  (socket as WithPeer)[PEER] = identity;
}

/** The verified caller of the connection `socket` belongs to; undefined for plaintext. */
export function peerIdentityOf(socket: net.Socket | undefined): string | undefined {
  return socket ? (socket as WithPeer)[PEER] : undefined;
}
