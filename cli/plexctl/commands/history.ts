// plexctl history KIND NAME: recent changes of one policy, newest first.
import { EXIT, UsageError, type Command } from '../command.js';
import { parseKind } from '../kinds.js';
import { table, toJson, toYaml } from '../output.js';
import { outputFormat } from './get.js';

export const historyCommand: Command = {
  name: 'history',
  summary: 'Show recent changes of one policy (who and when)',
  usage: 'history KIND NAME [-n NAMESPACE] [--limit N] [-o table|yaml|json]',
  options: {
    namespace: { type: 'string', short: 'n' },
    limit: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  async run(ctx, { values, positionals }) {
    const [kindText, name, extra] = positionals;
    if (!kindText || !name) throw new UsageError('KIND and NAME are required');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const kind = parseKind(kindText)!;
    const format = outputFormat(values.output);
    const limit = values.limit === undefined ? 0 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit must be a whole number ≥ 0');
    const namespace = (values.namespace as string | undefined) ?? 'default';
    const { entries } = await ctx.policy().history({ kind, namespace, name, limit });
    const plain = entries.map((e) => ({
      revision: e.revision,
      action: e.action,
      principal: e.principal,
      time: e.time,
      ...(e.document ? { policy: JSON.parse(e.document) as unknown } : {}),
    }));
    if (format === 'json') ctx.stdout.write(toJson(plain));
    else if (format === 'yaml') ctx.stdout.write(toYaml(plain));
    else if (entries.length === 0) ctx.stderr.write(`no history for ${kind} ${namespace}/${name}\n`);
    else ctx.stdout.write(table(['REVISION', 'ACTION', 'BY', 'TIME'], entries.map((e) => [String(e.revision), e.action, e.principal, e.time])));
    return EXIT.OK;
  },
};
