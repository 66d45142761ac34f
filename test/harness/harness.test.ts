// The harness itself: real servers start on ports nobody can take first (lib/net.ts), can be
// paused, killed and restarted, and stop without leaving anything behind. A missing binary names
// its Debian package.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { canConnect, spawnService, startEtcd, startNats, startZooKeeper, waitFor } from './index.js';
import { requireBinary, tcpAsk } from '../../lib/process/index.js';
import { ephemeralPortRange } from '../../lib/net.js';

describe('test harness', () => {
  it('starts etcd, restarts it on the same port with its data, and removes its temp dir', async () => {
    const etcd = await startEtcd();
    try {
      const put = await fetch(`${etcd.endpoint}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({ key: Buffer.from('k').toString('base64'), value: Buffer.from('v').toString('base64') }),
      });
      assert.equal(put.status, 200);
      await etcd.process.restart();
      const range = await fetch(`${etcd.endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('k').toString('base64') }) });
      const body = (await range.json()) as { kvs?: Array<{ value: string }> };
      assert.equal(Buffer.from(body.kvs?.[0]?.value ?? '', 'base64').toString(), 'v');
    } finally {
      await etcd.stop();
    }
    assert.equal(existsSync(etcd.process.spec.dir), false);
    assert.equal(await canConnect(etcd.port), false);
  });

  it('pauses and resumes ZooKeeper (SIGSTOP/SIGCONT) and kills it like a crash', async () => {
    const zk = await startZooKeeper();
    try {
      assert.match(await tcpAsk(zk.port, 'ruok'), /imok/);
      await zk.process.pause();
      assert.equal(await tcpAsk(zk.port, 'ruok', 300), '');
      zk.process.resume();
      await waitFor('zookeeper to answer after resume', async () => (await tcpAsk(zk.port, 'ruok', 300)).includes('imok'));
      await zk.process.kill();
      assert.equal(zk.process.running, false);
      assert.equal(await canConnect(zk.port), false);
    } finally {
      await zk.stop();
    }
  });

  it('starts nats-server and restarts it on the same port', async () => {
    const nats = await startNats();
    try {
      await nats.process.restart();
      assert.match(await tcpAsk(nats.port, '', 300), /^INFO /);
    } finally {
      await nats.stop();
    }
  });

  it('third-party servers get ports outside the ephemeral range', async () => {
    const { low, high } = ephemeralPortRange();
    const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
    try {
      for (const port of [etcd.port, nats.port]) assert.ok(port < low || port > high, `port ${port} outside ${low}-${high}`);
    } finally {
      await Promise.all([etcd.stop(), nats.stop()]);
    }
  });

  it('a restartable Plexus child reports its ports (outside the ephemeral range); a restart binds the same ones again', async () => {
    const svc = await spawnService('registry', 'registry-ports', { PLEXUS_INSECURE: 'true', PLEXUS_LOG_LEVEL: 'warn', PLEXUS_AUTH__ANONYMOUS: 'viewer' });
    try {
      const admin = svc.process.listening('admin');
      assert.ok(admin !== undefined && svc.port > 0 && svc.port !== admin);
      assert.equal((await fetch(`${svc.adminUrl}/healthz`)).status, 200);
      assert.equal(svc.adminUrl, `http://127.0.0.1:${admin}`);
      await svc.process.restart();
      assert.equal(svc.process.listening('grpc'), svc.port);
      assert.equal(svc.process.listening('admin'), admin);
      assert.ok(await canConnect(svc.port));
    } finally {
      await svc.stop();
    }
  });

  it('names the Debian package when a binary is missing', () => {
    assert.throws(() => requireBinary('/usr/bin/definitely-not-here', 'some-package'), /apt-get install -y some-package/);
  });
});
