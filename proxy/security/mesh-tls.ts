// Proxy-to-proxy mutual TLS (DESIGN.md "Trust"). One object per proxy holds the workload
// certificate, key and trust bundle as Node SecureContexts, rebuilt whenever the TlsSource
// changes (renewal, bundle rotation): every connection opened or accepted afterwards uses the
// new material at once, connections already open keep theirs until they close (drain).
//
// Inbound (server side): TLS 1.3 only, a client certificate is required and must chain to the
// bundle; the caller is the `<namespace>/<service>` of its single SPIFFE URI SAN in our trust
// domain, and nothing else. Outbound (client side): the same certificate is presented, and the
// callee must chain to the bundle AND carry exactly the destination service's SPIFFE ID, so an
// endpoint that is not an instance of that service (a rogue entry in the endpoint list) fails.
// Sessions are resumed (TLS 1.3 tickets, per host and ALPN) so a new pooled connection costs no
// full handshake. The cache is dropped whenever the material changes (a resumed session would
// present the old certificate) and the server's ticket keys when the roots change, so neither a
// replaced certificate nor a retired root lives on in resumed sessions.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsMaterial, TlsSource } from '../../lib/grpc/tls.js';
import { spiffeServerCheck, spiffeUrisOfPeer } from '../../lib/grpc/peer-identity.js';
import { formatServiceId, formatSpiffeId, parseServiceId, parseSpiffeId } from '../../lib/model/names.js';

/** ALPN offered by the inbound side; gRPC and h2 callers pick h2. */
export const INBOUND_ALPN = ['h2', 'http/1.1'];

const MAX_SESSIONS = 256;

export class MeshTls {
  /** The inbound side's TLS server (never listens; the inbound listener hands it connections). */
  readonly server: tls.Server;
  private client: tls.SecureContext | undefined;
  private roots = '';
  private readonly sessions = new Map<string, Buffer>();
  /** Material sets applied (first one included). */
  generation = 0;

  constructor(
    private readonly source: TlsSource,
    readonly trustDomain: string,
  ) {
    this.server = tls.createServer({ requestCert: true, rejectUnauthorized: true, ALPNProtocols: INBOUND_ALPN, minVersion: 'TLSv1.3', handshakeTimeout: 10_000 });
    if (source.current) this.install(source.current);
    source.onChange((m) => this.install(m));
  }

  /** Certificate, key and bundle are known. */
  get ready(): boolean {
    return this.client !== undefined;
  }

  private install(m: TlsMaterial): void {
    if (!m.certChainPem || !m.keyPem || !m.rootsPem) return;
    const base = { cert: m.certChainPem, key: m.keyPem, ca: m.rootsPem, minVersion: 'TLSv1.3' as const };
    this.server.setSecureContext(base);
    if (m.rootsPem !== this.roots) {
      this.roots = m.rootsPem;
      // Tickets issued under the old bundle are not honoured.
      this.server.setTicketKeys(randomBytes(48));
    }
    // A resumed session carries the certificate it was made with: the next connection must
    // present the new one, so no session made before is offered again.
    this.sessions.clear();
    this.client = tls.createSecureContext(base);
    this.generation++;
  }

  /**
   * The caller's `<namespace>/<service>` from a verified peer certificate: exactly one SPIFFE
   * URI SAN, of our trust domain, on a leaf that is not a CA. undefined otherwise.
   */
  peerIdentity(socket: tls.TLSSocket): string | undefined {
    if (!socket.authorized) return undefined;
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.raw || cert.ca) return undefined;
    const uris = spiffeUrisOfPeer(cert);
    const id = uris.length === 1 ? parseSpiffeId(uris[0]!) : undefined;
    if (!id || id.trustDomain !== this.trustDomain) return undefined;
    return formatServiceId(id);
  }

  /** The SPIFFE ID a callee of service `<namespace>/<service>` must present. */
  spiffeIdOf(service: string): string {
    const id = parseServiceId(service);
    if (!id) throw new Error(`not a <namespace>/<service> name: ${service}`);
    return formatSpiffeId(id, this.trustDomain);
  }

  /** A dialer for the endpoints of `service` (each connection checks the callee's identity). */
  dialerFor(service: string): Dialer {
    const check = spiffeServerCheck([this.spiffeIdOf(service)]);
    return {
      secure: true,
      generation: () => this.generation,
      connect: (address, port, alpn, servername) => {
        const key = `${address}:${port}/${alpn}/${service}/${servername ?? ''}`;
        const socket = tls.connect({
          host: address,
          port,
          // Identity is the SPIFFE ID, not the name. SNI matters only to another cluster's east-west
          // gateway, whose passthrough listener routes the unterminated connection by it
          // (`servername` = `<service>.<namespace>`); IP literals are never sent.
          servername: servername ?? (net.isIP(address) ? '' : address),
          secureContext: this.client,
          ALPNProtocols: [alpn],
          checkServerIdentity: check,
          minVersion: 'TLSv1.3',
          session: this.sessions.get(key),
        });
        socket.setNoDelay(true);
        const generation = this.generation;
        socket.on('session', (s: Buffer) => {
          if (generation !== this.generation) return;
          if (this.sessions.size >= MAX_SESSIONS && !this.sessions.has(key)) this.sessions.delete(this.sessions.keys().next().value!);
          this.sessions.set(key, s);
        });
        return socket;
      },
    };
  }
}

/** How upstream connections are opened: plain TCP, or mutual TLS checked against the destination. */
export interface Dialer {
  /** TLS: the connection is usable on 'secureConnect', not 'connect'. */
  readonly secure: boolean;
  /**
   * Changes whenever the certificate or bundle does: pooled connections made under an older one
   * finish their request and are closed instead of reused (they drain onto the new material).
   */
  generation(): number;
  /** `servername`: the SNI to send (a host behind an east-west gateway); else the address's, if a name. */
  connect(address: string, port: number, alpn: 'h2' | 'http/1.1', servername?: string): net.Socket;
}

export const PLAIN_DIALER: Dialer = {
  secure: false,
  generation: () => 0,
  connect: (address, port) => net.connect({ host: address, port, noDelay: true }),
};
