// Upstream connections of one destination service: an HTTP/1.1 keep-alive agent (one request
// per connection, reused LIFO so idle connections age out) and one multiplexed h2c session
// per host for HTTP/2 and gRPC endpoints. maxConnections (circuit breaking) caps the agent's
// total sockets; requests beyond it wait in the agent and count as pending. The HTTP/1.1 fast
// path has its own raw connections (h1-pool.ts) under the same limit. All three open their
// connections through the cluster's dialer (plain TCP, or mTLS to a mesh proxy).
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { PLAIN_DIALER, type Dialer } from '../security/mesh-tls.js';
import { H1Pool } from './h1-pool.js';
import type { Host } from './host.js';

export interface H2Connection {
  session: http2.ClientHttp2Session;
  /** Whether the TCP connection was ever established (distinguishes connect errors from resets). */
  connected: boolean;
  /** The dialer's generation when opened. */
  generation: number;
}

export class ConnectionPool {
  private readonly agent: http.Agent;
  private agentGeneration = 0;
  readonly h1: H1Pool;
  private readonly sessions = new Map<string, H2Connection>();
  private closed = false;

  constructor(
    maxConnections: number | null,
    private readonly dialer: Dialer = PLAIN_DIALER,
  ) {
    this.agent = new http.Agent({
      keepAlive: true,
      keepAliveMsecs: 15_000,
      noDelay: true,
      maxFreeSockets: 1024,
      scheduling: 'lifo',
      maxTotalSockets: maxConnections ?? Infinity,
    });
    if (dialer.secure) {
      // node:http writes HTTP/1.1 over whatever socket the agent makes: here, a checked mTLS one.
      // A socket made under older mTLS material is closed when its request is done, not reused.
      const made = new WeakMap<net.Socket, number>();
      const agent = this.agent as http.Agent & { createConnection(o: { host?: string; port?: number | string; servername?: string }): net.Socket };
      agent.createConnection = (o) => {
        const socket = dialer.connect(o.host ?? '', Number(o.port), 'http/1.1', (o as { servername?: string }).servername);
        made.set(socket, dialer.generation());
        return socket;
      };
      this.agentGeneration = dialer.generation();
      agent.on('free', (socket: net.Socket) => {
        if (made.get(socket) !== dialer.generation()) socket.destroy();
      });
    }
    this.h1 = new H1Pool(maxConnections, dialer);
  }

  /** The node:http agent (fallback path); idle sockets made under older mTLS material are closed first. */
  httpAgent(): http.Agent {
    const g = this.dialer.generation();
    if (g !== this.agentGeneration) {
      this.agentGeneration = g;
      for (const list of Object.values(this.agent.freeSockets)) for (const socket of list ?? []) socket.destroy();
    }
    return this.agent;
  }

  setMaxConnections(maxConnections: number | null): void {
    this.agent.maxTotalSockets = maxConnections ?? Infinity;
    this.h1.setMax(maxConnections);
  }

  /** The h2c session to a host, opened on first use and replaced once it closes or goes away. */
  h2(host: Host): H2Connection {
    const existing = this.sessions.get(host.key);
    if (existing && !existing.session.closed && !existing.session.destroyed) {
      if (existing.generation === this.dialer.generation()) return existing;
      // New mTLS material: streams in flight finish on the old session (GOAWAY), new ones go to a new one.
      existing.session.close();
    }
    const session = http2.connect(`${this.dialer.secure ? 'https' : 'http'}://${host.address}:${host.port}`, {
      settings: { enablePush: false },
      peerMaxConcurrentStreams: 1000,
      ...(this.dialer.secure ? { createConnection: () => this.dialer.connect(host.address, host.port, 'h2', host.authority) } : {}),
    });
    const conn: H2Connection = { session, connected: false, generation: this.dialer.generation() };
    const forget = (): void => {
      if (this.sessions.get(host.key) === conn) this.sessions.delete(host.key);
    };
    session.once('connect', () => {
      conn.connected = true;
      session.unref();
    });
    // Errors surface on the streams that were using the session; this only stops an unhandled event.
    session.on('error', forget);
    session.once('goaway', forget);
    session.once('close', forget);
    if (this.closed) session.destroy();
    else this.sessions.set(host.key, conn);
    return conn;
  }

  /** Drop connections to hosts that are gone. */
  retain(keys: ReadonlySet<string>): void {
    this.h1.retain(keys);
    for (const [key, conn] of this.sessions) {
      if (!keys.has(key)) {
        this.sessions.delete(key);
        conn.session.close();
      }
    }
  }

  openConnections(): number {
    let n = this.sessions.size + this.h1.openConnections();
    for (const list of Object.values(this.agent.sockets)) n += list?.length ?? 0;
    for (const list of Object.values(this.agent.freeSockets)) n += list?.length ?? 0;
    return n;
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
    this.h1.close();
    for (const conn of this.sessions.values()) conn.session.destroy();
    this.sessions.clear();
  }
}
