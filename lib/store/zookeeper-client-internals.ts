// Everything the ZooKeeper backend needs from node-zookeeper-client (1.1.x) beyond its public
// API, in one place so an upgrade has one file to check:
//  - the reply header's zxid, which the client stores on its ConnectionManager before it runs a
//    request's callback (synchronously), but never passes to the callback;
//  - the current socket, for the read and handshake timeouts and for dropping a connection;
//  - a fix for Transaction's `version || -1`, which turns version 0 into "any version" in
//    multi operations (a check against a fresh znode would always pass);
//  - holding the automatic reconnect while a test expires the session;
//  - closing a client that is not connected without a TypeError or a reconnect loop.
import zookeeper from 'node-zookeeper-client';
import type { Client, Transaction } from 'node-zookeeper-client';
import { long } from './zookeeper-codec.js';
import type { ZkOp } from './zookeeper-ops.js';

interface Socket {
  destroy(): void;
  on(event: 'data', fn: () => void): void;
}

interface ConnectionManager {
  zxid: Buffer;
  socket?: Socket;
  connect?: () => void;
}

function manager(client: Client): ConnectionManager {
  return (client as unknown as { connectionManager: ConnectionManager }).connectionManager;
}

/** The zxid in the header of the reply being handled; call it from a request's callback. */
export function replyZxid(client: Client): number {
  return long(manager(client).zxid);
}

export function socketOf(client: Client): Socket | undefined {
  return manager(client).socket;
}

/** A transaction of `ops`, with their versions as given (0 included). */
export function transaction(client: Client, ops: ZkOp[]): Transaction {
  const tx = client.transaction();
  const raw = (tx as unknown as { ops: Array<{ version?: number }> }).ops;
  for (const o of ops) {
    if (o.op === 'create') tx.create(o.path, o.data, o.mode ?? zookeeper.CreateMode.PERSISTENT);
    else if (o.op === 'setData') tx.setData(o.path, o.data, o.version);
    else if (o.op === 'remove') tx.remove(o.path, o.version);
    else tx.check(o.path, o.version);
    if ('version' in o) raw[raw.length - 1]!.version = o.version;
  }
  return tx;
}

/**
 * Keeps the client from reconnecting until the returned function is called: an own property
 * shadows ConnectionManager.prototype.connect and records the attempt instead.
 */
export function holdReconnect(client: Client): () => void {
  const cm = manager(client);
  const proto = Object.getPrototypeOf(cm) as { connect(this: unknown): void };
  let wanted = false;
  cm.connect = () => {
    wanted = true;
  };
  return () => {
    delete cm.connect;
    if (wanted) proto.connect.call(cm);
  };
}

/** Closes a client and waits (bounded) for its socket to go, so nothing keeps the process alive. */
export async function closeClient(client: Client): Promise<void> {
  const state = client.getState();
  if (state === zookeeper.State.SYNC_CONNECTED) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      closeQuietly(client);
    });
  } else if (state !== zookeeper.State.EXPIRED && state !== zookeeper.State.AUTH_FAILED) {
    // Not connected: the close request cannot go out, but this stops the reconnecting.
    closeQuietly(client);
  }
  socketOf(client)?.destroy();
}

function closeQuietly(client: Client): void {
  try {
    client.close();
  } catch {
    // No socket yet: nothing to tell the server.
  }
}
