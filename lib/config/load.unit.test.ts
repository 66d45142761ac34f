import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { dnsLabel, listenAddress, stringList } from './fields.js';
import { envNameToPath, loadConfig } from './load.js';

const schema = z
  .object({
    cluster: dnsLabel.default('local'),
    logLevel: z.enum(['info', 'debug']).default('info'),
    grpc: listenAddress(7101).default({ host: '127.0.0.1', port: 7101 }),
    store: z
      .object({ backend: z.enum(['memory', 'etcd']), endpoints: stringList().optional() })
      .strict()
      .default({ backend: 'memory' }),
  })
  .strict();

function tempFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'plexus-cfg-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('applies defaults with no file and no env', () => {
    const cfg = loadConfig(schema, { env: {} });
    assert.deepEqual(cfg, { cluster: 'local', logLevel: 'info', grpc: { host: '127.0.0.1', port: 7101 }, store: { backend: 'memory' } });
  });

  it('maps PLEXUS_* env vars to nested camelCase fields, lists from commas, numbers from JSON', () => {
    assert.deepEqual(envNameToPath('STORE__ENDPOINTS'), ['store', 'endpoints']);
    assert.deepEqual(envNameToPath('LOG_LEVEL'), ['logLevel']);
    const cfg = loadConfig(schema, {
      env: {
        PLEXUS_CLUSTER: 'east',
        PLEXUS_LOG_LEVEL: 'debug',
        PLEXUS_GRPC__PORT: '9000',
        PLEXUS_STORE__BACKEND: 'etcd',
        PLEXUS_STORE__ENDPOINTS: 'http://a:1, http://b:2',
        OTHER: 'ignored',
      },
    });
    assert.equal(cfg.cluster, 'east');
    assert.equal(cfg.logLevel, 'debug');
    assert.equal(cfg.grpc.port, 9000);
    assert.deepEqual(cfg.store, { backend: 'etcd', endpoints: ['http://a:1', 'http://b:2'] });
  });

  it('env overrides the file, flags override env', () => {
    const file = tempFile('cluster: west\ngrpc:\n  port: 8000\n');
    const cfg = loadConfig(schema, { file, env: { PLEXUS_GRPC__PORT: '8001' }, overrides: { 'grpc.host': '0.0.0.0' } });
    assert.equal(cfg.cluster, 'west');
    assert.deepEqual(cfg.grpc, { host: '0.0.0.0', port: 8001 });
  });

  it('reports every bad field with its path in one error', () => {
    const file = tempFile('cluster: Not_A_Label\ngrpc:\n  port: 70000\n  hots: x\nunknown: 1\n');
    assert.throws(
      () => loadConfig(schema, { file, env: { PLEXUS_STORE__BACKEND: 'consul' } }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const paths = err.violations.map((v) => v.path).sort();
        assert.ok(paths.includes('cluster'), paths.join(','));
        assert.ok(paths.includes('grpc.port'), paths.join(','));
        assert.ok(paths.includes('grpc'), paths.join(',')); // unrecognized key "hots"
        assert.ok(paths.includes('store.backend'), paths.join(','));
        assert.ok(paths.includes(''), paths.join(',')); // unrecognized top-level key
        assert.match(err.message, /grpc\.port: .*65535/);
        assert.match(err.message, /invalid configuration \(.*c\.yaml \+ PLEXUS_\* environment\)/);
        return true;
      },
    );
  });

  it('rejects unreadable and non-mapping files clearly', () => {
    assert.throws(() => loadConfig(schema, { file: '/nonexistent/plexus.yaml', env: {} }), /cannot read \/nonexistent\/plexus\.yaml/);
    assert.throws(() => loadConfig(schema, { file: tempFile('- a\n- b\n'), env: {} }), /top level must be a mapping/);
    assert.throws(() => loadConfig(schema, { file: tempFile('a: [\n'), env: {} }), /not valid YAML/);
  });
});

describe('store and bus config from env', () => {
  it('accepts comma-separated etcd endpoints and NATS servers', async () => {
    const { serviceConfigSchema } = await import('./service.js');
    const cfg = loadConfig(serviceConfigSchema('registry', {}), {
      env: {
        PLEXUS_STORE__BACKEND: 'etcd',
        PLEXUS_STORE__ENDPOINTS: 'http://127.0.0.1:2379,http://127.0.0.1:22379',
        PLEXUS_BUS__KIND: 'nats',
        PLEXUS_BUS__SERVERS: 'nats://127.0.0.1:4222',
      },
    });
    assert.deepEqual(cfg.store, { backend: 'etcd', endpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:22379'] });
    assert.deepEqual(cfg.bus, { kind: 'nats', servers: ['nats://127.0.0.1:4222'] });
  });
});
