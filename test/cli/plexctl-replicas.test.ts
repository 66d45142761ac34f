// plexctl against replicas: every address setting takes a list; with the first replica of each
// service killed (a real process, SIGKILL), reads, an apply, the status commands and the
// identity commands still succeed on the next; with every replica down the command exits 4 and
// names each address.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPlexctl } from '../../cli/plexctl/main.js';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { spawnService, type ChildReplica } from '../config-push/support.js';
import { spawnService as spawnAnyService, startEtcd, startNats, type EtcdServer, type NatsServer } from '../harness/index.js';

/** An identity replica (config-push/support.ts starts the plaintext services only). */
function spawnIdentity(name: string, env: NodeJS.ProcessEnv): Promise<ChildReplica> {
  return spawnAnyService('identity', name, { PLEXUS_LOG_LEVEL: process.env.PLEXUS_LOG_LEVEL ?? 'warn', PLEXUS_CLUSTER: 'test', PLEXUS_INSTANCE: name, ...env });
}

interface Run {
  code: number;
  out: string;
  err: string;
}

void describe('plexctl against replicas', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let dir: string;
  const replicas: Record<'policy' | 'registry' | 'config-push' | 'identity', ChildReplica[]> = { policy: [], registry: [], 'config-push': [], identity: [] };
  let rootCertFile: string;
  let env: NodeJS.ProcessEnv;

  const run = async (argv: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> => {
    let out = '';
    let err = '';
    const code = await runPlexctl(argv, { stdout: { write: (s) => void (out += s) }, stderr: { write: (s) => void (err += s) }, env: { ...env, ...extra }, cwd: process.cwd() });
    return { code, out, err };
  };
  const list = (service: keyof typeof replicas): string => replicas[service].map((r) => r.address).join(',');

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    const backends = {
      PLEXUS_STORE__BACKEND: 'etcd',
      PLEXUS_STORE__ENDPOINTS: JSON.stringify([etcd.endpoint]),
      PLEXUS_BUS__KIND: 'nats',
      PLEXUS_BUS__SERVERS: JSON.stringify([nats.url]),
      PLEXUS_AUTH__ANONYMOUS: 'admin',
    };
    for (const service of ['registry', 'policy', 'config-push'] as const) {
      replicas[service] = await Promise.all([1, 2].map((i) => spawnService(service, `${service}-${i}`, backends)));
    }
    dir = await mkdtemp(join(tmpdir(), 'plexctl-replicas-'));
    // The identity service always runs TLS, under a root of its own here.
    const root = await ensureDevRoot(join(dir, 'ca'));
    rootCertFile = root.rootCertFile;
    replicas.identity = await Promise.all(
      [1, 2].map((i) =>
        spawnIdentity(`identity-${i}`, {
          ...backends,
          PLEXUS_CA__ROOT_CERT_FILE: root.rootCertFile,
          PLEXUS_CA__ROOT_KEY_FILE: root.rootKeyFile,
          PLEXUS_CA__GENERATE_INTERMEDIATE: 'true',
          PLEXUS_CA__TOKEN_KEY_FILE: root.tokenKeyFile,
        }),
      ),
    );
    env = {
      HOME: dir,
      PLEXCTL_INSECURE: '1',
      PLEXCTL_TIMEOUT_MS: '5000',
      PLEXCTL_POLICY_ADDR: list('policy'),
      PLEXCTL_REGISTRY_ADDR: list('registry'),
      PLEXCTL_CONFIG_PUSH_ADDR: list('config-push'),
    };
  });
  after(async () => {
    for (const r of Object.values(replicas).flat()) await r.stop().catch(() => undefined);
    await Promise.all([etcd?.stop(), nats?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('lists are accepted everywhere; a malformed entry is a usage error naming it', async () => {
    const ok = await run(['get', 'all']);
    assert.equal(ok.code, 0, ok.err);
    const bad = await run(['get', 'all', '--server', `${replicas.policy[0]!.address},nowhere`]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--server: 'nowhere' must be host:port/);
    const badEnv = await run(['registry', 'list'], { PLEXCTL_REGISTRY_ADDR: '127.0.0.1:1,:x' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.err, /--registry: ':x' must be host:port/);
  });

  void it('with the first replica of each service killed, reads, an apply and status commands succeed on the next', async () => {
    for (const service of ['policy', 'registry', 'config-push', 'identity'] as const) await replicas[service][0]!.kill();
    const applied = await run(['apply', '-f', 'examples/canary.yaml']);
    assert.equal(applied.code, 0, applied.err);
    assert.match(applied.out, /Route default\/catalog (created|configured|unchanged)/);
    const got = await run(['get', 'route', 'catalog', '-o', 'json']);
    assert.equal(got.code, 0, got.err);
    assert.match(got.out, /"catalog"/);
    const instances = await run(['registry', 'list']);
    assert.equal(instances.code, 0, instances.err);
    // A replica that refuses connections holds no proxy streams: the merged answer is complete.
    const status = await run(['proxy-status']);
    assert.equal(status.code, 0, status.err);
    // It still says which replica did not answer.
    assert.ok(`${status.out}${status.err}`.includes(replicas['config-push'][0]!.address), `${status.out}\n${status.err}`);
    // Identity: the command runs on the first replica a connection can be made to.
    const identity = ['--identity', list('identity'), '--ca-file', rootCertFile];
    const token = await run(['token', 'create', '--service', 'reviews', ...identity]);
    assert.equal(token.code, 0, token.err);
    assert.ok(token.out.trim().length > 20, token.out);
    const ca = await run(['ca', 'status', ...identity]);
    assert.equal(ca.code, 0, ca.err);
  });

  void it('with every replica down: exit 4, and the message names every address', async () => {
    for (const service of ['policy', 'registry', 'config-push', 'identity'] as const) await replicas[service][1]!.kill();
    for (const [argv, service] of [
      [['get', 'all'], 'policy'],
      [['apply', '-f', 'examples/canary.yaml'], 'policy'],
      [['registry', 'list'], 'registry'],
      [['proxy-status'], 'config-push'],
      [['token', 'create', '--service', 'reviews', '--identity', list('identity'), '--ca-file', rootCertFile], 'identity'],
    ] as const) {
      const r = await run([...argv]);
      assert.equal(r.code, 4, `${argv.join(' ')}: ${r.err}`);
      for (const replica of replicas[service]) assert.ok(r.err.includes(replica.address), `${argv.join(' ')} names ${replica.address}: ${r.err}`);
    }
  });
});
