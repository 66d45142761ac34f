// Ingress gateway configuration: the proxy in gateway mode. It has no app of its own: it takes
// traffic from outside the mesh on `listen` and routes it, by host and path prefix, to mesh
// services — with the same routing, resilience and telemetry as a sidecar's outbound side.
//
//   PLEXUS_SERVICE=ingress-gateway PLEXUS_GATEWAY__LISTEN__PORT=8080 \
//   PLEXUS_GATEWAY__ROUTES='[{"pathPrefix":"/","service":"default/frontend"}]' \
//   node --import tsx proxy/gateway-main.ts
import { z } from 'zod';
import { dnsLabel, listenAddress, logLevel } from '../../lib/config/fields.js';
import { loadConfigFromArgs } from '../../lib/config/flags.js';
import { SERVICE_ID_RE as SERVICE_NAME } from '../../lib/model/names.js';
import { proxyConfigSchema, defaultInstanceId } from './proxy-config.js';

export const gatewayRouteSchema = z
  .object({
    /** Matches when the request path starts with this (segment-wise: `/api` matches `/api/x`, not `/apix`). */
    pathPrefix: z.string().startsWith('/', 'must start with /').max(1024).default('/'),
    /** Optional Host to match (without port); omitted: any host. */
    host: z.string().min(1).max(253).optional(),
    /** Destination `<namespace>/<service>`. */
    service: z.string().regex(SERVICE_NAME, 'must be <namespace>/<service>'),
  })
  .strict();
export type GatewayRoute = z.infer<typeof gatewayRouteSchema>;

const base = proxyConfigSchema.shape;

export const gatewayConfigSchema = z
  .object({
    cluster: base.cluster,
    zone: base.zone,
    namespace: dnsLabel.default('default'),
    service: dnsLabel.default('ingress-gateway'),
    instance: z.string().min(1).max(128).optional(),
    logLevel: logLevel.default('info'),
    labels: base.labels,
    admin: listenAddress(15000).default({ host: '127.0.0.1', port: 15000 }),
    advertiseAddress: base.advertiseAddress,
    controlPlane: base.controlPlane,
    identity: base.identity,
    workloadTlsFiles: base.workloadTlsFiles,
    gateway: z
      .object({
        /**
         * `ingress`: outside traffic, routed by `routes`. `east-west`: other clusters' proxies,
         * routed by authority `<service>.<namespace>` to this cluster's own endpoints of the
         * services in `exports` (proxy/README.md "East-west gateway").
         */
        mode: z.enum(['ingress', 'east-west']).default('ingress'),
        listen: listenAddress(8080).default({ host: '127.0.0.1', port: 8080 }),
        routes: z.array(gatewayRouteSchema).default([]),
        /** east-west: the services other clusters may reach, `<namespace>/<service>`. */
        exports: z.array(z.string().regex(SERVICE_NAME, 'must be <namespace>/<service>')).max(1000).default([]),
        /** east-west: a TLS passthrough listener routing by SNI `<service>.<namespace>`; omitted: none. */
        passthrough: listenAddress(15443).optional(),
        /**
         * TLS for outside clients with the operator's certificate (chain) and key, re-read when
         * the files change. Plaintext is still accepted on the same port. Into the mesh the
         * gateway always speaks mTLS as its own identity.
         */
        tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict().optional(),
      })
      .strict()
      .superRefine((g, ctx) => {
        if (g.mode === 'ingress' && g.routes.length === 0) ctx.addIssue({ code: 'custom', path: ['routes'], message: 'needs at least one route' });
        if (g.mode === 'east-west' && g.exports.length === 0) ctx.addIssue({ code: 'custom', path: ['exports'], message: 'an east-west gateway needs at least one exported service' });
        if (g.mode === 'ingress' && g.exports.length > 0) ctx.addIssue({ code: 'custom', path: ['exports'], message: 'only for mode east-west' });
        if (g.mode === 'ingress' && g.passthrough) ctx.addIssue({ code: 'custom', path: ['passthrough'], message: 'only for mode east-west' });
        if (g.mode === 'east-west' && g.routes.length > 0) ctx.addIssue({ code: 'custom', path: ['routes'], message: 'an east-west gateway routes by authority, not by routes' });
      }),
    onDemandTimeoutMs: base.onDemandTimeoutMs,
    failoverThresholdPercent: base.failoverThresholdPercent,
    drainTimeoutMs: base.drainTimeoutMs,
    accessLog: base.accessLog,
    tracing: base.tracing,
    limits: base.limits,
  })
  .strict();

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type GatewayConfig = z.output<typeof gatewayConfigSchema> & { instance: string };

export function parseGatewayConfig(input: GatewayConfigInput): GatewayConfig {
  const c = gatewayConfigSchema.parse(input);
  return { ...c, instance: c.instance ?? defaultInstanceId(c.service) };
}

export function loadGatewayConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const c = loadConfigFromArgs(gatewayConfigSchema, argv, env);
  return { ...c, instance: c.instance ?? defaultInstanceId(c.service) };
}

/** The first route whose host (if any) and path prefix match; routes are tried in order. */
export function matchGatewayRoute(routes: readonly GatewayRoute[], host: string | undefined, path: string): GatewayRoute | undefined {
  const h = host?.toLowerCase().replace(/:\d+$/, '');
  for (const r of routes) {
    if (r.host !== undefined && r.host.toLowerCase() !== h) continue;
    const p = r.pathPrefix;
    if (p === '/' || path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || path.startsWith(`${p}?`)) return r;
  }
  return undefined;
}
