// plexctl ca status: the mesh CA's certificates and expiries (viewer role on the identity service).
import { EXIT, UsageError, type Command } from '../command.js';
import { table, toJson } from '../output.js';
import { IDENTITY_OPTIONS, withIdentityClient } from './identity-connection.js';

export const caStatusCommand: Command = {
  name: 'ca status',
  summary: 'Show the mesh CA: roots, intermediates, soonest workload expiry',
  usage: 'ca status [-o json] --ca-file ROOT.pem [--identity ADDR]',
  options: { ...IDENTITY_OPTIONS, output: { type: 'string', short: 'o' } },
  async run(ctx, args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const output = (args.values.output as string | undefined) ?? 'table';
    if (output !== 'table' && output !== 'json') throw new UsageError("-o must be 'table' or 'json'");
    const s = await withIdentityClient(ctx, args, (c) => c.caStatus());
    if (output === 'json') {
      ctx.stdout.write(toJson(s));
      return EXIT.OK;
    }
    ctx.stdout.write(`trust domain ${s.trustDomain}, cluster ${s.cluster}\n`);
    ctx.stdout.write(
      table(
        ['KIND', 'NOT AFTER', 'FINGERPRINT', 'SUBJECT'],
        s.certificates.map((c) => [c.kind, c.notAfter, c.fingerprint.slice(0, 16), c.subject]),
      ),
    );
    ctx.stdout.write(
      s.soonestWorkloadExpiry
        ? `soonest workload expiry: ${s.soonestWorkloadExpiry} (${s.soonestWorkloadSpiffeId}); ${s.issuedLive} live certificates issued by this replica\n`
        : 'no live workload certificates issued by this replica\n',
    );
    ctx.stdout.write(`revoked join tokens: ${s.revokedTokens}\n`);
    return EXIT.OK;
  },
};
