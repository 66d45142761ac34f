// plexctl diff -f FILE|DIR|-: what apply would change, as a line diff of the normalised YAML
// (computed by the server in a dry run, so defaults and normalisation are the server's).
// Exit 0: no differences; 1: differences; other codes: errors (see command.ts).
import { FILE_OPTIONS, filesArg, noPositionals } from '../command-args.js';
import { EXIT, type Command, type ExitCode } from '../command.js';
import { loadDocuments } from '../documents.js';
import { toYaml } from '../output.js';
import { lineDiff } from '../../../lib/text/line-diff.js';
import { applyDocuments, errorLines } from './apply.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'Show what apply would change',
  usage: 'diff -f FILE|DIR|- [-f …] [-R]',
  options: {
    ...FILE_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    noPositionals(positionals);
    const { files, recursive } = filesArg(values);
    const docs = await loadDocuments(files, ctx, recursive);
    if (docs.length === 0) {
      ctx.stderr.write('error: no documents found\n');
      return EXIT.INVALID;
    }
    const results = await applyDocuments(ctx.policy(), docs, { dryRun: true });
    let failure: ExitCode | undefined;
    let different = false;
    for (const r of results) {
      if (!r.ok) {
        ctx.stderr.write(errorLines(r).join('\n') + '\n');
        failure ??= r.exitCode;
        continue;
      }
      const res = r.response!;
      if (res.outcome === 'UNCHANGED') continue;
      different = true;
      const p = res.policy!;
      const name = `${p.kind} ${p.namespace}/${p.name}`;
      const before = res.previousDocument ? toYaml(JSON.parse(res.previousDocument)) : '';
      const after = toYaml(JSON.parse(p.document));
      ctx.stdout.write(`--- ${name}${res.previousDocument ? ` (live, revision ${p.revision})` : ' (does not exist)'}\n`);
      ctx.stdout.write(`+++ ${name} (${r.source}, document ${r.index})\n`);
      ctx.stdout.write(lineDiff(before, after).join('\n') + '\n');
    }
    return failure ?? (different ? EXIT.DIFFERENT : EXIT.OK);
  },
};
