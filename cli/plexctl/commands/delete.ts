// plexctl delete KIND NAME: remove one policy (optionally only at an expected revision).
import { EXIT, UsageError, type Command } from '../command.js';
import { parseKind } from '../kinds.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete one policy',
  usage: 'delete KIND NAME [-n NAMESPACE] [--revision N]',
  options: {
    namespace: { type: 'string', short: 'n' },
    revision: { type: 'string' },
  },
  async run(ctx, { values, positionals }) {
    const [kindText, name, extra] = positionals;
    if (!kindText || !name) throw new UsageError('KIND and NAME are required');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const kind = parseKind(kindText)!;
    const namespace = (values.namespace as string | undefined) ?? 'default';
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
