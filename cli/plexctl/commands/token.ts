// plexctl token create|revoke: join tokens for workloads (admin role on the identity service).
import { parseDuration } from '../../../lib/policy/duration.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { toJson } from '../output.js';
import { IDENTITY_OPTIONS, withIdentityClient } from './identity-connection.js';

export const tokenCreateCommand: Command = {
  name: 'token create',
  summary: 'Create a join token for a workload (prints the token)',
  usage: 'token create --service SVC [-n NAMESPACE] [--ttl 24h] [--cluster NAME] [-o json] --ca-file ROOT.pem [--identity ADDR]',
  options: {
    ...IDENTITY_OPTIONS,
    service: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    ttl: { type: 'string' },
    cluster: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  async run(ctx, args) {
    const { values, positionals } = args;
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const service = values.service as string | undefined;
    if (!service) throw new UsageError('--service is required');
    let ttlSeconds = 0;
    if (values.ttl !== undefined) {
      const ms = parseDuration(values.ttl as string);
      if (ms === undefined || ms < 60_000 || ms % 1000 !== 0) throw new UsageError('--ttl must be a duration of at least 1m, e.g. 30m or 24h');
      ttlSeconds = ms / 1000;
    }
    const output = (values.output as string | undefined) ?? 'token';
    if (output !== 'token' && output !== 'json') throw new UsageError("-o must be 'json' (default: the token alone)");
    const res = await withIdentityClient(ctx, args, (c) =>
      c.createJoinToken({
        service,
        namespace: (values.namespace as string | undefined) ?? 'default',
        ttlSeconds,
        cluster: (values.cluster as string | undefined) ?? '',
      }),
    );
    if (output === 'json') ctx.stdout.write(toJson(res));
    else {
      ctx.stdout.write(`${res.token}\n`);
      ctx.stderr.write(`token ${res.id} for ${res.spiffeId}, expires ${res.expiresAt}\n`);
    }
    return EXIT.OK;
  },
};

export const tokenRevokeCommand: Command = {
  name: 'token revoke',
  summary: 'Revoke a join token by id, mesh-wide',
  usage: 'token revoke ID --ca-file ROOT.pem [--identity ADDR]',
  options: { ...IDENTITY_OPTIONS },
  async run(ctx, args) {
    const [id, extra] = args.positionals;
    if (!id) throw new UsageError('ID is required');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const res = await withIdentityClient(ctx, args, (c) => c.revokeJoinToken(id));
    ctx.stdout.write(res.alreadyRevoked ? `token ${id} was already revoked\n` : `token ${id} revoked (revision ${res.revision})\n`);
    return EXIT.OK;
  },
};
