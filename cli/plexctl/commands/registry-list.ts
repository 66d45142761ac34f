// plexctl registry list: registered instances, through the registry's gRPC API.
import { SELECTOR_OPTION, SERVICE_LIST_OPTIONS, serviceListArgs, writeList } from '../command-args.js';
import { EXIT, type Command } from '../command.js';

export const registryListCommand: Command = {
  name: 'registry list',
  summary: 'List registered service instances',
  usage: 'registry list [-n NAMESPACE] [--service NAME] [-l SELECTOR] [-o table|yaml|json]',
  options: {
    ...SERVICE_LIST_OPTIONS,
    ...SELECTOR_OPTION,
  },
  async run(ctx, args) {
    const { values } = args;
    const { format, namespace, service } = serviceListArgs(args);
    const { instances } = await ctx.registry().listAll({ namespace, service, labelSelector: (values.selector as string | undefined) ?? '' });
    const records = instances.map((i) => i.record);
    writeList(ctx, format, records, {
      count: records.length,
      empty: 'no instances found',
      header: ['NAMESPACE', 'SERVICE', 'INSTANCE', 'ADDRESS', 'ZONE', 'HEALTH', 'LABELS'],
      cells: () => records.map((r) => [r.namespace, r.service, r.id, `${r.address}:${r.port}`, r.zone, r.health, Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(',')]),
    });
    return EXIT.OK;
  },
};
