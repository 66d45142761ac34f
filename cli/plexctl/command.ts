// The shape of a plexctl command and the exit codes scripts can rely on. Each command lives in
// its own file under commands/ and is listed in main.ts's COMMANDS.
import type { ParseArgsConfig } from 'node:util';
import type { PolicyClient } from './policy-client.js';
import type { RegistryApi } from '../../lib/registry-client/registry-api.js';
import type { Settings } from './settings.js';

/**
 * Exit codes (documented in `plexctl help`):
 *   0 success · 1 `diff` found differences · 2 usage error (bad flags or arguments)
 *   3 invalid input (unreadable file, bad YAML/JSON, or a document that failed validation)
 *   4 server unavailable or timed out · 5 not authenticated or not permitted
 *   6 revision conflict (compare-and-set lost) · 7 not found · 8 any other failure
 * With several documents, the exit code is the first failing document's.
 */
export const EXIT = {
  OK: 0,
  DIFFERENT: 1,
  USAGE: 2,
  INVALID: 3,
  UNAVAILABLE: 4,
  AUTH: 5,
  CONFLICT: 6,
  NOT_FOUND: 7,
  FAILED: 8,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export interface Output {
  write(text: string): void;
}

export interface CommandContext {
  settings: Settings;
  stdout: Output;
  stderr: Output;
  /** Read all of standard input (for `-f -`). */
  readStdin(): Promise<string>;
  cwd: string;
  /** Lazily connected clients; closed by the runner when the command returns. */
  policy(): PolicyClient;
  registry(): RegistryApi;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

export interface Command {
  /** One or two words: `apply`, `registry list`. */
  name: string;
  summary: string;
  /** Usage line(s) after `plexctl `, e.g. `apply -f FILE|DIR|- [--dry-run]`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CommandContext, args: ParsedArgs): Promise<ExitCode>;
}
