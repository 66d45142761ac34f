import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../lib/errors.js';
import { loadProxyConfig } from './proxy-config.js';

describe('proxy configuration', () => {
  it('layers defaults < file < environment < flags, with Istio-like default ports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plexus-proxy-config-'));
    const file = join(dir, 'proxy.yaml');
    writeFileSync(file, 'service: from-file\nzone: z-file\napp:\n  port: 9000\nlabels:\n  version: v1\n');
    const c = loadProxyConfig(['--config', file, '--zone', 'z-flag'], {
      PLEXUS_SERVICE: 'from-env',
      PLEXUS_CONTROL_PLANE__REGISTRY: '10.0.0.1:7101,10.0.0.2:7101',
      PLEXUS_ZONE: 'z-env',
    });
    assert.equal(c.service, 'from-env');
    assert.equal(c.zone, 'z-flag');
    assert.equal(c.app.port, 9000);
    assert.deepEqual(c.labels, { version: 'v1' });
    assert.deepEqual(c.controlPlane.registry, ['10.0.0.1:7101', '10.0.0.2:7101']);
    assert.deepEqual(c.controlPlane.configPush, ['127.0.0.1:7103']);
    assert.equal(c.admin.port, 15000);
    assert.equal(c.outbound.port, 15001);
    assert.equal(c.inbound.port, 15006);
    assert.match(c.instance, /^from-env-/);
  });

  it('reports every bad field with its path', () => {
    try {
      loadProxyConfig(['--app.port', '70000', '--weight', '0'], { PLEXUS_CONTROL_PLANE__CONFIG_PUSH: 'nope' });
      assert.fail('should not load');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const paths = err.violations.map((v) => v.path).sort();
      assert.deepEqual(paths, ['app.port', 'controlPlane.configPush[0]', 'service', 'weight'].sort());
    }
    assert.throws(
      () => loadProxyConfig(['--service', 'x', '--app.port', '1', '--limits.headers-timeout-ms', '500000'], {}),
      (err: ConfigError) => err.violations.some((v) => v.path === 'limits.headersTimeoutMs'),
    );
  });
});
