// The harness itself: real servers start on free ports, can be paused, killed and restarted,
// and stop without leaving anything behind. A missing binary names its Debian package.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { canConnect, startEtcd, startNats, startZooKeeper, waitFor } from './index.js';
import { requireBinary, tcpAsk } from '../../lib/process/index.js';

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

  it('names the Debian package when a binary is missing', () => {
    assert.throws(() => requireBinary('/usr/bin/definitely-not-here', 'some-package'), /apt-get install -y some-package/);
  });
});
