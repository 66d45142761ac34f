// Helpers for the registry's tests and bench: start replicas in-process on a store/bus config,
// collect instance events from the bus, and spawn the real binary as a child process.
import type { BusConfig } from '../../lib/bus/index.js';
import { createBus } from '../../lib/bus/index.js';
import type { EventBus } from '../../lib/bus/bus.js';
import type { Envelope } from '../../lib/bus/envelope.js';
import { silentLogger } from '../../lib/log.js';
import { spawnService, startInProcess, type InProcessOptions, type InProcessService, type ServiceProcess } from '../harness/index.js';
import { registryOptions, type RegistryOptions } from '../../services/registry/config.js';
import { startRegistry, type RegistryHandle } from '../../services/registry/registry-service.js';

/** An in-process replica; cluster `test` and zone `zone-a` unless given. */
export interface ReplicaOptions extends Omit<InProcessOptions, 'cluster' | 'zone'> {
  cluster?: string;
  zone?: string;
  registry?: Partial<RegistryOptions>;
  /** gRPC port (default 0: any); a replica restarted on its old port is found by its clients again. */
  grpcPort?: number;
}

export type Replica = InProcessService<RegistryHandle>;

export function startReplica(opts: ReplicaOptions): Promise<Replica> {
  const cluster = opts.cluster ?? 'test';
  const zone = opts.zone ?? 'zone-a';
  return startInProcess('registry', { ...opts, cluster, zone }, (runtime) =>
    startRegistry(runtime, {
      cluster,
      zone,
      instance: opts.name,
      grpc: { host: '127.0.0.1', port: opts.grpcPort ?? 0 },
      insecure: true,
      registry: registryOptions(opts.registry),
    }),
  );
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
