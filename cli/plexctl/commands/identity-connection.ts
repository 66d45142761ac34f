// How the identity commands (token, ca) reach the identity service: over TLS, trusting the mesh
// root from the global --ca-file / $PLEXCTL_CA_FILE / caFile (settings.ts), at --identity / $PLEXCTL_IDENTITY_ADDR (default
// 127.0.0.1:7104, or replicas `host:port,host:port`), with the global bearer token.
// With replicas, the command runs on the first one a connection (TLS included) can be made to,
// in order: nothing has been sent before that, so moving on is safe even for `token create`.
// A call that fails after the connection was made is not repeated elsewhere.
import * as grpc from '@grpc/grpc-js';
import { UnavailableError } from '../../../lib/errors.js';
import { IdentityClient } from '../../../lib/identity/identity-client.js';
import { UsageError, type CommandContext, type ParsedArgs } from '../command.js';
import { parseAddressList } from '../settings.js';

export const IDENTITY_OPTIONS = {
  identity: { type: 'string' },
} as const;

export const DEFAULT_IDENTITY_ADDR = '127.0.0.1:7104';

/** Resolves once a connection is up (undefined), or with why none could be made. */
function connected(client: IdentityClient, deadlineMs: number): Promise<Error | undefined> {
  const channel = (client.raw as unknown as grpc.Client).getChannel();
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve) => {
    const check = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) return resolve(undefined);
      if (state === grpc.connectivityState.TRANSIENT_FAILURE) return resolve(new Error('cannot connect'));
      channel.watchConnectivityState(state, deadline, (err) => (err ? resolve(new Error('no connection before the deadline')) : check()));
    };
    check();
  });
}

export async function withIdentityClient<T>(ctx: CommandContext, args: ParsedArgs, use: (client: IdentityClient) => Promise<T>): Promise<T> {
  const env = process.env;
  const value = (args.values.identity as string | undefined) ?? (env.PLEXCTL_IDENTITY_ADDR || DEFAULT_IDENTITY_ADDR);
  const addresses = parseAddressList('--identity', value).split(',');
  const rootPem = ctx.settings.caPem;
  if (rootPem === undefined) throw new UsageError('--ca-file (or PLEXCTL_CA_FILE, or caFile in ~/.plexctl.yaml) must name the mesh root certificate PEM');
  const failures: string[] = [];
  for (const address of addresses) {
    const client = new IdentityClient(address, {
      roots: [rootPem],
      deadlineMs: ctx.settings.timeoutMs,
      ...(ctx.settings.token ? { token: ctx.settings.token } : {}),
    });
    try {
      // One address: its call reports the failure itself, as before.
      const err = addresses.length > 1 ? await connected(client, ctx.settings.timeoutMs / addresses.length) : undefined;
      if (err) {
        failures.push(`${address} (${err.message})`);
        continue;
      }
      return await use(client);
    } finally {
      client.close();
    }
  }
  throw new UnavailableError(`identity service is unavailable at every address: ${failures.join('; ')}`);
}
