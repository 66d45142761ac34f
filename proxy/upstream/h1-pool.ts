// Raw keep-alive TCP connections to the hosts of one destination service, for the HTTP/1.1
// fast path (proxy/http/h1-upstream.ts speaks the protocol over them). One request per
// connection at a time; idle connections are reused LIFO, so the surplus ages out. The
// maxConnections limit (circuit breaking) caps the total: beyond it requests wait in FIFO
// order for a connection to come free, and count as pending in the circuit breaker.
// Connections are opened by the cluster's dialer: plain TCP, or mutual TLS to a mesh proxy
// (proxy/security/mesh-tls.ts), usable once the handshake (and the callee's identity) checked out.
import type net from 'node:net';
import { PLAIN_DIALER, type Dialer } from '../security/mesh-tls.js';
import type { Host } from './host.js';

/** Who is using a connection: it hears the connection's bytes and its end. */
export interface ConnectionUser {
  onData(chunk: Buffer): void;
  onClose(err: Error | undefined): void;
}

export class UpstreamConnection {
  user: ConnectionUser | undefined;
  connected = false;
  private error: Error | undefined;

  constructor(
    readonly socket: net.Socket,
    readonly hostKey: string,
    secure = false,
    /** The dialer's generation when opened (mTLS material of that moment). */
    readonly generation = 0,
  ) {
    socket.on(secure ? 'secureConnect' : 'connect', () => (this.connected = true));
    socket.on('data', (chunk: Buffer) => {
      if (this.user) this.user.onData(chunk);
      // Bytes from an idle connection: the stream is out of step; never reuse it.
      else socket.destroy();
    });
    socket.on('error', (err) => (this.error = err));
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      const u = this.user;
      this.user = undefined;
      u?.onClose(this.error);
    });
  }
}

interface Waiter {
  host: Host;
  cb: (conn: UpstreamConnection, reused: boolean) => void;
}

export class H1Pool {
  private readonly idle = new Map<string, UpstreamConnection[]>();
  private readonly waiting: Waiter[] = [];
  private open = 0;
  private closed = false;

  constructor(
    private max: number | null,
    private readonly dialer: Dialer = PLAIN_DIALER,
  ) {}

  setMax(max: number | null): void {
    this.max = max;
    this.serveWaiters();
  }

  /**
   * A connection for one request, now or once one comes free (`cb` may run synchronously).
   * Returns a function that withdraws the request if it is still waiting.
   */
  acquire(host: Host, cb: (conn: UpstreamConnection, reused: boolean) => void): () => void {
    const list = this.idle.get(host.key);
    while (list !== undefined && list.length > 0) {
      const conn = list.pop()!;
      if (conn.generation !== this.dialer.generation()) conn.socket.destroy();
      else if (!conn.socket.destroyed) {
        cb(conn, true);
        return noop;
      }
    }
    if (this.closed || this.max === null || this.open < this.max) {
      cb(this.connect(host), false);
      return noop;
    }
    const w: Waiter = { host, cb };
    this.waiting.push(w);
    return () => {
      const i = this.waiting.indexOf(w);
      if (i !== -1) this.waiting.splice(i, 1);
    };
  }

  /** The request is done and the connection is clean: keep it for the next one. */
  release(conn: UpstreamConnection): void {
    conn.user = undefined;
    if (this.closed || conn.socket.destroyed || conn.generation !== this.dialer.generation()) {
      conn.socket.destroy();
      return;
    }
    const i = this.waiting.findIndex((w) => w.host.key === conn.hostKey);
    if (i !== -1) {
      const w = this.waiting.splice(i, 1)[0]!;
      w.cb(conn, true);
      return;
    }
    if (this.waiting.length > 0) {
      // Another host waits for a slot: free this one.
      conn.socket.destroy();
      return;
    }
    let list = this.idle.get(conn.hostKey);
    if (!list) this.idle.set(conn.hostKey, (list = []));
    list.push(conn);
  }

  /** Drop idle connections to hosts that are gone. */
  retain(keys: ReadonlySet<string>): void {
    for (const [key, list] of this.idle) {
      if (keys.has(key)) continue;
      this.idle.delete(key);
      for (const c of list) c.socket.destroy();
    }
  }

  openConnections(): number {
    return this.open;
  }

  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const c of list) c.socket.destroy();
    this.idle.clear();
    this.waiting.length = 0;
  }

  private connect(host: Host): UpstreamConnection {
    this.open++;
    const socket = this.dialer.connect(host.address, host.port, 'http/1.1', host.authority);
    const conn = new UpstreamConnection(socket, host.key, this.dialer.secure, this.dialer.generation());
    socket.once('close', () => {
      this.open--;
      const list = this.idle.get(host.key);
      const i = list ? list.indexOf(conn) : -1;
      if (i !== -1) list!.splice(i, 1);
      this.serveWaiters();
    });
    if (this.closed) socket.destroy();
    return conn;
  }

  private serveWaiters(): void {
    while (this.waiting.length > 0 && !this.closed && (this.max === null || this.open < this.max)) {
      const w = this.waiting.shift()!;
      w.cb(this.connect(w.host), false);
    }
  }
}

function noop(): void {}
