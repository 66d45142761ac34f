// How the identity commands (token, ca) reach the identity service: over TLS, trusting the mesh
// root from the global --ca-file / $PLEXCTL_CA_FILE / caFile (settings.ts), at --identity / $PLEXCTL_IDENTITY_ADDR (default
// 127.0.0.1:7104), with the global bearer token.
import { IdentityClient } from '../../../lib/identity/identity-client.js';
import { UsageError, type CommandContext, type ParsedArgs } from '../command.js';

export const IDENTITY_OPTIONS = {
  identity: { type: 'string' },
} as const;

export const DEFAULT_IDENTITY_ADDR = '127.0.0.1:7104';

export async function withIdentityClient<T>(ctx: CommandContext, args: ParsedArgs, use: (client: IdentityClient) => Promise<T>): Promise<T> {
  const env = process.env;
  const address = (args.values.identity as string | undefined) ?? (env.PLEXCTL_IDENTITY_ADDR || DEFAULT_IDENTITY_ADDR);
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(address)) throw new UsageError(`--identity: '${address}' must be host:port`);
  const rootPem = ctx.settings.caPem;
  if (rootPem === undefined) throw new UsageError('--ca-file (or PLEXCTL_CA_FILE, or caFile in ~/.plexctl.yaml) must name the mesh root certificate PEM');
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
