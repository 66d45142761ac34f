// Helpers for the registry's tests and bench: start replicas in-process on a store/bus config,
// collect instance events from the bus, and spawn the real binary as a child process.
import type { BusConfig } from '../../lib/bus/index.js';
import { createBus } from '../../lib/bus/index.js';
import type { EventBus } from '../../lib/bus/bus.js';
import type { Envelope } from '../../lib/bus/envelope.js';
import { silentLogger } from '../../lib/log.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../../lib/runtime.js';
import type { StoreConfig } from '../../lib/store/index.js';
import { spawnService, type ServiceProcess } from '../harness/index.js';
import { registryOptions, type RegistryOptions } from '../../services/registry/config.js';
import { startRegistry, type RegistryHandle } from '../../services/registry/registry-service.js';

export interface ReplicaOptions {
  cluster?: string;
  zone?: string;
  name: string;
  store: StoreConfig;
  bus: BusConfig;
  registry?: Partial<RegistryOptions>;
  overrides?: RuntimeOverrides;
  /** gRPC port (default 0: any); a replica restarted on its old port is found by its clients again. */
  grpcPort?: number;
}

export interface Replica {
  name: string;
  handle: RegistryHandle;
  runtime: Runtime;
  address: string;
  close(): Promise<void>;
}

export async function startReplica(opts: ReplicaOptions): Promise<Replica> {
  const cluster = opts.cluster ?? 'test';
  const zone = opts.zone ?? 'zone-a';
  const runtime = await createRuntime(
    'registry',
    {
      cluster,
      zone,
      instance: opts.name,
      logLevel: process.env.PLEXUS_LOG_LEVEL ?? 'silent',
      store: opts.store,
      bus: opts.bus,
      admin: { host: '127.0.0.1', port: 0 },
    },
    opts.overrides,
  );
  try {
    const handle = await startRegistry(runtime, {
      cluster,
      zone,
      instance: opts.name,
      grpc: { host: '127.0.0.1', port: opts.grpcPort ?? 0 },
      insecure: true,
      registry: registryOptions(opts.registry),
    });
    return { name: opts.name, handle, runtime, address: handle.address, close: () => runtime.lifecycle.shutdown('test done') };
  } catch (err) {
    await runtime.lifecycle.shutdown('start failed');
    throw err;
  }
}

/** Collects every instance.* event seen on the bus. */
export class EventLog {
  readonly events: Envelope[] = [];
  gaps = 0;

  constructor(private readonly bus: EventBus) {}

  /** A collector on its own bus connection. */
  static async open(bus: BusConfig, cluster = 'test'): Promise<EventLog> {
    const replica = `collector-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const log = new EventLog(await createBus(bus, { cluster, service: 'test', replica }, silentLogger()));
    await log.start();
    return log;
  }

  async start(): Promise<void> {
    await this.bus.subscribe('instance.*', {
      onEvent: (e) => this.events.push(e),
      onGap: () => {
        this.gaps++;
      },
    });
  }

  of(kind: string, subject?: string): Envelope[] {
    return this.events.filter((e) => e.type === `dev.plexus.${kind}` && (subject === undefined || e.subject === subject));
  }

  removalsOf(subject?: string): Envelope[] {
    return [...this.of('instance.expired', subject), ...this.of('instance.deregistered', subject)];
  }

  clear(): void {
    this.events.length = 0;
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}

export type ChildReplica = ServiceProcess;

/** Runs services/registry/main.ts as a real process configured by PLEXUS_* variables. */
export function spawnReplica(env: Record<string, string>): Promise<ChildReplica> {
  return spawnService('registry', env.PLEXUS_INSTANCE ?? 'registry-child', { PLEXUS_LOG_LEVEL: process.env.PLEXUS_LOG_LEVEL ?? 'info', PLEXUS_INSECURE: 'true', PLEXUS_AUTH__ANONYMOUS: 'viewer', ...env });
}
