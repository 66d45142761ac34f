// plexctl registry list: registered instances, through the registry's gRPC API.
import { EXIT, UsageError, type Command } from '../command.js';
import { table, toJson, toYaml } from '../output.js';
import { outputFormat } from './get.js';

export const registryListCommand: Command = {
  name: 'registry list',
  summary: 'List registered service instances',
  usage: 'registry list [-n NAMESPACE] [--service NAME] [-l SELECTOR] [-o table|yaml|json]',
  options: {
    namespace: { type: 'string', short: 'n' },
    service: { type: 'string' },
    selector: { type: 'string', short: 'l' },
    output: { type: 'string', short: 'o' },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const format = outputFormat(values.output);
    const service = (values.service as string | undefined) ?? '';
    const namespace = (values.namespace as string | undefined) ?? (service ? 'default' : '');
    const { instances } = await ctx.registry().listAll({ namespace, service, labelSelector: (values.selector as string | undefined) ?? '' });
    const records = instances.map((i) => i.record);
    if (format === 'json') ctx.stdout.write(toJson(records));
    else if (format === 'yaml') ctx.stdout.write(toYaml(records));
    else if (records.length === 0) ctx.stderr.write('no instances found\n');
    else {
      ctx.stdout.write(
        table(
          ['NAMESPACE', 'SERVICE', 'INSTANCE', 'ADDRESS', 'ZONE', 'HEALTH', 'LABELS'],
          records.map((r) => [r.namespace, r.service, r.id, `${r.address}:${r.port}`, r.zone, r.health, Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(',')]),
        ),
      );
    }
    return EXIT.OK;
  },
};
