// plexctl: the operator CLI over the Plexus gRPC APIs.
//   plexctl apply -f examples/            (or: npx plexctl …, npm run plexctl -- …)
// Commands live one per file in commands/ and are listed in COMMANDS below; runPlexctl() runs
// one command line and returns its exit code, so tests use plexctl as a library.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RegistryApi } from '../../lib/registry-client/registry-api.js';
import { EXIT, UsageError, type Command, type CommandContext, type ExitCode, type Output } from './command.js';
import { applyCommand } from './commands/apply.js';
import { deleteCommand } from './commands/delete.js';
import { diffCommand } from './commands/diff.js';
import { getCommand } from './commands/get.js';
import { getImportsCommand } from './commands/get-imports.js';
import { historyCommand } from './commands/history.js';
import { registryListCommand } from './commands/registry-list.js';
import { proxyStatusCommand } from './commands/proxy-status.js';
import { proxyConfigCommand } from './commands/proxy-config.js';
import { rolloutStatusCommand } from './commands/rollout.js';
import { caStatusCommand } from './commands/ca.js';
import { tokenCreateCommand, tokenRevokeCommand } from './commands/token.js';
import { exitCodeOf, messageOf, violationsOf } from './output.js';
import { PolicyClient } from '../../lib/policy-client/index.js';
import { DEV_CA_FILE, resolveSettings, type Settings, type SettingsFlags } from './settings.js';
import type * as grpc from '@grpc/grpc-js';
import { controlPlaneChannel, rootsOnlySource } from '../../lib/grpc/tls.js';

/** Every command; add new ones here (one file each under commands/). */
export const COMMANDS: Command[] = [applyCommand, getCommand, getImportsCommand, deleteCommand, diffCommand, historyCommand, registryListCommand, proxyStatusCommand, proxyConfigCommand, rolloutStatusCommand, tokenCreateCommand, tokenRevokeCommand, caStatusCommand];

const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  server: { type: 'string', short: 's' },
  registry: { type: 'string' },
  'config-push': { type: 'string' },
  token: { type: 'string' },
  timeout: { type: 'string' },
  config: { type: 'string' },
  'ca-file': { type: 'string' },
  'trust-domain': { type: 'string' },
  insecure: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export interface CliIo {
  stdout?: Output;
  stderr?: Output;
  /** Standard input text for `-f -` (default: read process.stdin). */
  stdin?: string | (() => Promise<string>);
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function helpText(commands: Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'plexctl: operate a Plexus service mesh',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Usage:',
    ...commands.map((c) => `  plexctl ${c.usage}`),
    '',
    'Global flags (also from env or a config file; flags win):',
    '  -s, --server ADDRS      policy service        PLEXCTL_POLICY_ADDR       (default 127.0.0.1:7102)',
    '      --registry ADDRS    registry service      PLEXCTL_REGISTRY_ADDR     (default 127.0.0.1:7101)',
    '      --config-push ADDRS config-push service   PLEXCTL_CONFIG_PUSH_ADDR  (default 127.0.0.1:7103)',
    '                          ADDRS: host:port, or replicas host:port,host:port,… (also --identity):',
    '                          a call moves to the next replica when that is safe (reads; writes never',
    '                          sent, or with --revision); status commands ask every replica and merge',
    '      --token TOKEN       bearer token          PLEXCTL_TOKEN',
    '      --timeout MS        per-call deadline     PLEXCTL_TIMEOUT_MS        (default 10000)',
    '      --ca-file FILE      mesh root to verify   PLEXCTL_CA_FILE           (default .plexus-dev/ca.pem when present)',
    '                          servers with (TLS; each must carry its spiffe://<td>/ns/plexus-system/svc/<name> ID)',
    '      --trust-domain TD   SPIFFE trust domain   PLEXCTL_TRUST_DOMAIN      (default plexus.local)',
    '      --insecure          plaintext, no CA      PLEXCTL_INSECURE=1        (test control planes only)',
    '      --config FILE       YAML with policyAddr, registryAddr, configPushAddr, token|tokenFile, caFile, trustDomain, timeoutMs',
    '                          (default $PLEXCTL_CONFIG, else ~/.plexctl.yaml when present)',
    '',
    'Exit codes: 0 ok · 1 diff found differences · 2 usage error · 3 invalid input or document',
    '            4 server unavailable · 5 not authenticated/permitted · 6 revision conflict',
    '            7 not found · 8 other failure (with several documents: the first failure\'s code)',
    '            9 rollout rejected by a proxy · 10 rollout not complete (pending, disconnected or no proxy)',
    '',
  ].join('\n');
}

