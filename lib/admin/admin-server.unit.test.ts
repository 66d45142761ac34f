import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { startAdminServer, type RunningAdminServer } from './admin-server.js';
import { counter } from './metrics.js';

describe('admin server', () => {
  let admin: RunningAdminServer;
  let ready: string | undefined = 'store not connected';
  before(async () => {
    admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      readiness: [{ name: 'store', check: () => ready }],
      routes: { '/config_dump': (_req, res) => void res.end('{"ok":true}') },
    });
  });
  after(() => admin.close());

  it('serves /healthz always and /readyz from its checks', async () => {
    assert.equal((await fetch(`${admin.url}/healthz`)).status, 200);
    const notReady = await fetch(`${admin.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /store: store not connected/);
    ready = undefined;
    assert.equal((await fetch(`${admin.url}/readyz`)).status, 200);
  });

  it('serves Prometheus text with plexus_ metrics, extra routes, and 404 otherwise', async () => {
    counter({ name: 'plexus_admin_test_total', help: 'test counter' }).inc();
    // asking again returns the same metric instead of throwing on double registration
    counter({ name: 'plexus_admin_test_total', help: 'test counter' }).inc();
    const res = await fetch(`${admin.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^plexus_admin_test_total 2$/m);
    assert.match(text, /plexus_process_cpu_seconds_total/);
    assert.equal(await (await fetch(`${admin.url}/config_dump`)).text(), '{"ok":true}');
    assert.equal((await fetch(`${admin.url}/nope`)).status, 404);
  });
});
