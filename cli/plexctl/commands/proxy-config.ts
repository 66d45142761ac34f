// plexctl proxy-config INSTANCE: what config-push sent one proxy — per resource the version it
// holds (acked), the one last sent, the current one, its state, and the body it acked.
import { OUTPUT_OPTION, outputFormat } from '../command-args.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { table, toJson, toYaml } from '../output.js';
import { proxyInfoData } from './proxy-status.js';
import { fleetFor, REPLICAS_OPTION } from './rollout.js';

function parseBody(json: string): unknown {
  if (json === '') return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

export const proxyConfigCommand: Command = {
  name: 'proxy-config',
  summary: 'Show the config one proxy was sent and acknowledged',
  usage: 'proxy-config INSTANCE [--replicas ADDR,…] [-o yaml|json|table]',
  options: {
    ...OUTPUT_OPTION,
    ...REPLICAS_OPTION,
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'INSTANCE is required' : `unexpected argument '${positionals[1]}'`);
    const format = outputFormat(values.output ?? 'yaml');
    const fleet = fleetFor(ctx, values);
    try {
      const cfg = await fleet.proxyConfig(positionals[0]!);
      if (format === 'table') {
        ctx.stdout.write(
          table(
            ['TYPE', 'NAME', 'STATE', 'ACKED', 'SENT', 'CURRENT'],
            cfg.resources.map((r) => [r.type, r.name, r.state, r.ackedVersion || '-', r.sentVersion || '-', r.currentVersion || '-']),
          ),
        );
        return EXIT.OK;
      }
      const data = {
        proxy: cfg.proxy ? proxyInfoData(cfg.proxy) : null,
        resources: cfg.resources.map((r) => ({
          type: r.type,
          name: r.name,
          state: r.state,
          ackedVersion: r.ackedVersion || null,
          sentVersion: r.sentVersion || null,
          currentVersion: r.currentVersion || null,
          body: parseBody(r.bodyJson),
        })),
      };
      ctx.stdout.write(format === 'json' ? toJson(data) : toYaml(data));
      return EXIT.OK;
    } finally {
      fleet.close();
    }
  },
};
