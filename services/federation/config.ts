// Federation service configuration: the shared service fields plus `federation.*`.
//   federation:
//     peers:
//       - name: west          # the peer cluster's name
//         domain: west        # JetStream domain of its NATS (default: its name)
//         priority: 1         # locality priority of its endpoints here (1 = first after local)
//     heartbeatMs: 1000       # exporter heartbeats carry its cursor
//     staleAfterMs: 5000      # no heartbeat for this long: the link is down, imports marked stale
//     stalenessWindowMs: 60000  # stale imports are dropped after this long without a heartbeat
//     stallAfterMs: 3000      # heartbeat cursor ahead of ours, nothing delivered: repair the link
//     leaseTtlSeconds: 5      # one active replica per peer link
//     maxMessageBytes: 262144 # larger peer messages are refused (and counted)
//     gateway: { address: 10.0.0.5, port: 15443 }  # this cluster's east-west gateway, if any
//     natsServers: [nats://127.0.0.1:4333]  # JetStream + peer links, if not the bus's servers
// Env example: PLEXUS_FEDERATION__PEERS='[{"name":"west"}]'
// The bus must be NATS: the peers' streams are reached over its leaf-node or gateway links.
import { z } from 'zod';
import { serviceConfigSchema } from '../../lib/config/service.js';
import { defaultInstanceName, dnsLabel, listenAddress, port, stringList } from '../../lib/config/fields.js';

export const peerConfigSchema = z
  .object({
    name: dnsLabel,
    domain: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a JetStream domain: letters, digits, _ or -').optional(),
    priority: z.number().int().min(1).max(255).default(1),
  })
  .strict();
export type PeerConfig = z.infer<typeof peerConfigSchema>;

export const federationOptionsSchema = z
  .object({
    peers: z.array(peerConfigSchema).max(64).default([]),
    heartbeatMs: z.number().int().min(50).max(60_000).default(1000),
    staleAfterMs: z.number().int().min(100).max(600_000).default(5000),
    stalenessWindowMs: z.number().int().min(100).max(7 * 86_400_000).default(60_000),
    stallAfterMs: z.number().int().min(100).max(600_000).default(3000),
    leaseTtlSeconds: z.number().int().min(1).max(300).default(5),
    maxMessageBytes: z.number().int().min(1024).max(8 * 1024 * 1024).default(256 * 1024),
    /** How long the exporter keeps a removed service's tombstone in its stream. */
    tombstoneRetentionMs: z.number().int().min(100).max(30 * 86_400_000).default(3_600_000),
    gateway: z.object({ address: z.string().min(1).max(253), port: port.refine((p) => p > 0, 'must be 1–65535') }).strict().optional(),
    /**
     * The NATS servers with JetStream and the links to the peers, when they are not the bus's
     * own (default: bus.servers).
     */
    natsServers: stringList(z.string().regex(/^((nats|tls):\/\/)?[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, "must be 'nats://host:port' or 'host:port'")).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const seen = new Set<string>();
    for (const [i, p] of o.peers.entries()) {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['peers', i, 'name'], message: `peer "${p.name}" is listed twice` });
      seen.add(p.name);
    }
    if (o.stalenessWindowMs < o.staleAfterMs) ctx.addIssue({ code: 'custom', path: ['stalenessWindowMs'], message: 'must be ≥ staleAfterMs' });
    if (o.staleAfterMs <= o.heartbeatMs) ctx.addIssue({ code: 'custom', path: ['staleAfterMs'], message: 'must be > heartbeatMs' });
    if (o.stallAfterMs <= o.heartbeatMs) ctx.addIssue({ code: 'custom', path: ['stallAfterMs'], message: 'must be > heartbeatMs' });
  });
export type FederationOptions = z.infer<typeof federationOptionsSchema>;

/** DESIGN.md "Conventions": federation gRPC 7105, admin 7115. */
export const FEDERATION_PORTS = { grpc: 7105, admin: 7115 } as const;

// The shared fields, with this service's own ports and instance name (the deployment manifests
// and their checks, which iterate lib/config/service.ts's port table, do not run it yet).
export const federationConfigSchema = serviceConfigSchema('registry', {
  instance: z.string().min(1).max(128).default(defaultInstanceName('federation')),
  grpc: listenAddress(FEDERATION_PORTS.grpc).default({ host: '127.0.0.1', port: FEDERATION_PORTS.grpc }),
  admin: listenAddress(FEDERATION_PORTS.admin).default({ host: '127.0.0.1', port: FEDERATION_PORTS.admin }),
  federation: federationOptionsSchema.prefault({}),
}).superRefine((c, ctx) => {
  if (c.bus.kind !== 'nats' && c.federation.natsServers === undefined) ctx.addIssue({ code: 'custom', path: ['bus', 'kind'], message: 'federation needs the NATS bus, or federation.natsServers (peers are reached over NATS links)' });
  for (const [i, p] of c.federation.peers.entries()) {
    if (p.name === c.cluster) ctx.addIssue({ code: 'custom', path: ['federation', 'peers', i, 'name'], message: 'a cluster cannot peer with itself' });
  }
});
export type FederationConfig = z.infer<typeof federationConfigSchema>;

/** Options with every default applied (tests and in-process callers pass a partial object). */
export function federationOptions(partial: Partial<z.input<typeof federationOptionsSchema>> = {}): FederationOptions {
  return federationOptionsSchema.parse(partial);
}
