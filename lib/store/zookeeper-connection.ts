// One ZooKeeper session for a ZooKeeperStore, over node-zookeeper-client, made safe to build on:
//  - every call has a deadline and fails with UnavailableError instead of waiting for a
//    connection that may never come (the client itself queues requests forever);
//  - calls report the reply header's zxid: for a read the server's last applied zxid when it
//    answered, for a write the write's own zxid (FinalRequestProcessor in ZooKeeper 3.8);
//  - the timeouts the client lacks: for the handshake, and a read timeout once connected
//    (a frozen or partitioned server otherwise leaves it "connected" forever, watches stalled);
//  - an expired session is replaced by a new one, and listeners are told.
// What this needs from the client's internals is in zookeeper-client-internals.ts.
import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { Client, Event as ZkEvent, Stat } from 'node-zookeeper-client';
import type { Logger } from 'pino';
import { PlexusError, UnavailableError } from '../errors.js';
import { closeClient, holdReconnect, replyZxid, socketOf, transaction } from './zookeeper-client-internals.js';
import { Deadline, isZkCode, ZK, ZkCodeError, type OpResult, type ZkOp } from './zookeeper-ops.js';

/** Error codes that mean "no answer now": the caller gets UnavailableError. */
const UNAVAILABLE_CODES = new Set<number>([
  zookeeper.Exception.CONNECTION_LOSS,
  zookeeper.Exception.SESSION_EXPIRED,
  zookeeper.Exception.OPERATION_TIMEOUT,
  zookeeper.Exception.SYSTEM_ERROR,
]);

export interface ZkConnectionOptions {
  connectString: string;
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  logger?: Logger | undefined;
}

type Callback<T> = (err: unknown, value?: T) => void;

export class ZkConnection {
  private client: Client;
  private connected = false;
  private closed = false;
  private lastReceived = Date.now();
  /** The socket of a connection attempt in progress, and since when. */
  private handshake: { socket: unknown; since: number } | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private readonly emitter = new EventEmitter();
  /** Rejecters of the calls awaiting an answer, so close() does not leave them (or their timers) behind. */
  private readonly inFlight = new Set<() => void>();
  /** Increases with every new session. */
  generation = 0;

  private constructor(private readonly options: ZkConnectionOptions) {
    this.client = this.newClient();
    this.watchdog = setInterval(() => this.checkAlive(), Math.min(1000, Math.max(50, Math.floor(options.sessionTimeoutMs / 6))));
    this.watchdog.unref();
  }

  /** Connects; rejects with UnavailableError when no session is made within connectTimeoutMs. */
  static async open(options: ZkConnectionOptions): Promise<ZkConnection> {
    const conn = new ZkConnection(options);
    try {
      await conn.waitConnected(new Deadline(options.connectTimeoutMs));
    } catch (err) {
      await conn.close();
      throw new UnavailableError(`cannot reach ZooKeeper at ${options.connectString} within ${options.connectTimeoutMs} ms`, { cause: err });
    }
    return conn;
  }

