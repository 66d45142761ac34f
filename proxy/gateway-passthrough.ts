// The east-west gateway's TLS passthrough listener: reads the SNI of each connection's
// ClientHello (gateway-sni.ts), admits it like an HTTP authority (gateway-east-west.ts), and
// splices the raw bytes to one of this cluster's endpoints of that service. TLS is never
// terminated here, so mutual TLS runs end to end between the calling proxy and the callee's
// proxy, and the callee sees the caller's own certificate. Refused connections are closed
// without a byte written; the reason is counted and logged at debug level.
import net from 'node:net';
import type { Logger } from 'pino';
import type { ServiceRouting } from './http/outbound-handler.js';
import { eastWestTarget } from './gateway-east-west.js';
import { MAX_CLIENT_HELLO_BYTES, readClientHello } from './gateway-sni.js';
import { reportListening } from '../lib/net.js';
import type { Host } from './upstream/host.js';

export interface PassthroughOptions {
  host: string;
  port: number;
  exports: ReadonlySet<string>;
  /** This cluster's routing for an exported service (the gateway's local-only mesh view). */
  lookup: (service: string) => ServiceRouting | undefined;
  logger: Logger;
  /** How long a connection may take to send its ClientHello. */
  helloTimeoutMs?: number;
}

export class PassthroughListener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  readonly stats = { accepted: 0, refused: {} as Record<string, number> };

  constructor(private readonly opts: PassthroughOptions) {
    this.server = net.createServer((s) => this.onConnection(s));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as net.AddressInfo).port;
    reportListening('passthrough', this.opts.host, port);
    return port;
  }

  /** Connections open now (both halves of a splice count once). */
  active(): number {
    return this.sockets.size;
  }

  stopAccepting(): void {
    this.server.close();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private refuse(socket: net.Socket, reason: string, detail?: string): void {
    this.stats.refused[reason] = (this.stats.refused[reason] ?? 0) + 1;
    this.opts.logger.debug({ remote: socket.remoteAddress, reason, detail }, 'east-west passthrough refused');
    socket.destroy();
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(this.opts.helloTimeoutMs ?? 10_000, () => this.refuse(socket, 'hello-timeout'));
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_CLIENT_HELLO_BYTES) return this.refuse(socket, 'hello-too-large');
      const hello = readClientHello(buf);
      if (hello.kind === 'incomplete') return;
      socket.off('data', onData);
      socket.pause();
      socket.setTimeout(0);
      if (hello.kind === 'invalid') return this.refuse(socket, 'bad-hello', hello.reason);
      const target = eastWestTarget(hello.sni, this.opts.exports);
      if (!target.ok) return this.refuse(socket, target.status === 404 ? 'not-exported' : 'bad-sni', target.message);
      const routing = this.opts.lookup(target.service);
      if (!routing) return this.refuse(socket, 'no-endpoints', target.service);
      this.splice(socket, buf, routing, new Set());
    };
    socket.on('data', onData);
  }

  /** Connect to a host of the service (another one once if the first refuses), then pipe both ways. */
  private splice(socket: net.Socket, hello: Buffer, routing: ServiceRouting, tried: Set<Host>): void {
    const host = routing.cluster.pick('', {}, { exclude: tried });
    if (!host || tried.has(host)) return this.refuse(socket, 'no-healthy-endpoint', routing.cluster.name);
    tried.add(host);
    const upstream = net.connect({ host: host.address, port: host.port, noDelay: true });
    this.sockets.add(upstream);
    const closeUpstream = (): void => {
      upstream.destroy();
    };
    socket.once('close', closeUpstream);
    let connected = false;
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      if (connected) {
        host.active--;
        socket.destroy();
      }
    });
    upstream.on('error', () => {
      socket.off('close', closeUpstream);
      if (!connected && tried.size < 2 && !socket.destroyed) this.splice(socket, hello, routing, tried);
      else socket.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      host.active++;
      this.stats.accepted++;
      upstream.write(hello);
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.resume();
    });
  }
}
