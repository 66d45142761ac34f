// plexctl registry list: registered instances, through the registry's gRPC API. LIVENESS says
// `confirmed`, or `UNCONFIRMED <for how long>` for an instance the registry keeps although no
// heartbeat reached it for the TTL (an outage of the registry tier or the store, or a dead proxy
// not judged yet: services/registry/reaper.ts); yaml/json carry `unconfirmedSince`.
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
    const records = instances.map((i) => (i.unconfirmedSince ? { ...i.record, unconfirmedSince: i.unconfirmedSince } : i.record));
    const now = Date.now();
    const liveness = (since: string | undefined): string => (since ? `UNCONFIRMED ${Math.max(0, Math.round((now - Date.parse(since)) / 1000))}s` : 'confirmed');
    writeList(ctx, format, records, {
      count: records.length,
      empty: 'no instances found',
      header: ['NAMESPACE', 'SERVICE', 'INSTANCE', 'ADDRESS', 'ZONE', 'HEALTH', 'LABELS', 'LIVENESS'],
      cells: () =>
        instances.map(({ record: r, unconfirmedSince }) => [
          r.namespace,
          r.service,
          r.id,
          `${r.address}:${r.port}`,
          r.zone,
          r.health,
          Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(','),
          liveness(unconfirmedSince),
        ]),
    });
    return EXIT.OK;
  },
};
