// services/federation/main.ts as a real process: a bad configuration stops start-up naming each
// field (exit 2); a good one serves /readyz, /metrics and ListImports, and SIGTERM ends it;
// its config file's federation.peers reload on change or SIGHUP, a bad file is refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPlexctl } from '../../cli/plexctl/main.js';
import { EXIT } from '../../cli/plexctl/exit-codes.js';
import { startLinkedNats, type LinkedNatsServer } from '../../lib/process/nats-link.js';
import { REPO, SERVICE_LISTENERS, spawnNodeProcess, startEtcd, waitFor, type EtcdServer } from '../harness/index.js';

describe('federation entry point', { timeout: 120_000 }, () => {
  let etcd: EtcdServer;
  let nats: LinkedNatsServer;
  before(async () => {
    [etcd, nats] = await Promise.all([startEtcd(), startLinkedNats({ domain: 'east' })]);
  });
  after(async () => {
    await Promise.all([etcd?.stop(), nats?.stop()]);
  });

  /** The environment of an east federation service on this suite's etcd and NATS. */
  const eastEnv = (): Record<string, string> => ({
    PLEXUS_LOG_LEVEL: 'warn',
    PLEXUS_CLUSTER: 'east',
    PLEXUS_INSECURE: 'true',
    PLEXUS_AUTH__ANONYMOUS: 'viewer',
    PLEXUS_STORE__BACKEND: 'etcd',
    PLEXUS_STORE__ENDPOINTS: etcd.endpoint,
    PLEXUS_BUS__KIND: 'nats',
    PLEXUS_BUS__SERVERS: nats.url,
  });

  it('refuses a bad configuration with exit code 2, naming every bad field', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'services/federation/main.ts')], {
      env: { PATH: process.env.PATH ?? '', PLEXUS_CLUSTER: 'east', PLEXUS_FEDERATION__PEERS: '[{"name":"East"},{"name":"east"}]', PLEXUS_FEDERATION__HEARTBEAT_MS: '5' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /federation\.peers\[0\]\.name: must be a DNS-1123 label/);
    assert.match(res.stderr, /federation\.peers\[1\]\.name: a cluster cannot peer with itself/);
    assert.match(res.stderr, /federation\.heartbeatMs/);
    assert.match(res.stderr, /bus\.kind: federation needs the NATS bus/);
  });

  it('serves /readyz, /metrics and ListImports, and stops on SIGTERM', async () => {
    const proc = await spawnNodeProcess({
      name: 'federation-east',
      entry: 'services/federation/main.ts',
      env: {
        ...eastEnv(),
        PLEXUS_FEDERATION__PEERS: '[{"name":"west"}]',
      },
      listeners: SERVICE_LISTENERS,
      ready: async ({ admin }) => (await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined))?.status === 200,
    });
    const [grpcPort, adminPort] = [proc.listening('grpc')!, proc.listening('admin')!];
    try {
      // The only replica takes the link's lease.
      await waitFor('the link lease', async () => /plexus_federation_link_active\{peer="west",role="link"\} 1/.test(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text()));
      let out = '';
      const code = await runPlexctl(['get', 'imports', '--federation', `127.0.0.1:${grpcPort}`, '--insecure', '-o', 'json'], { stdout: { write: (t) => void (out += t) }, stderr: { write: () => undefined }, env: {} });
      assert.equal(code, EXIT.OK);
      const res = JSON.parse(out) as { cluster: string; peers: Array<{ peer: string; activeReplica: string; heartbeatAgeMs: number; stale: boolean }> };
      assert.equal(res.cluster, 'east');
      assert.equal(res.peers[0]!.peer, 'west');
      // No peer answers on this lone server: no heartbeat, so the link is reported stale.
      assert.equal(res.peers[0]!.heartbeatAgeMs, -1);
      assert.equal(res.peers[0]!.stale, true);
      assert.match(res.peers[0]!.activeReplica, /^federation-/);
    } finally {
      await proc.stop();
    }
    assert.equal(proc.running, false);
    await waitFor('the admin port to close', async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz`).catch(() => undefined)) === undefined);
  });

  it('reloads federation.peers from its config file on SIGHUP, without a restart; refuses a bad file and keeps running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plexus-fed-main-'));
    const file = join(dir, 'federation.yaml');
    const write = async (text: string): Promise<void> => {
      await writeFile(`${file}.new`, text);
      await rename(`${file}.new`, file);
    };
    await write('federation:\n  peers: [{name: west}]\n');
    const proc = await spawnNodeProcess({
      name: 'federation-east-reload',
      entry: 'services/federation/main.ts',
      env: {
        PLEXUS_CONFIG: file,
        ...eastEnv(),
      },
      listeners: SERVICE_LISTENERS,
      ready: async ({ admin }) => (await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined))?.status === 200,
    });
    const [grpcPort, adminPort] = [proc.listening('grpc')!, proc.listening('admin')!];
    const peers = async (): Promise<string[]> => {
      let out = '';
      const code = await runPlexctl(['get', 'imports', '--federation', `127.0.0.1:${grpcPort}`, '--insecure', '-o', 'json'], { stdout: { write: (t) => void (out += t) }, stderr: { write: () => undefined }, env: {} });
      assert.equal(code, EXIT.OK);
      return (JSON.parse(out) as { peers: Array<{ peer: string }> }).peers.map((p) => p.peer).sort();
    };
    const linkActive = async (peer: string): Promise<boolean> => new RegExp(`plexus_federation_link_active\\{peer="${peer}",role="link"\\} 1`).test(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text());
    const pid = proc.pid!;
    try {
      await waitFor('the west link', () => linkActive('west'));
      await write('federation:\n  peers: [{name: west}, {name: north, priority: 2}]\n');
      process.kill(pid, 'SIGHUP');
      await waitFor('north added', async () => (await peers()).join() === 'north,west' && (await linkActive('north')));
      await write('federation:\n  peers: [{name: North_1}]\n');
      process.kill(pid, 'SIGHUP');
      await waitFor('the refusal to be logged', () => /new configuration refused/.test(proc.tail(20)));
      assert.match(proc.tail(20), /federation\.peers\[0\]\.name/);
      assert.ok(proc.running, 'still running');
      assert.equal(proc.pid, pid);
      assert.deepEqual(await peers(), ['north', 'west']);
      await write('federation:\n  peers: [{name: north, priority: 2}]\n');
      process.kill(pid, 'SIGHUP');
      await waitFor('west removed', async () => (await peers()).join() === 'north' && !(await linkActive('west')));
    } finally {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
