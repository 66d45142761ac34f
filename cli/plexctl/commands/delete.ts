// plexctl delete KIND NAME: remove one policy (optionally only at an expected revision).
import { NAMESPACE_OPTION, policyRefArgs } from '../command-args.js';
import { EXIT, UsageError, type Command } from '../command.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete one policy',
  usage: 'delete KIND NAME [-n NAMESPACE] [--revision N]',
  options: {
    ...NAMESPACE_OPTION,
    revision: { type: 'string' },
  },
  async run(ctx, args) {
    const { values } = args;
    const { kind, name, namespace } = policyRefArgs(args);
    let expectedRevision: number | undefined;
    if (values.revision !== undefined) {
      expectedRevision = Number(values.revision);
      if (!Number.isSafeInteger(expectedRevision) || expectedRevision < 1) throw new UsageError('--revision must be a whole number ≥ 1');
    }
    const res = await ctx.policy().delete({ kind, namespace, name, ...(expectedRevision === undefined ? {} : { expectedRevision }) });
    ctx.stdout.write(`${kind} ${namespace}/${name} deleted (revision ${res.revision})\n`);
    return EXIT.OK;
  },
};
