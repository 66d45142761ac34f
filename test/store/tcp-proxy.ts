// A loopback TCP relay in front of a server, so a test can cut one client's connections
// (a network blip) without touching the server or other clients.
import net from 'node:net';

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  private listenPort = 0;
  private blocked = false;

  private constructor(targetPort: number, targetHost: string) {
    this.server = net.createServer((client) => {
      if (this.blocked) {
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect({ port: targetPort, host: targetHost });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        // Either side failing ends the pair, like a broken network path.
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, targetHost);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = proxy.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy has no port');
    proxy.listenPort = addr.port;
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  /** Reset every relayed connection (RST); new connections are still accepted. */
  dropConnections(): void {
    for (const s of this.sockets) s.resetAndDestroy();
  }

  /** Cut every connection and refuse new ones until unblock(): a network partition. */
  block(): void {
    this.blocked = true;
    this.dropConnections();
  }

  unblock(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
