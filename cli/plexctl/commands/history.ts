// plexctl history KIND NAME: recent changes of one policy, newest first.
import { NAMESPACE_OPTION, OUTPUT_OPTION, outputFormat, policyRefArgs, writeList } from '../command-args.js';
import { EXIT, UsageError, type Command } from '../command.js';

export const historyCommand: Command = {
  name: 'history',
  summary: 'Show recent changes of one policy (who and when)',
  usage: 'history KIND NAME [-n NAMESPACE] [--limit N] [-o table|yaml|json]',
  options: {
    ...NAMESPACE_OPTION,
    limit: { type: 'string' },
    ...OUTPUT_OPTION,
  },
  async run(ctx, args) {
    const { values } = args;
    const { kind, name, namespace } = policyRefArgs(args);
    const format = outputFormat(values.output);
    const limit = values.limit === undefined ? 0 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit must be a whole number ≥ 0');
    const { entries } = await ctx.policy().history({ kind, namespace, name, limit });
    const plain = entries.map((e) => ({
      revision: e.revision,
      action: e.action,
      principal: e.principal,
      time: e.time,
      ...(e.document ? { policy: JSON.parse(e.document) as unknown } : {}),
    }));
    writeList(ctx, format, plain, {
      count: entries.length,
      empty: `no history for ${kind} ${namespace}/${name}`,
      header: ['REVISION', 'ACTION', 'BY', 'TIME'],
      cells: () => entries.map((e) => [String(e.revision), e.action, e.principal, e.time]),
    });
    return EXIT.OK;
  },
};
