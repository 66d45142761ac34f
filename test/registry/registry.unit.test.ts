// The registry behaviour suite on the in-memory store and bus: two replicas in one process,
// each with its own store client and bus, sharing one MemoryState and MemoryHub.
import { after, before, describe } from 'node:test';
import { MemoryBus, MemoryHub } from '../../lib/bus/memory-bus.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { registryScenarios, type ScenarioEnv } from './registry-scenarios.js';
import { EventLog, startReplica, type Replica } from './support.js';

describe('registry on the memory store', () => {
  const store = new MemoryStore();
  const hub = new MemoryHub();
  let env: ScenarioEnv | undefined;
  const replicas: Replica[] = [];

  before(async () => {
    const start = (name: string): Promise<Replica> =>
      startReplica({
        name,
        store: { backend: 'memory' },
        bus: { kind: 'memory' },
        registry: { maxInstancesPerService: 5, claimTtlSeconds: 30 },
        overrides: { store: store.client(), bus: new MemoryBus({ cluster: 'test', source: `registry/${name}`, hub }) },
      });
    replicas.push(await start('mem-a'), await start('mem-b'));
    const log = new EventLog(new MemoryBus({ cluster: 'test', source: 'test/collector', hub }));
    await log.start();
    env = { a: replicas[0]!, b: replicas[1]!, events: log, store, cluster: 'test', ttlSeconds: 1, expiryMarginMs: 600 };
  });

  after(async () => {
    await env?.events.close();
    for (const r of replicas) await r.close();
    await store.close();
  });

  registryScenarios(() => {
    if (!env) throw new Error('suite not set up');
    return env;
  });
});
