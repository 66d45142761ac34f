// plexctl token create|revoke and ca status against an in-process identity service.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runPlexctl } from '../../cli/plexctl/main.js';
import { EXIT } from '../../cli/plexctl/command.js';
import { isPlexusError } from '../../lib/errors.js';
import { devRoot, makeCsr, startIdentityTestEnv, TEST_TOKENS, type IdentityTestEnv } from './support.js';

let env: IdentityTestEnv;
let root: Awaited<ReturnType<typeof devRoot>>;

async function plexctl(args: string[], token = TEST_TOKENS.admin): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runPlexctl([...args, '--identity', env.address, '--ca-file', root.rootCertFile, '--token', token], {
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s) },
    env: {},
  });
  return { code, out, err };
}

void describe('plexctl token and ca', () => {
  before(async () => {
    root = await devRoot();
    env = await startIdentityTestEnv({ root, store: { backend: 'memory' }, bus: { kind: 'memory' } });
  });
  after(async () => {
    await env.close();
  });

  void it('creates a token that issues, revokes it, and shows CA status', async () => {
    const created = await plexctl(['token', 'create', '--service', 'catalog', '-n', 'default', '--ttl', '24h', '-o', 'json']);
    assert.equal(created.code, EXIT.OK, created.err);
    const { token, id, spiffeId } = JSON.parse(created.out) as { token: string; id: string; spiffeId: string };
    assert.equal(spiffeId, 'spiffe://plexus.local/ns/default/svc/catalog');
    const { csr } = await makeCsr([spiffeId]);
    await env.client('anonymous').issueCertificate(csr, token);

    const plain = await plexctl(['token', 'create', '--service', 'catalog']);
    assert.equal(plain.code, EXIT.OK);
    assert.match(plain.out.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/, 'prints the token alone');

    const revoked = await plexctl(['token', 'revoke', id]);
    assert.equal(revoked.code, EXIT.OK, revoked.err);
    assert.match(revoked.out, /revoked/);
    await assert.rejects(env.client('anonymous').issueCertificate(csr, token), (e: unknown) => isPlexusError(e, 'UNAUTHENTICATED'));

    const status = await plexctl(['ca', 'status'], TEST_TOKENS.viewer);
    assert.equal(status.code, EXIT.OK, status.err);
    assert.match(status.out, /root/);
    assert.match(status.out, /intermediate/);
    assert.match(status.out, /soonest workload expiry/);
  });

  void it('refuses bad usage and wrong roles with the documented exit codes', async () => {
    assert.equal((await plexctl(['token', 'create'])).code, EXIT.USAGE);
    assert.equal((await plexctl(['token', 'create', '--service', 'catalog', '--ttl', '5s'])).code, EXIT.USAGE);
    assert.equal((await plexctl(['token', 'create', '--service', 'catalog'], TEST_TOKENS.viewer)).code, EXIT.AUTH);
    assert.equal((await plexctl(['token', 'create', '--service', 'Bad_Name'])).code, EXIT.INVALID);
  });
});
