// plexctl get imports [PEER]: what this cluster imports from each federation peer and how
// fresh it is — the importer's cursor beside the exporter's (from its last heartbeat), the
// heartbeat's age, whether the link is stale, and per service its instance count.
// The federation service is at --federation ADDR / $PLEXCTL_FEDERATION_ADDR (default
// 127.0.0.1:7105), over TLS with the global CA file, or plaintext with --insecure.
import { FederationClient } from '../../../lib/federation-client/federation-client.js';
import { controlPlaneChannel, rootsOnlySource } from '../../../lib/grpc/tls.js';
import { OUTPUT_OPTION, outputFormat } from '../command-args.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { table, toJson, toYaml } from '../output.js';
import { DEV_CA_FILE } from '../settings.js';

export const DEFAULT_FEDERATION_ADDR = '127.0.0.1:7105';

function age(ms: number): string {
  return ms < 0 ? 'never' : ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export const getImportsCommand: Command = {
  name: 'get imports',
  summary: 'Show what this cluster imports from each federation peer, and how fresh it is',
  usage: 'get imports [PEER] [--federation ADDR] [-o table|yaml|json]',
  options: { federation: { type: 'string' }, ...OUTPUT_OPTION },
  async run(ctx, { values, positionals }) {
    const [peer, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const format = outputFormat(values.output);
    const address = (values.federation as string | undefined) ?? (process.env.PLEXCTL_FEDERATION_ADDR || DEFAULT_FEDERATION_ADDR);
    if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(address)) throw new UsageError(`--federation: '${address}' must be host:port`);
    const { settings } = ctx;
    let credentials;
    if (settings.caPem !== undefined) credentials = controlPlaneChannel({ tls: rootsOnlySource(settings.caPem), trustDomain: settings.trustDomain }, 'federation');
    else if (settings.insecure) credentials = controlPlaneChannel({ insecure: true }, 'federation');
    else throw new UsageError(`no CA file to verify the federation server with: pass --ca-file ROOT.pem (the dev mesh writes ${DEV_CA_FILE}); --insecure only for a plaintext test control plane`);
    const client = new FederationClient(address, { credentials, token: settings.token, deadlineMs: settings.timeoutMs });
    try {
      const res = await client.listImports({ peer: peer ?? '' });
      const data = res.peers.map((p) => ({
        peer: p.peer,
        cursor: p.cursor,
        exporterCursor: p.exporterCursor,
        heartbeatAgeMs: p.heartbeatAgeMs,
        stale: p.stale,
        activeReplica: p.activeReplica || null,
        services: p.services.map((s) => ({ service: `${s.namespace}/${s.service}`, instances: s.instances, sequence: s.sequence, stale: s.stale })),
      }));
      if (format === 'json') ctx.stdout.write(toJson({ cluster: res.cluster, peers: data }));
      else if (format === 'yaml') ctx.stdout.write(toYaml({ cluster: res.cluster, peers: data }));
      else if (data.length === 0) ctx.stderr.write('no peers configured\n');
      else {
        ctx.stdout.write(
          table(
            ['PEER', 'CURSOR', 'EXPORTER CURSOR', 'HEARTBEAT', 'STALE', 'SERVICE', 'INSTANCES'],
            data.flatMap((p) => {
              const head = [p.peer, String(p.cursor), String(p.exporterCursor), age(p.heartbeatAgeMs), p.stale ? 'yes' : 'no'];
              if (p.services.length === 0) return [[...head, '-', '-']];
              return p.services.map((s, i) => [...(i === 0 ? head : ['', '', '', '', '']), s.service, `${s.instances}${s.stale ? ' (stale)' : ''}`]);
            }),
          ),
        );
      }
      return EXIT.OK;
    } finally {
      client.close();
    }
  },
};
