// The shape of a plexctl command and the exit codes scripts can rely on. Each command lives in
// its own file under commands/ and is listed in main.ts's COMMANDS.
import type { ParseArgsConfig } from 'node:util';
import type * as grpc from '@grpc/grpc-js';
import type { PolicyClient } from '../../lib/policy-client/index.js';
import type { RegistryApi } from '../../lib/registry-client/registry-api.js';
import type { ExitCode } from './exit-codes.js';
import type { Settings } from './settings.js';

export { EXIT, UsageError, type ExitCode } from './exit-codes.js';

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
  /** Channel credentials for a control-plane service (TLS with the CA file, or plaintext when insecure). */
  channel(service: 'registry' | 'policy' | 'config-push'): grpc.ChannelCredentials;
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
