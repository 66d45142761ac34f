// Options and argument shapes several commands share, declared once so that a flag means the
// same thing (and fails with the same message) in every command that takes it.
import type { PolicyKind } from '../../lib/policy/index.js';
import { UsageError, type CommandContext, type ParsedArgs } from './command.js';
import { parseKind } from './kinds.js';
import { OUTPUT_FORMATS, table, toJson, toYaml, type OutputFormat } from './output.js';

export const NAMESPACE_OPTION = { namespace: { type: 'string' as const, short: 'n' } };
export const OUTPUT_OPTION = { output: { type: 'string' as const, short: 'o' } };
export const SELECTOR_OPTION = { selector: { type: 'string' as const, short: 'l' } };
/** `[-n NAMESPACE] [--service NAME] [-o FORMAT]`, read by `serviceListArgs`. */
export const SERVICE_LIST_OPTIONS = { ...NAMESPACE_OPTION, service: { type: 'string' as const }, ...OUTPUT_OPTION };
/** `-f FILE|DIR|- [-f …] [-R]`, read by `filesArg`. */
export const FILE_OPTIONS = {
  filename: { type: 'string' as const, short: 'f', multiple: true },
  recursive: { type: 'boolean' as const, short: 'R' },
};

/** The -o value: one of `allowed`, table when not given. */
export function outputFormat(value: unknown, allowed: readonly string[] = OUTPUT_FORMATS): OutputFormat {
  const format = (value as string | undefined) ?? 'table';
  if (!allowed.includes(format)) throw new UsageError(`-o must be one of ${allowed.join(', ')} (got '${format}')`);
  return format as OutputFormat;
}

/** For commands that take options only. */
export function noPositionals(positionals: string[]): void {
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
}

/** `KIND NAME [-n NAMESPACE]`: one policy, in namespace default unless -n says otherwise. */
export function policyRefArgs({ values, positionals }: ParsedArgs): { kind: PolicyKind; name: string; namespace: string } {
  const [kindText, name, extra] = positionals;
  if (!kindText || !name) throw new UsageError('KIND and NAME are required');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const kind = parseKind(kindText)!;
  return { kind, name, namespace: (values.namespace as string | undefined) ?? 'default' };
}

/** A listing's `[-n NAMESPACE] [--service NAME] [-o FORMAT]` and no positionals; a service filter implies namespace default. */
export function serviceListArgs({ values, positionals }: ParsedArgs): { format: OutputFormat; namespace: string; service: string } {
  noPositionals(positionals);
  const format = outputFormat(values.output);
  const service = (values.service as string | undefined) ?? '';
  return { format, namespace: (values.namespace as string | undefined) ?? (service ? 'default' : ''), service };
}

/** The files of `-f` (at least one) and whether `-R` was given. */
export function filesArg(values: ParsedArgs['values']): { files: string[]; recursive: boolean } {
  const files = (values.filename as string[] | undefined) ?? [];
  if (files.length === 0) throw new UsageError('-f FILE|DIR|- is required');
  return { files, recursive: values.recursive === true };
}

/** Writes a list as JSON, YAML or a table; an empty table is the `empty` note on stderr. */
export function writeList(
  ctx: CommandContext,
  format: OutputFormat,
  data: unknown,
  rows: { count: number; empty: string; header: string[]; cells: () => string[][] },
): void {
  if (format === 'json') ctx.stdout.write(toJson(data));
  else if (format === 'yaml') ctx.stdout.write(toYaml(data));
  else if (rows.count === 0) ctx.stderr.write(`${rows.empty}\n`);
  else ctx.stdout.write(table(rows.header, rows.cells()));
}
