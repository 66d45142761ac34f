// What the dev mesh prints once it is ready: what runs where, and what to try.
// The first line ("Plexus dev mesh is up in …") is what scripts and tests wait for.
import { DEFAULT_SETTINGS, DEV_CA_FILE } from '../../cli/plexctl/settings.js';
import type { DevMesh } from './dev-mesh.js';

export const BANNER_READY_PREFIX = 'Plexus dev mesh is up in ';

/**
 * The plexctl connection flags this mesh needs: none on the standard ports (plexctl's defaults),
 * otherwise `--server/--registry/--config-push` for each address that differs.
 */
export function plexctlFlags(addresses: { registry: string; policy: string; configPush: string }, caFile = DEV_CA_FILE): string {
  const flags: string[] = [];
  if (caFile !== DEV_CA_FILE) flags.push(`--ca-file ${caFile}`);
  if (addresses.policy !== DEFAULT_SETTINGS.policyAddr) flags.push(`--server ${addresses.policy}`);
  if (addresses.registry !== DEFAULT_SETTINGS.registryAddr) flags.push(`--registry ${addresses.registry}`);
  if (addresses.configPush !== DEFAULT_SETTINGS.configPushAddr) flags.push(`--config-push ${addresses.configPush}`);
  return flags.join(' ');
}

/**
 * `cmd   # comment` lines with the comments aligned; when the commands are too long for that
 * (plexctl flags for non-standard ports), each comment goes on its own line above its command.
 */
function commented(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([cmd]) => cmd.length)) + 2;
  if (width > 72) return rows.flatMap(([cmd, note]) => [`  # ${note}`, `  ${cmd}`]);
  return rows.map(([cmd, note]) => `  ${cmd.padEnd(width)}# ${note}`);
}

export function bannerLines(mesh: DevMesh, config: { store: { backend: string }; bus: { kind: string }; cluster: string }, elapsedMs: number): string[] {
  const cp = mesh.controlPlane;
  const flags = plexctlFlags(cp.addresses, mesh.caFile);
  const identityFlag = cp.addresses.identity === '127.0.0.1:7104' ? '' : ` --identity ${cp.addresses.identity}`;
  const plexctl = (args: string): string => `npx plexctl ${args}${flags ? ` ${flags}` : ''}`;
  return [
    '',
    `${BANNER_READY_PREFIX}${(elapsedMs / 1000).toFixed(1)} s  (cluster ${config.cluster}, store: ${config.store.backend}, bus: ${config.bus.kind})`,
    '',
    'Control plane',
    `  registry     gRPC ${cp.addresses.registry.padEnd(17)} admin ${cp.adminUrls.registry}`,
    `  policy       gRPC ${cp.addresses.policy.padEnd(17)} admin ${cp.adminUrls.policy}`,
    `  config-push  gRPC ${cp.addresses.configPush.padEnd(17)} admin ${cp.adminUrls.configPush}`,
    `  identity     gRPC ${cp.addresses.identity.padEnd(17)} admin ${cp.adminUrls.identity}`,
    ...(mesh.console ? [`  console      ${mesh.console.url}   (topology, proxies, rollouts, policies; live)`] : []),
    '',
    `Trust: every control-plane API runs over TLS under the dev root ${mesh.caFile} (plexctl uses it`,
    '  by default here); each proxy holds a workload certificate from its own join token.',
    '  Operators are anonymous admins on loopback in dev mode; workloads never are.',
    '',
    'Demo apps, each behind its own sidecar proxy (frontend → catalog v1/v2 → pricing)',
    ...mesh.members.map(
      (m) =>
        `  ${m.name.padEnd(12)} app :${String(m.app.port).padEnd(6)} proxy outbound :${String(m.sidecar.ports.outbound).padEnd(6)} inbound :${String(m.sidecar.ports.inbound).padEnd(6)} admin http://127.0.0.1:${m.sidecar.ports.admin}`,
    ),
    `  ingress gateway ${mesh.gatewayUrl} → default/frontend   (admin http://127.0.0.1:${mesh.gateway.adminPort})`,
    '',
    `Proxyless gRPC (Envoy xDS v3 ADS: ${cp.addresses.configPush} with a workload certificate; anonymous plaintext on loopback at ${cp.addresses.xdsPlaintext})`,
    ...mesh.inventory.members.map((m) => `  ${m.name.padEnd(12)} gRPC ${m.app.address}  (plexus.demo.v1.Inventory + grpc.health.v1, no sidecar)`),
    '',
    'Try',
    ...commented([
      [`curl -s ${mesh.gatewayUrl}/`, 'JSON; catalog.version says v1 or v2'],
      [plexctl('apply -f examples/canary.yaml --wait'), '90/10 split between catalog v1 and v2'],
      [plexctl('rollout status Route/default/catalog'), 'which proxies hold the change'],
      [plexctl('proxy-status'), 'every proxy and what it acked'],
      [`PLEXUS_XDS_SERVER=${cp.addresses.xdsPlaintext} npm run example:proxyless`, 'xds:///inventory.default version mix'],
      [plexctl('apply -f examples/proxyless/route-inventory.yaml --wait'), 'shift inventory to 20/80 v1/v2'],
      [plexctl('registry list'), 'registered instances'],
      [plexctl(`token create --service reviews -n default --ttl 24h${identityFlag}`), 'a join token for a new workload'],
      [`curl -s ${cp.adminUrls.configPush}/metrics | grep plexus_`, 'control-plane metrics'],
      [`curl -s http://127.0.0.1:${mesh.members[0]?.sidecar.ports.admin}/config_dump`, "a proxy's config"],
    ]),
    '',
    'Ctrl-C stops everything cleanly (every proxy drains and deregisters).',
    '',
  ];
}

export function printBanner(mesh: DevMesh, config: { store: { backend: string }; bus: { kind: string }; cluster: string }, elapsedMs: number): void {
  process.stdout.write(bannerLines(mesh, config, elapsedMs).join('\n') + '\n');
}
