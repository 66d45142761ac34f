// plexctl as a library against a real policy service (etcd + NATS) and registry: applying the
// examples round-trips, errors name file/document/field/line, exit codes hold.
import type { Role } from '../../lib/auth/operator-auth.js';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { createRuntime, type Runtime } from '../../lib/runtime.js';
import { RegistryApi } from '../../lib/registry-client/registry-api.js';
import { normalised } from '../policy/policy-crud-suite.js';
import { startPolicyTestEnv, TEST_TOKENS, type PolicyTestEnv } from '../policy/policy-test-env.js';
import { registryOptions } from '../../services/registry/config.js';
import { startRegistry, type RegistryHandle } from '../../services/registry/registry-service.js';
import { silentLogger } from '../../lib/log.js';
import { portOutsideEphemeralRange, startEtcd, startNats, type EtcdServer, type NatsServer } from '../harness/index.js';
import { parseSource } from '../../cli/plexctl/documents.js';
import { runPlexctl } from '../../cli/plexctl/main.js';

const EXAMPLES = join(process.cwd(), 'examples');

interface Run {
  code: number;
  out: string;
  err: string;
}

void describe('plexctl', () => {
  let etcd: EtcdServer;
  let nats: NatsServer;
  let env: PolicyTestEnv;
  let registryRuntime: Runtime;
  let registry: RegistryHandle;
  let dir: string;
  let baseEnv: NodeJS.ProcessEnv;

  const run = async (argv: string[], extra: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Run> => {
    let out = '';
    let err = '';
    const code = await runPlexctl(argv, {
      stdout: { write: (s) => void (out += s) },
      stderr: { write: (s) => void (err += s) },
      env: extra.env ?? baseEnv,
      cwd: process.cwd(),
      ...(extra.stdin === undefined ? {} : { stdin: extra.stdin }),
    });
    return { code, out, err };
  };

  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    env = await startPolicyTestEnv({ store: { backend: 'etcd', endpoints: [etcd.endpoint] }, bus: { kind: 'nats', servers: [nats.url] } });
    registryRuntime = await createRuntime(
      'registry',
      { cluster: 'test', zone: 'z1', instance: 'reg-1', logLevel: 'silent', store: { backend: 'etcd', endpoints: [etcd.endpoint] }, bus: { kind: 'nats', servers: [nats.url] }, admin: { host: '127.0.0.1', port: 0 } },
      { logger: silentLogger() },
    );
    registry = await startRegistry(registryRuntime, { cluster: 'test', zone: 'z1', instance: 'reg-1', grpc: { host: '127.0.0.1', port: 0 }, insecure: true, registry: registryOptions(), auth: { tokens: (Object.keys(TEST_TOKENS) as Role[]).map((role) => ({ name: `${role}-user`, token: TEST_TOKENS[role], role })), anonymous: 'none' } });
    dir = await mkdtemp(join(tmpdir(), 'plexctl-test-'));
    baseEnv = { PLEXCTL_POLICY_ADDR: env.address, PLEXCTL_REGISTRY_ADDR: registry.address, PLEXCTL_TOKEN: TEST_TOKENS.admin, HOME: dir, PLEXCTL_INSECURE: '1' };
  });
  after(async () => {
    await env?.close();
    await registryRuntime?.lifecycle.shutdown('test done');
    await Promise.all([etcd?.stop(), nats?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('apply -f examples/ creates every document, then reports them unchanged', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml'));
    let count = 0;
    for (const f of files) count += parseSource(f, await readFile(join(EXAMPLES, f), 'utf8')).length;
    const first = await run(['apply', '-f', 'examples/']);
    assert.equal(first.code, 0, first.err);
    const lines = first.out.trim().split('\n');
    assert.equal(lines.length, count);
    for (const l of lines) assert.match(l, /^(Route|Resilience|Access|Mesh) [a-z0-9-]+\/[a-z0-9-]+ created \(revision \d+\)$/);
    assert.ok(lines.includes(lines.find((l) => l.startsWith('Route default/catalog created'))!));
    const second = await run(['apply', '-f', 'examples/']);
    assert.equal(second.code, 0);
    assert.equal(second.out.trim().split('\n').filter((l) => / unchanged \(revision \d+\)$/.test(l)).length, count);
  });

  void it('get -o yaml of every example equals the normalised document that was applied', async () => {
    for (const f of (await readdir(EXAMPLES)).filter((n) => n.endsWith('.yaml'))) {
      for (const doc of parseSource(f, await readFile(join(EXAMPLES, f), 'utf8'))) {
        const v = doc.value as { kind: string; metadata: { name: string; namespace?: string } };
        const got = await run(['get', v.kind, v.metadata.name, '-n', v.metadata.namespace ?? 'default', '-o', 'yaml']);
        assert.equal(got.code, 0, got.err);
        assert.deepEqual(parseYaml(got.out), normalised(doc.value), `${f} document ${doc.index}`);
      }
    }
    const json = await run(['get', 'all', '-o', 'json']);
    assert.equal(json.code, 0);
    assert.ok((JSON.parse(json.out) as unknown[]).length >= 6);
    const tableOut = await run(['get', 'routes']);
    assert.match(tableOut.out, /^KIND\s+NAMESPACE\s+NAME\s+REVISION\s+APPLIED BY/);
    assert.match(tableOut.out, /Route\s+default\s+catalog\s+\d+\s+admin-user\s+\S+\s+1 rule\(s\); version=v1:90 version=v2:10/);
    const canary = await run(['get', 'route', '-l', 'team=storefront', '-o', 'json']);
    assert.deepEqual((JSON.parse(canary.out) as Array<{ metadata: { name: string } }>).map((d) => d.metadata.name), ['catalog']);
  });

  void it('diff shows what apply would change, exit 1; nothing to change, exit 0', async () => {
    const same = await run(['diff', '-f', 'examples/canary.yaml']);
    assert.equal(same.code, 0, same.err);
    assert.equal(same.out, '');
    const text = (await readFile(join(EXAMPLES, 'canary.yaml'), 'utf8')).replace('weight: 90', 'weight: 75').replace('weight: 10', 'weight: 25');
    await writeFile(join(dir, 'canary-75.yaml'), text);
    const diff = await run(['diff', '-f', join(dir, 'canary-75.yaml')]);
    assert.equal(diff.code, 1, diff.err);
    assert.match(diff.out, /^--- Route default\/catalog \(live, revision \d+\)$/m);
    assert.match(diff.out, /^-\s+weight: 90$/m);
    assert.match(diff.out, /^\+\s+weight: 75$/m);
    // diff changed nothing
    const still = await run(['get', 'route', 'catalog', '-o', 'json']);
    assert.equal((JSON.parse(still.out) as { spec: { rules: Array<{ destinations: Array<{ weight: number }> }> } }).spec.rules[0]!.destinations[0]!.weight, 90);
  });

  void it('prints each failing document with file, document index, field path and line; applies the good ones', async () => {
    const file = join(dir, 'mixed.yaml');
    await writeFile(
      file,
      [
        'apiVersion: plexus.dev/v1',
        'kind: Route',
        'metadata: { name: good-one }',
        'spec:',
        '  rules: [{ destinations: [{}] }]',
        '---',
        'apiVersion: plexus.dev/v1',
        'kind: Route',
        'metadata: { name: bad-one }',
        'spec:',
        '  rules:',
        '    - destinations:',
        '        - { subset: { version: v1 }, weight: 60 }',
        '        - { subset: { version: v2 }, weight: 60 }',
        '      timeout: 3 hours',
        '---',
        'kind: [unclosed',
        '',
      ].join('\n'),
    );
    const res = await run(['apply', '-f', file]);
    assert.equal(res.code, 3);
    assert.match(res.out, /^Route default\/good-one created \(revision \d+\)$/m);
    assert.match(res.err, /error: .*mixed\.yaml \(document 2\) Route default\/bad-one: invalid/);
    assert.match(res.err, /^ {2}spec\.rules\[0\]\.destinations \(line 13\): weights must sum to 100 \(got 120\)$/m);
    assert.match(res.err, /^ {2}spec\.rules\[0\]\.timeout \(line 15\): must be a duration/m);
    assert.match(res.err, /error: .*mixed\.yaml \(document 3\) document: line 1[78]: Flow sequence/);
    const missing = await run(['get', 'route', 'bad-one']);
    assert.equal(missing.code, 7);
    assert.match(missing.err, /not found/);
  });

  void it('apply -f - reads standard input (a JSON list of documents)', async () => {
    const docs = [0, 1].map((i) => ({ apiVersion: 'plexus.dev/v1', kind: 'Access', metadata: { name: `stdin-${i}` }, spec: { rules: [{ action: 'deny', from: ['*'] }] } }));
    const res = await run(['apply', '-f', '-'], { stdin: JSON.stringify(docs) });
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /Access default\/stdin-0 created/);
    assert.match(res.out, /Access default\/stdin-1 created/);
  });

  void it('delete, history, and compare-and-set conflicts have their exit codes', async () => {
    await run(['apply', '-f', 'examples/canary.yaml']);
    const hist = await run(['history', 'route', 'catalog']);
    assert.equal(hist.code, 0, hist.err);
    assert.match(hist.out, /^REVISION\s+ACTION\s+BY\s+TIME\n\d+\s+applied\s+admin-user\s+\S+/);
    const current = JSON.parse((await run(['history', 'route', 'catalog', '-o', 'json'])).out) as Array<{ revision: number }>;
    const stale = await run(['delete', 'route', 'catalog', '--revision', String(current[0]!.revision - 1)]);
    assert.equal(stale.code, 6);
    assert.match(stale.err, /revision conflict/);
    const del = await run(['delete', 'route', 'catalog']);
    assert.equal(del.code, 0, del.err);
    assert.match(del.out, /^Route default\/catalog deleted \(revision \d+\)$/m);
    assert.equal((await run(['delete', 'route', 'catalog'])).code, 7);
    const afterHist = await run(['history', 'route', 'catalog', '-o', 'json']);
    assert.equal((JSON.parse(afterHist.out) as Array<{ action: string }>)[0]!.action, 'deleted');
  });

  void it('exit codes for auth failures, usage errors and an unreachable server', async () => {
    const noToken = await run(['get', 'all'], { env: { PLEXCTL_POLICY_ADDR: env.address, HOME: dir, PLEXCTL_INSECURE: '1' } });
    assert.equal(noToken.code, 5);
    assert.match(noToken.err, /missing bearer token/);
    const viewer = await run(['apply', '-f', 'examples/mesh.yaml'], { env: { ...baseEnv, PLEXCTL_TOKEN: TEST_TOKENS.viewer } });
    assert.equal(viewer.code, 5);
    const editorMesh = await run(['apply', '-f', 'examples/mesh.yaml', '--token', TEST_TOKENS.editor]);
    assert.equal(editorMesh.code, 5);
    assert.match(editorMesh.err, /needs the admin role/);
    assert.equal((await run(['get'])).code, 2);
    assert.equal((await run(['get', 'widgets'])).code, 2);
    assert.equal((await run(['apply'])).code, 2);
    assert.equal((await run(['apply', '-f', 'x', '--bogus'])).code, 2);
    assert.equal((await run(['nonsense'])).code, 2);
    assert.equal((await run(['apply', '-f', join(dir, 'does-not-exist.yaml')])).code, 3);
    const port = await portOutsideEphemeralRange();
    const down = await run(['get', 'all', '--server', `127.0.0.1:${port}`, '--timeout', '500']);
    assert.equal(down.code, 4);
    assert.equal((await run(['--help'])).code, 0);
  });

  void it('reads the address and token from a config file', async () => {
    const cfg = join(dir, 'plexctl.yaml');
    await writeFile(cfg, `policyAddr: ${env.address}\ntoken: ${TEST_TOKENS.viewer}\ninsecure: true\n`);
    const res = await run(['get', 'resilience', 'cart', '-n', 'shop', '-o', 'json', '--config', cfg], { env: { HOME: dir } });
    assert.equal(res.code, 0, res.err);
    assert.equal((JSON.parse(res.out) as { spec: { loadBalancer: { policy: string } } }).spec.loadBalancer.policy, 'consistent_hash');
    await writeFile(cfg, 'policyAddr: nowhere\ncolour: red\n');
    const bad = await run(['get', 'all', '--config', cfg], { env: { HOME: dir } });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /policyAddr: must be host:port/);
  });

  void it('registry list shows registered instances through the registry API', async () => {
    const api = new RegistryApi(registry.address);
    try {
      await api.register({ namespace: 'default', service: 'catalog', instanceId: 'catalog-1', address: '127.0.0.1', port: 8080, labels: { version: 'v1' }, ttlSeconds: 30 });
      const res = await run(['registry', 'list']);
      assert.equal(res.code, 0, res.err);
      assert.match(res.out, /^NAMESPACE\s+SERVICE\s+INSTANCE\s+ADDRESS/);
      assert.match(res.out, /default\s+catalog\s+catalog-1\s+127\.0\.0\.1:8080\s+z1\s+SERVING\s+version=v1/);
      const json = await run(['registry', 'list', '--service', 'catalog', '-o', 'json']);
      assert.equal((JSON.parse(json.out) as Array<{ id: string }>)[0]!.id, 'catalog-1');
    } finally {
      api.close();
    }
  });
});