function findCommand(argv: string[], commands: Command[]): { command: Command | undefined; words: string[] } {
  const loose = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const [first, second] = loose.positionals;
  if (first === undefined) return { command: undefined, words: [] };
  const two = commands.find((c) => c.name === `${first} ${second ?? ''}`);
  if (two) return { command: two, words: [first, second!] };
  return { command: commands.find((c) => c.name === first), words: [first] };
}

function removeWords(argv: string[], words: string[]): string[] {
  const out = [...argv];
  for (const w of words) {
    const i = out.indexOf(w);
    if (i >= 0) out.splice(i, 1);
  }
  return out;
}

/** Run one plexctl command line; never throws, returns the exit code. */
export async function runPlexctl(argv: string[], io: CliIo = {}, commands: Command[] = COMMANDS): Promise<ExitCode> {
  const stdout = io.stdout ?? { write: (s: string) => void process.stdout.write(s) };
  const stderr = io.stderr ?? { write: (s: string) => void process.stderr.write(s) };
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const { command, words } = findCommand(argv, commands);
  if (!command) {
    const wantsHelp = argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h');
    if (wantsHelp) {
      stdout.write(helpText(commands));
      return EXIT.OK;
    }
    stderr.write(`error: unknown command '${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}'\n\n${helpText(commands)}`);
    return EXIT.USAGE;
  }

  let policy: PolicyClient | undefined;
  let registry: RegistryApi | undefined;
  try {
    const parsed = parseArgs({
      args: removeWords(argv, words),
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
    if (parsed.values.help) {
      stdout.write(`usage: plexctl ${command.usage}\n\n${command.summary}\n`);
      return EXIT.OK;
    }
    const settings = resolveSettings(parsed.values as SettingsFlags, env, cwd);
    const ctx: CommandContext = {
      settings,
      stdout,
      stderr,
      cwd,
      readStdin: async () => {
        if (typeof io.stdin === 'string') return io.stdin;
        if (typeof io.stdin === 'function') return io.stdin();
        return readFileSync(0, 'utf8');
      },
      channel: (service) => channelFor(settings, service),
      policy: () =>
        (policy ??= new PolicyClient(settings.policyAddr, {
          deadlineMs: settings.timeoutMs,
          credentials: channelFor(settings, 'policy'),
          ...(settings.token ? { token: settings.token } : {}),
        })),
      registry: () => (registry ??= new RegistryApi(settings.registryAddr, { deadlineMs: settings.timeoutMs, credentials: channelFor(settings, 'registry'), token: settings.token })),
    };
    return await command.run(ctx, { values: parsed.values, positionals: parsed.positionals });
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      stderr.write(`error: ${(err as Error).message}\nusage: plexctl ${command.usage}\n`);
      return EXIT.USAGE;
    }
    stderr.write(`error: ${messageOf(err)}\n`);
    for (const v of violationsOf(err)) stderr.write(`  ${v.path || '(request)'}: ${v.message}\n`);
    return exitCodeOf(err);
  } finally {
    policy?.close();
    registry?.close();
  }
}

/** TLS to control-plane service `service` (its SPIFFE ID checked), or plaintext when insecure. */
function channelFor(settings: Settings, service: 'registry' | 'policy' | 'config-push'): grpc.ChannelCredentials {
  if (settings.caPem !== undefined) return controlPlaneChannel({ tls: rootsOnlySource(settings.caPem), trustDomain: settings.trustDomain }, service);
  if (settings.insecure) return controlPlaneChannel({ insecure: true }, service);
  throw new UsageError(
    `no CA file to verify the ${service} server with: pass --ca-file ROOT.pem, set PLEXCTL_CA_FILE or caFile in ~/.plexctl.yaml (the dev mesh writes ${DEV_CA_FILE}); --insecure only for a plaintext test control plane`,
  );
}

/** Process entry: run, then exit with the code once output is flushed. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const code = await runPlexctl(argv);
  process.exitCode = code;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
