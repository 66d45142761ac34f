// Console configuration: where it listens, which control-plane replicas it reads, and the
// operator token it reads them with (a viewer token is enough and is all it should get).
//
//   PLEXUS_CONTROL_PLANE__POLICY=10.0.0.5:7102 PLEXUS_CONTROL_PLANE__IDENTITY=10.0.0.5:7104 PLEXUS_CONTROL_PLANE__TOKEN=… plexus-console
import { z } from 'zod';
import { dnsLabel, listenAddress, logLevel, stringList } from '../../lib/config/fields.js';
import { withDefaults } from '../../lib/config/service.js';

export const CONSOLE_DEFAULT_PORTS = { http: 7120, admin: 7121 } as const;

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port');
const addresses = (def: string) => stringList(hostPort).pipe(z.array(hostPort).min(1, 'needs at least one address')).default([def]);

export const consoleConfigSchema = z
  .object({
    cluster: dnsLabel.default('local'),
    instance: z.string().min(1).max(128).default('console'),
    logLevel: logLevel.default('info'),
    /** The web console (GET only). Binds loopback by default: put it behind your SSO proxy to share it. */
    http: listenAddress(CONSOLE_DEFAULT_PORTS.http).default({ host: '127.0.0.1', port: CONSOLE_DEFAULT_PORTS.http }),
    /** /healthz, /readyz, /metrics. */
    admin: listenAddress(CONSOLE_DEFAULT_PORTS.admin).default({ host: '127.0.0.1', port: CONSOLE_DEFAULT_PORTS.admin }),
    controlPlane: z
      .object({
        registry: addresses('127.0.0.1:7101'),
        policy: addresses('127.0.0.1:7102'),
        configPush: addresses('127.0.0.1:7103'),
        /** Identity service replicas (CaStatus). An empty list (PLEXUS_CONTROL_PLANE__IDENTITY='') leaves the panel "not configured". */
        identity: stringList(hostPort).default(['127.0.0.1:7104']),
        /** Operator bearer token for every API it reads; a viewer token suffices. */
        token: z.string().min(1).optional(),
        /** The mesh CA (PEM) the control plane's TLS certificates are verified with. */
        caFile: z.string().min(1).optional(),
        /** Trust domain of the control plane's SPIFFE IDs. */
        trustDomain: z.string().min(1).default('plexus.local'),
        /** Plaintext, for an insecure (test) control plane only. */
        insecure: z.boolean().default(false),
      })
      .strict()
      .default({ registry: ['127.0.0.1:7101'], policy: ['127.0.0.1:7102'], configPush: ['127.0.0.1:7103'], identity: ['127.0.0.1:7104'], trustDomain: 'plexus.local', insecure: false })
      .refine((c) => c.insecure || c.caFile !== undefined, { message: 'caFile is required (the mesh CA the control plane is verified with), or insecure: true for a plaintext test control plane', path: ['caFile'] }),
    /** How often each proxy's admin /metrics is scraped for the topology. */
    scrapeIntervalMs: z.number().int().min(250).max(60_000).default(2000),
    /** Rates and p99 are computed over this window. */
    rateWindowMs: z.number().int().min(1000).max(600_000).default(30_000),
    /** How often proxy sync state is asked of config-push (it has no watch for it). */
    statusIntervalMs: z.number().int().min(250).max(60_000).default(1000),
    /** How often the identity service's CaStatus is asked (certificates, soonest expiry, counts). */
    identityIntervalMs: z.number().int().min(250).max(60_000).default(5000),
    /** Live-update (server-sent events) connections at once; more are refused with 503. */
    maxEventStreams: z.number().int().min(1).max(10_000).default(64),
  })
  .strict();

export type ConsoleConfig = z.output<typeof consoleConfigSchema>;
export const consoleOptions = withDefaults(consoleConfigSchema);
