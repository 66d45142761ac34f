// plexctl apply -f FILE|DIR|- …: create or update every document, one result line each.
import type { FieldViolation } from '../../../lib/errors.js';
import { FILE_OPTIONS, filesArg, noPositionals, OUTPUT_OPTION } from '../command-args.js';
import { EXIT, UsageError, type Command, type CommandContext, type ExitCode } from '../command.js';
import { loadDocuments, type SourceDocument } from '../documents.js';
import { exitCodeOf, messageOf, toJson, violationsOf } from '../output.js';
import type { ApplyResponse, PolicyClient } from '../../../lib/policy-client/index.js';
import { REPLICAS_OPTION, waitForApplied } from './rollout.js';

export interface DocumentResult {
  source: string;
  index: number;
  /** `Route default/catalog`, or `document` when the document does not name itself. */
  label: string;
  ok: boolean;
  exitCode: ExitCode;
  response?: ApplyResponse;
  /** Set when !ok. */
  error?: string;
  violations?: Array<FieldViolation & { line?: number }>;
}

/** A label for messages, taken from the raw document when it has kind and metadata. */
export function documentLabel(value: unknown): string {
  const v = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  if (!v || typeof v !== 'object') return 'document';
  const kind = typeof v.kind === 'string' ? v.kind : 'document';
  const name = typeof v.metadata?.name === 'string' ? v.metadata.name : undefined;
  const ns = typeof v.metadata?.namespace === 'string' ? v.metadata.namespace : 'default';
  return name ? `${kind} ${ns}/${name}` : kind;
}

/** Apply each document in order; a failing document does not stop the others. */
export async function applyDocuments(
  client: PolicyClient,
  docs: SourceDocument[],
  options: { dryRun?: boolean; expectedRevision?: number } = {},
): Promise<DocumentResult[]> {
  const results: DocumentResult[] = [];
  for (const doc of docs) {
    const base = { source: doc.source, index: doc.index, label: documentLabel(doc.value) };
    if (doc.error !== undefined) {
      results.push({ ...base, ok: false, exitCode: EXIT.INVALID, error: doc.error });
      continue;
    }
    try {
      const response = await client.apply({
        document: doc.value,
        dryRun: options.dryRun === true,
        ...(options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision }),
      });
      results.push({ ...base, ok: true, exitCode: EXIT.OK, response });
    } catch (err) {
      const violations = violationsOf(err).map((v) => {
        const line = doc.lineOf(v.path);
        return line === undefined ? v : { ...v, line };
      });
      results.push({ ...base, ok: false, exitCode: exitCodeOf(err), error: messageOf(err), ...(violations.length ? { violations } : {}) });
    }
  }
  return results;
}

const VERB: Record<string, string> = { CREATED: 'created', UPDATED: 'updated', UNCHANGED: 'unchanged' };

/** `examples/a.yaml (document 2)`. */
export function where(r: { source: string; index: number }): string {
  return `${r.source} (document ${r.index})`;
}

/** Human lines for a failed document: the error, then one line per violation. */
export function errorLines(r: DocumentResult): string[] {
  if (r.violations?.length) {
    return [
      `error: ${where(r)} ${r.label}: invalid`,
      ...r.violations.map((v) => `  ${v.path || '(document)'}${v.line ? ` (line ${v.line})` : ''}: ${v.message}`),
    ];
  }
  return [`error: ${where(r)} ${r.label}: ${r.error ?? 'failed'}`];
}

export function reportResults(ctx: CommandContext, results: DocumentResult[], format: string): ExitCode {
  if (format === 'json') {
    ctx.stdout.write(toJson(results.map(({ response, ...r }) => ({ ...r, ...(response ? { outcome: response.outcome, revision: response.policy?.revision, warnings: response.warnings, affectedServices: response.affectedServices } : {}) }))));
  } else {
    for (const r of results) {
      if (!r.ok) {
        ctx.stderr.write(errorLines(r).join('\n') + '\n');
        continue;
      }
      const res = r.response!;
      const name = res.policy ? `${res.policy.kind} ${res.policy.namespace}/${res.policy.name}` : r.label;
      const verb = VERB[res.outcome] ?? res.outcome.toLowerCase();
      if (res.dryRun) ctx.stdout.write(`${name} ${res.outcome === 'UNCHANGED' ? 'unchanged' : `would be ${verb}`} (dry run)\n`);
      else ctx.stdout.write(`${name} ${verb} (revision ${res.policy?.revision ?? 0})\n`);
      for (const w of res.warnings) ctx.stderr.write(`  warning: ${name}: ${w}\n`);
    }
  }
  if (results.length === 0) {
    ctx.stderr.write('error: no documents found\n');
    return EXIT.INVALID;
  }
  return results.find((r) => !r.ok)?.exitCode ?? EXIT.OK;
}

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Create or update policies from files, directories or standard input',
  usage: 'apply -f FILE|DIR|- [-f …] [-R] [--dry-run] [--revision N] [-o text|json] [--wait [--wait-timeout 30s] [--replicas ADDR,…]]',
  options: {
    ...FILE_OPTIONS,
    'dry-run': { type: 'boolean' },
    revision: { type: 'string' },
    ...OUTPUT_OPTION,
    wait: { type: 'boolean' },
    'wait-timeout': { type: 'string' },
    ...REPLICAS_OPTION,
  },
  async run(ctx, { values, positionals }) {
    noPositionals(positionals);
    const { files, recursive } = filesArg(values);
    const format = (values.output as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`-o must be text or json (got '${format}')`);
    const docs = await loadDocuments(files, ctx, recursive);
    let expectedRevision: number | undefined;
    if (values.revision !== undefined) {
      expectedRevision = Number(values.revision);
      if (!Number.isSafeInteger(expectedRevision) || expectedRevision < 0) throw new UsageError('--revision must be a whole number ≥ 0');
      if (docs.length !== 1) throw new UsageError('--revision needs exactly one document');
    }
    const results = await applyDocuments(ctx.policy(), docs, { dryRun: values['dry-run'] === true, ...(expectedRevision === undefined ? {} : { expectedRevision }) });
    const code = reportResults(ctx, results, format);
    // --wait: follow each applied policy's rollout through config-push (see rollout.ts).
    if (values.wait !== true || code !== EXIT.OK || values['dry-run'] === true) return code;
    return waitForApplied(ctx, values, results.flatMap((r) => (r.response?.policy ? [{ ...r.response.policy, revision: Number(r.response.policy.revision) }] : [])));
  },
};
