// The vocabulary shared by the ZooKeeper backend's modules: result codes it handles, the
// error that carries them, multi operations, and per-operation deadlines.
import zookeeper from 'node-zookeeper-client';
import type { Stat } from 'node-zookeeper-client';

export const ZK = {
  NO_NODE: zookeeper.Exception.NO_NODE,
  NODE_EXISTS: zookeeper.Exception.NODE_EXISTS,
  BAD_VERSION: zookeeper.Exception.BAD_VERSION,
  NOT_EMPTY: zookeeper.Exception.NOT_EMPTY,
  PERSISTENT: zookeeper.CreateMode.PERSISTENT,
  PERSISTENT_SEQUENTIAL: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  EPHEMERAL_SEQUENTIAL: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
} as const;

/** A ZooKeeper result code the store logic handles (NO_NODE, NODE_EXISTS, BAD_VERSION, NOT_EMPTY). */
export class ZkCodeError extends Error {
  constructor(
    readonly code: number,
    readonly op: string,
    /** For a multi: the index of the operation that failed. */
    readonly index = -1,
  ) {
    super(`ZooKeeper ${op} failed with code ${code}${index >= 0 ? ` at operation ${index}` : ''}`);
    this.name = 'ZkCodeError';
  }
}

export function isZkCode(err: unknown, code: number): err is ZkCodeError {
  return err instanceof ZkCodeError && err.code === code;
}

export class Deadline {
  readonly at: number;
  constructor(ms: number) {
    this.at = Date.now() + ms;
  }
  remaining(): number {
    return this.at - Date.now();
  }
}

export type ZkOp =
  | { op: 'create'; path: string; data: Buffer; mode?: number }
  | { op: 'setData'; path: string; data: Buffer; version: number }
  | { op: 'remove'; path: string; version: number }
  | { op: 'check'; path: string; version: number };

export interface OpResult {
  /** create: the created path (with a sequential suffix where asked). */
  path?: string;
  /** setData: the new stat. */
  stat?: Stat;
}
