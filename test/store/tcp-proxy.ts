// A loopback TCP relay in front of a server, so a test can cut one client's connections
// (a network blip) without touching the server or other clients.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Store } from '../../lib/store/store.js';

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

/**
 * Stores each behind their own relay to one server, and the conformance faults (lib's
 * StoreHarness) that cut or partition one store's connections.
 */
export class RelayedStores {
  private readonly relays = new Map<Store, TcpProxy>();

  constructor(private readonly targetPort: () => number) {}

  /** A relay, then `connect` to its port. */
  async make<S extends Store>(connect: (port: number) => S | Promise<S>): Promise<{ store: S; proxy: TcpProxy }> {
    const proxy = await TcpProxy.start(this.targetPort());
    const store = await connect(proxy.port);
    this.relays.set(store, proxy);
    return { store, proxy };
  }

  readonly dropClientConnection = async (store: Store): Promise<void> => {
    this.relayOf(store).dropConnections();
  };

  readonly partitionClient = async (store: Store): Promise<() => Promise<void>> => {
    const proxy = this.relayOf(store);
    proxy.block();
    return async () => proxy.unblock();
  };

  async closeAll(): Promise<void> {
    for (const proxy of this.relays.values()) await proxy.close();
  }

  private relayOf(store: Store): TcpProxy {
    const proxy = this.relays.get(store);
    assert.ok(proxy, 'store made by this harness');
    return proxy;
  }
}