  /** The current session's id, in hex. */
  get sessionIdHex(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** The negotiated session timeout. */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** Called after every (re)connection, within the session or on a new one. */
  onConnected(fn: () => void): void {
    this.emitter.on('connected', fn);
  }
  /** Called when the session expired (ephemeral nodes and watches are gone); a new session follows. */
  onSessionExpired(fn: () => void): void {
    this.emitter.on('expired', fn);
  }

  async getData(d: Deadline, path: string, watcher?: (e: ZkEvent) => void): Promise<{ node?: { data: Buffer; stat: Stat }; zxid: number }> {
    const r = await this.call<{ data: Buffer; stat: Stat } | undefined>(d, `getData ${path}`, true, (c, cb) => {
      const done = (err: unknown, data?: Buffer, stat?: Stat): void => {
        if (isExceptionCode(err, ZK.NO_NODE)) cb(null, undefined);
        else cb(err, err ? undefined : { data: data ?? Buffer.alloc(0), stat: stat as Stat });
      };
      if (watcher) c.getData(path, watcher, done);
      else c.getData(path, done);
    });
    return r.value ? { node: r.value, zxid: r.zxid } : { zxid: r.zxid };
  }

  async getChildren(d: Deadline, path: string, watcher?: (e: ZkEvent) => void): Promise<{ node?: { children: string[]; stat: Stat }; zxid: number }> {
    const r = await this.call<{ children: string[]; stat: Stat } | undefined>(d, `getChildren ${path}`, true, (c, cb) => {
      const done = (err: unknown, children?: string[], stat?: Stat): void => {
        if (isExceptionCode(err, ZK.NO_NODE)) cb(null, undefined);
        else cb(err, err ? undefined : { children: children ?? [], stat: stat as Stat });
      };
      if (watcher) c.getChildren(path, watcher, done);
      else c.getChildren(path, done);
    });
    return r.value ? { node: r.value, zxid: r.zxid } : { zxid: r.zxid };
  }

  async exists(d: Deadline, path: string): Promise<{ stat?: Stat; zxid: number }> {
    const r = await this.call<Stat | null>(d, `exists ${path}`, true, (c, cb) => c.exists(path, (err, stat) => cb(err, stat)));
    return r.value ? { stat: r.value, zxid: r.zxid } : { zxid: r.zxid };
  }

  async create(d: Deadline, path: string, data: Buffer, mode: number = ZK.PERSISTENT): Promise<{ path: string; zxid: number }> {
    const r = await this.call<string>(d, `create ${path}`, false, (c, cb) => c.create(path, data, mode, (err, p) => cb(err, p)));
    return { path: r.value, zxid: r.zxid };
  }

  async setData(d: Deadline, path: string, data: Buffer, version: number): Promise<{ stat: Stat; zxid: number }> {
    const r = await this.call<Stat>(d, `setData ${path}`, false, (c, cb) => c.setData(path, data, version, (err, stat) => cb(err, stat)));
    return { stat: r.value, zxid: r.zxid };
  }

  async remove(d: Deadline, path: string, version: number): Promise<{ zxid: number }> {
    const r = await this.call<null>(d, `remove ${path}`, false, (c, cb) => c.remove(path, version, (err) => cb(err, null)));
    return { zxid: r.zxid };
  }

  /**
   * Creates the node and any missing parents (empty data); existing nodes are left alone.
   * Looks first: a create that fails still costs ZooKeeper a logged (error) transaction.
   */
  async ensurePath(d: Deadline, path: string, data: Buffer = Buffer.alloc(0)): Promise<void> {
    if ((await this.exists(d, path)).stat) return;
    const parts = path.split('/').slice(1);
    let p = '';
    for (const [i, part] of parts.entries()) {
      p += `/${part}`;
      try {
        await this.create(d, p, i === parts.length - 1 ? data : Buffer.alloc(0));
      } catch (err) {
        if (!isZkCode(err, ZK.NODE_EXISTS)) throw err;
      }
    }
  }

  /** An atomic multi. A failed multi rejects with ZkCodeError naming the failing operation. */
  async multi(d: Deadline, what: string, ops: ZkOp[]): Promise<{ results: OpResult[]; zxid: number }> {
    const r = await this.call<OpResult[]>(d, what, false, (c, cb) => {
      transaction(c, ops).commit((err, results: Array<{ err?: number; path?: string; stat?: Stat }> | undefined) => {
        if (err && results && isExceptionLike(err)) {
          const index = results.findIndex((x) => x.err !== undefined && x.err !== 0);
          cb(new ZkCodeError(err.getCode(), what, index));
        } else cb(err, (results ?? []).map((x) => ({ path: x.path, stat: x.stat })));
      });
    });
    return { results: r.value, zxid: r.zxid };
  }

  /** Drops the TCP connection; the client reconnects within its session (a network blip). */
  dropConnection(): void {
    socketOf(this.client)?.destroy();
  }

  /**
   * Makes this session expire, as a partition longer than the session timeout would: holds the
   * client's reconnect, closes the session from a second connection that takes it over, then
   * lets the client reconnect to find it expired. For tests and drills.
   */
  async expireSession(): Promise<void> {
    const client = this.client;
    const release = holdReconnect(client);
    socketOf(client)?.destroy();
    const taker = zookeeper.createClient(this.options.connectString, {
      sessionTimeout: this.sessionTimeoutMs,
      sessionId: client.getSessionId(),
      sessionPassword: client.getSessionPassword(),
    } as Partial<zookeeper.Option>);
    let closedSession = false;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new UnavailableError('could not take the session over to expire it')), 10_000);
        taker.once('connected', () => {
          taker.once('disconnected', () => {
            clearTimeout(timer);
            resolve();
          });
          closedSession = true;
          taker.close();
        });
        taker.connect();
      });
    } finally {
      if (!closedSession) await closeClient(taker);
      release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    this.emitter.emit('closed');
    for (const abort of [...this.inFlight]) abort();
    await closeClient(this.client);
    this.emitter.removeAllListeners();
  }

  /** Waits until connected; UnavailableError at the deadline or when closed. */
  async waitConnected(d: Deadline): Promise<void> {
    if (this.closed) throw new UnavailableError('the ZooKeeper store client is closed');
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.emitter.off('connected', onConnected);
        this.emitter.off('closed', onClosed);
        if (err) reject(err);
        else resolve();
      };
      const onConnected = (): void => finish();
      const onClosed = (): void => finish(new UnavailableError('the ZooKeeper store client is closed'));
      const timer = setTimeout(() => finish(new UnavailableError(`ZooKeeper at ${this.options.connectString} is unreachable`)), Math.max(0, d.remaining()));
      this.emitter.on('connected', onConnected);
      this.emitter.on('closed', onClosed);
    });
  }

  /**
   * Runs one request within the deadline. The reply zxid is read in the callback, which
   * node-zookeeper-client runs synchronously right after storing that reply's header.
   * Reads lost with the connection are tried again while time remains; writes are not
   * (they may have been applied), their callers get UnavailableError.
   */
  private async call<T>(d: Deadline, what: string, idempotent: boolean, fn: (client: Client, cb: Callback<T>) => void): Promise<{ value: T; zxid: number }> {
    for (;;) {
      await this.waitConnected(d);
      const client = this.client;
      try {
        return await new Promise<{ value: T; zxid: number }>((resolve, reject) => {
          let settled = false;
          const settle = (fail: Error | undefined, ok?: { value: T; zxid: number }): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            this.inFlight.delete(abort);
            if (fail) reject(fail);
            else resolve(ok!);
          };
          const abort = (): void => settle(new UnavailableError('the ZooKeeper store client is closed'));
          const timer = setTimeout(() => settle(new UnavailableError(`ZooKeeper did not answer ${what} in time`)), Math.max(0, d.remaining()));
          this.inFlight.add(abort);
          try {
            fn(client, (err, value) => {
              const zxid = replyZxid(client);
              settle(err ? mapError(err, what) : undefined, { value: value as T, zxid });
            });
          } catch (err) {
            settle(new PlexusError('INTERNAL', `ZooKeeper ${what} rejected its arguments: ${(err as Error).message}`, { cause: err }));
          }
        });
      } catch (err) {
        if (idempotent && err instanceof UnavailableError && d.remaining() > 50 && !this.closed) continue;
        throw err;
      }
    }
  }

  private newClient(): Client {
    const client = zookeeper.createClient(this.options.connectString, {
      sessionTimeout: this.options.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    client.on('connected', () => {
      if (client !== this.client || this.closed) return;
      this.connected = true;
      this.lastReceived = Date.now();
      socketOf(client)?.on('data', () => {
        this.lastReceived = Date.now();
      });
      this.emitter.emit('connected');
    });
    client.on('disconnected', () => {
      if (client === this.client) this.connected = false;
    });
    client.on('expired', () => {
      if (client !== this.client || this.closed) return;
      this.connected = false;
      this.options.logger?.warn({ connectString: this.options.connectString }, 'ZooKeeper session expired; starting a new one');
      this.generation++;
      this.client = this.newClient();
      void closeClient(client);
      this.emitter.emit('expired');
    });
    client.connect();
    return client;
  }

  /**
   * The timeouts node-zookeeper-client lacks: a read timeout once connected (the Java client's
   * is 2/3 of the session timeout), and one for the session handshake (after the TCP connect
   * the client would wait for the server's answer forever, e.g. from a server still starting).
   */
  private checkAlive(): void {
    if (this.closed) return;
    if (!this.connected) {
      const socket = socketOf(this.client);
      if (socket === undefined) return;
      if (this.handshake?.socket !== socket) this.handshake = { socket, since: Date.now() };
      else if (Date.now() - this.handshake.since > Math.min(2000, Math.max(500, this.options.sessionTimeoutMs / 3))) {
        this.handshake = undefined;
        socket.destroy();
      }
      return;
    }
    if (Date.now() - this.lastReceived > (this.sessionTimeoutMs * 2) / 3) {
      this.options.logger?.warn({ connectString: this.options.connectString }, 'ZooKeeper stopped answering; reconnecting');
      this.lastReceived = Date.now();
      this.dropConnection();
    }
  }
}

interface ExceptionLike {
  getCode(): number;
}
function isExceptionLike(err: unknown): err is ExceptionLike {
  return typeof err === 'object' && err !== null && typeof (err as ExceptionLike).getCode === 'function';
}
function isExceptionCode(err: unknown, code: number): boolean {
  return isExceptionLike(err) && err.getCode() === code;
}

function mapError(err: unknown, what: string): Error {
  if (err instanceof ZkCodeError) {
    return UNAVAILABLE_CODES.has(err.code) ? new UnavailableError(`ZooKeeper unavailable (${what})`, { cause: err }) : err;
  }
  if (isExceptionLike(err)) {
    const code = err.getCode();
    if (UNAVAILABLE_CODES.has(code)) return new UnavailableError(`ZooKeeper unavailable (${what}): ${String(err)}`, { cause: err });
    return new ZkCodeError(code, what);
  }
  return new PlexusError('INTERNAL', `ZooKeeper ${what} failed: ${String(err)}`, { cause: err });
}
