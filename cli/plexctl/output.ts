// Rendering for people and scripts: tables, YAML and JSON, and error lines that name the file,
// document, field path and message.
import { stringify } from 'yaml';
import type { FieldViolation } from '../../lib/errors.js';
import { isPlexusError } from '../../lib/errors.js';
import { EXIT, type ExitCode } from './command.js';

export const OUTPUT_FORMATS = ['table', 'yaml', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Columns padded to the widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several YAML documents separated by `---`. */
export function yamlStream(values: unknown[]): string {
  return values.map(toYaml).join('---\n');
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** The exit code for a failure. */
export function exitCodeOf(err: unknown): ExitCode {
  if (!isPlexusError(err)) return EXIT.FAILED;
  switch (err.code) {
    case 'INVALID_ARGUMENT':
      return EXIT.INVALID;
    case 'UNAVAILABLE':
      return EXIT.UNAVAILABLE;
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      return EXIT.AUTH;
    case 'CONFLICT':
      return EXIT.CONFLICT;
    case 'NOT_FOUND':
      return EXIT.NOT_FOUND;
    default:
      return EXIT.FAILED;
  }
}

/** Field violations of a ValidationError, else none. */
export function violationsOf(err: unknown): FieldViolation[] {
  return isPlexusError(err, 'INVALID_ARGUMENT') && 'violations' in err ? (err as { violations: FieldViolation[] }).violations : [];
}

/** Message without the `Method: ` prefix the client adds. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^(Apply|Get|List|Delete|History|Watch): /, '');
}
