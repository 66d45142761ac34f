// The reload decision without servers: what a new config file does to the running peers. An
// invalid file (wrong values, unknown fields, peering with itself, not YAML) is refused whole and
// setPeers is never called; unchanged peers do nothing; other changed fields are reported as
// needing a restart, never applied.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../lib/config/load.js';
import { federationConfigSchema, type PeerConfig } from '../../services/federation/config.js';
import { changedPaths, startConfigReload, type ConfigReloader } from '../../services/federation/config-reload.js';

describe('federation config reload (unit)', () => {
  let dir: string;
  let file: string;
  let reloader: ConfigReloader;
  const applied: PeerConfig[][] = [];
  const load = () => loadConfig(federationConfigSchema, { file, env: {} });
  const base = 'cluster: east\nbus: {kind: nats, servers: ["nats://127.0.0.1:4222"]}\n';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-fed-reload-unit-'));
    file = join(dir, 'federation.yaml');
    await writeFile(file, `${base}federation: {peers: [{name: west}]}\n`);
    reloader = startConfigReload({
      running: load(),
      load,
      setPeers: async (peers) => {
        applied.push(peers);
        return { added: [], removed: [], changed: [] };
      },
      logger: pino({ level: 'silent' }),
    });
  });
  after(async () => {
    reloader?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const refusedWith = async (text: string, path: string): Promise<void> => {
    await writeFile(file, text);
    const before = applied.length;
    const outcome = await reloader.reload();
    assert.equal(outcome.result, 'refused', text);
    assert.ok(outcome.result === 'refused' && outcome.violations.some((v) => v.path === path), `${text}: ${JSON.stringify(outcome)}`);
    assert.equal(applied.length, before, 'nothing applied');
  };

  it('refuses every invalid file whole, naming the field, and applies nothing', async () => {
    await refusedWith(`${base}federation: {peers: [{name: North_1}]}\n`, 'federation.peers[0].name');
    await refusedWith(`${base}federation: {peers: [{name: west, priority: 0}]}\n`, 'federation.peers[0].priority');
    await refusedWith(`${base}federation: {peers: [{name: west}, {name: west}]}\n`, 'federation.peers[1].name');
    await refusedWith(`${base}federation: {peers: [{name: east}]}\n`, 'federation.peers[0].name');
    await refusedWith(`${base}federation: {peers: [{name: west, token: x}]}\n`, 'federation.peers[0]');
    await refusedWith(`${base}federation: {peers: [{name: west}], extra: 1}\n`, 'federation');
    await refusedWith('federation: [unclosed\n', '(file)');
    await refusedWith('- a list\n', '(file)');
  });

  it('applies a changed peer list, does nothing when it is unchanged, reports unreloadable fields', async () => {
    await writeFile(file, `${base}federation: {peers: [{name: west}, {name: north, priority: 3}]}\n`);
    const first = await reloader.reload();
    assert.equal(first.result, 'applied');
    assert.deepEqual(applied.at(-1), [{ name: 'west', priority: 1 }, { name: 'north', priority: 3 }]);
    const count = applied.length;
    assert.equal((await reloader.reload()).result, 'unchanged');
    assert.equal(applied.length, count);
    await writeFile(file, `${base}zone: z9\nfederation: {peers: [{name: west}, {name: north, priority: 3}], heartbeatMs: 500}\n`);
    const outcome = await reloader.reload();
    assert.deepEqual(outcome.result === 'unchanged' ? outcome.needsRestart.sort() : outcome, ['federation.heartbeatMs', 'zone']);
    assert.equal(applied.length, count);
    assert.deepEqual(reloader.stats(), { applied: 1, refused: 8, unchanged: 2, last: outcome });
  });

  it('changedPaths names the differing leaves', () => {
    assert.deepEqual(changedPaths({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }), ['b.c[1]']);
    assert.deepEqual(changedPaths({ a: [1] }, { a: [1, 2] }), ['a']);
    assert.deepEqual(changedPaths({ a: 1 }, { a: 1, b: 2 }), ['b']);
    assert.deepEqual(changedPaths({ a: { b: 1 } }, { a: { b: 1 } }), []);
  });
});
