// How the identity commands (token, ca) reach the identity service: over TLS, trusting the mesh
// root from --ca-file / $PLEXCTL_CA_FILE, at --identity / $PLEXCTL_IDENTITY_ADDR (default
// 127.0.0.1:7104), with the global bearer token.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IdentityClient } from '../../../lib/identity/identity-client.js';
import { UsageError, type CommandContext, type ParsedArgs } from '../command.js';

export const IDENTITY_OPTIONS = {
  identity: { type: 'string' },
  'ca-file': { type: 'string' },
} as const;

export const DEFAULT_IDENTITY_ADDR = '127.0.0.1:7104';

export async function withIdentityClient<T>(ctx: CommandContext, args: ParsedArgs, use: (client: IdentityClient) => Promise<T>): Promise<T> {
  const env = process.env;
  const address = (args.values.identity as string | undefined) ?? (env.PLEXCTL_IDENTITY_ADDR || DEFAULT_IDENTITY_ADDR);
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(address)) throw new UsageError(`--identity: '${address}' must be host:port`);
  const caFile = (args.values['ca-file'] as string | undefined) ?? (env.PLEXCTL_CA_FILE || undefined);
  if (!caFile) throw new UsageError('--ca-file (or PLEXCTL_CA_FILE) must name the mesh root certificate PEM');
  let rootPem: string;
  try {
    rootPem = readFileSync(resolve(ctx.cwd, caFile), 'utf8');
  } catch (err) {
    throw new UsageError(`--ca-file: cannot read ${caFile}: ${(err as Error).message}`);
  }
  const client = new IdentityClient(address, {
    roots: [rootPem],
    deadlineMs: ctx.settings.timeoutMs,
    ...(ctx.settings.token ? { token: ctx.settings.token } : {}),
  });
  try {
    return await use(client);
  } finally {
    client.close();
  }
}
