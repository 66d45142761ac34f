// Store factory: picks a backend from validated config. Backends are imported on demand so a
// memory-mode process never loads the etcd or ZooKeeper clients.
import type { Logger } from 'pino';
import { z } from 'zod';
import { splitCommas } from '../config/fields.js';
import { MemoryStore } from './memory-store.js';
import type { Store } from './store.js';

export type StoreConfig =
  | { backend: 'memory' }
  | { backend: 'etcd'; endpoints: string[]; dialTimeoutMs?: number }
  | { backend: 'zookeeper'; connectString: string; sessionTimeoutMs?: number };

const endpoint = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, 'must be an http(s)://host:port URL');

/** Embeddable in a service's config schema; `.strict()` so a misspelt field is reported. */
export const storeConfigSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('memory') }).strict(),
  z
    .object({
      backend: z.literal('etcd'),
      endpoints: z.preprocess(splitCommas, z.array(endpoint).min(1, 'at least one etcd endpoint is required')),
      /** Deadline of each etcd call and of creating a watch (default 2000 ms). */
      dialTimeoutMs: z.number().int().min(100).max(60_000).optional(),
    })
    .strict(),
  z
    .object({
      backend: z.literal('zookeeper'),
      connectString: z.string().min(1, 'must not be empty'),
      sessionTimeoutMs: z.number().int().min(1000).max(120_000).optional(),
    })
    .strict(),
]);

// The schema and the hand-written type must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<z.infer<typeof storeConfigSchema>, StoreConfig> = true;
void schemaMatchesType;

export async function createStore(config: StoreConfig, logger?: Logger): Promise<Store> {
  switch (config.backend) {
    case 'memory':
      return new MemoryStore(logger ? { logger } : {});
    case 'etcd': {
      const { EtcdStore } = await import('./etcd-store.js');
      return EtcdStore.connect(config, logger);
    }
    case 'zookeeper': {
      const { ZooKeeperStore } = await import('./zookeeper-store.js');
      return ZooKeeperStore.connect(config, logger);
    }
  }
}

export type { Store } from './store.js';
export { MemoryStore } from './memory-store.js';
