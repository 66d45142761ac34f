// What the dev mesh prints once it is ready: what runs where, and what to try.
import type { DevMesh } from './dev-mesh.js';

export function printBanner(mesh: DevMesh, config: { store: { backend: string }; bus: { kind: string }; cluster: string }, elapsedMs: number): void {
  const cp = mesh.controlPlane;
  const lines = [
    '',
    `Plexus dev mesh is up in ${(elapsedMs / 1000).toFixed(1)} s  (cluster ${config.cluster}, store: ${config.store.backend}, bus: ${config.bus.kind})`,
    '',
    'Control plane',
    `  registry     gRPC ${cp.addresses.registry.padEnd(17)} admin ${cp.adminUrls.registry}`,
    `  policy       gRPC ${cp.addresses.policy.padEnd(17)} admin ${cp.adminUrls.policy}`,
    `  config-push  gRPC ${cp.addresses.configPush.padEnd(17)} admin ${cp.adminUrls.configPush}`,
    '',
    'Demo apps, each behind its own sidecar proxy (frontend → catalog v1/v2 → pricing)',
    ...mesh.members.map(
      (m) =>
        `  ${m.name.padEnd(12)} app :${String(m.app.port).padEnd(6)} proxy outbound :${String(m.sidecar.ports.outbound).padEnd(6)} inbound :${String(m.sidecar.ports.inbound).padEnd(6)} admin http://127.0.0.1:${m.sidecar.ports.admin}`,
    ),
    `  ingress gateway ${mesh.gatewayUrl} → default/frontend   (admin http://127.0.0.1:${mesh.gateway.adminPort})`,
    '',
    'Try',
    `  curl -s ${mesh.gatewayUrl}/                          # JSON; catalog.version says v1 or v2`,
    '  npx plexctl apply -f examples/canary.yaml --wait      # 90/10 split between catalog v1 and v2',
    '  npx plexctl rollout status Route/default/catalog      # which proxies hold the change',
    '  npx plexctl proxy-status                              # every proxy and what it acked',
    '  npx plexctl registry list                             # registered instances',
    `  curl -s ${cp.adminUrls.configPush}/metrics | grep plexus_    # control-plane metrics`,
    `  curl -s http://127.0.0.1:${mesh.members[0]?.sidecar.ports.admin}/config_dump      # a proxy's config`,
    '',
    'Ctrl-C stops everything cleanly (every proxy drains and deregisters).',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
