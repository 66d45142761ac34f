// Hostile peer input, row by row: what the importer refuses before anything is written, and how
// the mesh view turns an import record into remote endpoints (cluster, zone, priority, stale).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePeerMessage, encode, exportMessageSchema, heartbeatSchema } from '../../services/federation/federation-wire.js';
import { federationConfigSchema } from '../../services/federation/config.js';
import { MeshView, buildEndpoints, policyCodec } from '../../lib/mesh/index.js';
import type { Policy } from '../../lib/policy/index.js';
import { parsePolicy } from '../../lib/policy/index.js';
import type { ImportRecord } from '../../lib/model/import-record.js';
import { importKey } from '../../services/federation/import-keys.js';
import { instanceKey } from '../../lib/store/keys.js';
import { instanceRecord } from '../config-push/fixtures.js';

const good = { v: 1, cluster: 'east', peer: 'west', namespace: 'default', service: 'catalog', removed: false, instances: [{ id: 'c-1', address: '10.0.0.1', port: 8080, protocol: 'http1', cluster: 'east', zone: 'a', weight: 100, labels: {} }] };
const bytes = (v: unknown) => (typeof v === 'string' ? new TextEncoder().encode(v) : encode(v));

describe('peer message decoding (attacker table)', () => {
  it('accepts a well-formed export message', () => {
    assert.equal(decodePeerMessage(bytes(good), 4096, exportMessageSchema).ok, true);
  });
  const rows: Array<[string, Uint8Array, string]> = [
    ['oversized', new Uint8Array(5000).fill(32), 'oversized'],
    ['not JSON', bytes('{"v":1,'), 'malformed'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'malformed'],
    ['JSON but not an object', bytes('[1,2]'), 'malformed'],
    ['unknown version', bytes({ ...good, v: 2 }), 'malformed'],
    ['extra field', bytes({ ...good, admin: true }), 'malformed'],
    ['cluster not a DNS label', bytes({ ...good, cluster: 'East/../x' }), 'malformed'],
    ['service with a subject wildcard', bytes({ ...good, service: 'cat.>' }), 'malformed'],
    ['port out of range', bytes({ ...good, instances: [{ ...good.instances[0], port: 70000 }] }), 'malformed'],
    ['negative weight', bytes({ ...good, instances: [{ ...good.instances[0], weight: -1 }] }), 'malformed'],
    ['unknown protocol', bytes({ ...good, instances: [{ ...good.instances[0], protocol: 'gopher' }] }), 'malformed'],
    ['instance id with a slash', bytes({ ...good, instances: [{ ...good.instances[0], id: 'a/b' }] }), 'malformed'],
    ['too many labels', bytes({ ...good, instances: [{ ...good.instances[0], labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) }] }), 'malformed'],
    ['too many instances', bytes({ ...good, instances: Array.from({ length: 1001 }, (_, i) => ({ ...good.instances[0], id: `c-${i}` })) }), 'malformed'],
  ];
  for (const [name, data, refusal] of rows) {
    it(`refuses: ${name}`, () => {
      const r = decodePeerMessage(data, name === 'too many instances' ? 1 << 20 : 4096, exportMessageSchema);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.refusal, refusal);
    });
  }
  it('refuses a heartbeat with a negative or fractional cursor', () => {
    const hb = { v: 1, cluster: 'east', peer: 'west', cursor: 3, horizon: 0, at: 'now' };
    assert.equal(decodePeerMessage(bytes(hb), 4096, heartbeatSchema).ok, true);
    assert.equal(decodePeerMessage(bytes({ ...hb, cursor: -1 }), 4096, heartbeatSchema).ok, false);
    assert.equal(decodePeerMessage(bytes({ ...hb, cursor: 1.5 }), 4096, heartbeatSchema).ok, false);
  });
});

describe('federation config', () => {
  const base = { cluster: 'east', bus: { kind: 'nats', servers: ['nats://127.0.0.1:4222'] } };
  it('names every problem with its path', () => {
    const r = federationConfigSchema.safeParse({
      ...base,
      bus: { kind: 'memory' },
      federation: { peers: [{ name: 'west' }, { name: 'west' }, { name: 'east' }], heartbeatMs: 1000, staleAfterMs: 500 },
    });
    assert.equal(r.success, false);
    const paths = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.ok(paths.some((p) => p.startsWith('federation.peers.1.name: peer "west" is listed twice')), paths.join('\n'));
    assert.ok(paths.some((p) => p.startsWith('federation.staleAfterMs:')), paths.join('\n'));
  });
  it('defaults to gRPC 7105 and admin 7115', () => {
    const c = federationConfigSchema.parse(base);
    assert.equal(c.grpc.port, 7105);
    assert.equal(c.admin.port, 7115);
    assert.match(c.instance, /^federation-/);
  });
});

describe('imports in the mesh view', () => {
  const record = (over: Partial<ImportRecord> = {}): ImportRecord => ({
    peer: 'east',
    namespace: 'default',
    service: 'catalog',
    priority: 2,
    stale: false,
    instances: [{ id: 'c-1', address: '10.0.0.1', port: 8080, protocol: 'http1', cluster: 'east', zone: 'east-a', weight: 50, labels: { v: '1' } }],
    sequence: 7,
    importedAt: new Date().toISOString(),
    ...over,
  });
  const view = () => new MeshView<Policy>({ cluster: 'west', policyCodec });

  it('serves local endpoints without a priority (0) and imported ones at the peer priority, with cluster, zone and stale', () => {
    const v = view();
    v.put(instanceKey('west', 'default', 'catalog', 'w-1'), instanceRecord('default', 'catalog', 'w-1', { cluster: 'west', zone: 'west-a' }), 1, 'store');
    v.put(importKey('west', 'east', 'default', 'catalog'), record(), 2, 'store');
    const eps = buildEndpoints('default/catalog', v).endpoints.map((e) => ({ id: e.id, cluster: e.cluster, zone: e.zone, priority: e.priority, stale: e.stale }));
    assert.deepEqual(eps, [
      { id: 'east/c-1', cluster: 'east', zone: 'east-a', priority: 2, stale: undefined },
      { id: 'w-1', cluster: 'west', zone: 'west-a', priority: undefined, stale: undefined },
    ]);
    v.put(importKey('west', 'east', 'default', 'catalog'), record({ stale: true }), 3, 'store');
    assert.equal(buildEndpoints('default/catalog', v).endpoints.find((e) => e.cluster === 'east')?.stale, true);
    v.delete(importKey('west', 'east', 'default', 'catalog'), 4, 'store');
    assert.deepEqual(buildEndpoints('default/catalog', v).endpoints.map((e) => e.id), ['w-1']);
  });

  it('makes an imported service known (a proxy can subscribe to it) and reports it as an import change', () => {
    const v = view();
    const changes: string[] = [];
    v.onChange((c) => changes.push(`${c.type}:${c.type === 'import' ? c.service : ''}`));
    v.put(importKey('west', 'east', 'default', 'catalog'), record(), 1, 'store');
    assert.equal(v.isKnown('default/catalog'), true);
    assert.deepEqual(changes, ['import:default/catalog']);
  });

  it('treats an import record that does not match its key, or another cluster\'s imports, as absent', () => {
    const v = view();
    let invalid = 0;
    const w = new MeshView<Policy>({ cluster: 'west', policyCodec, onInvalid: () => invalid++ });
    assert.equal(w.put(importKey('west', 'east', 'default', 'catalog'), record({ service: 'orders' }), 1, 'store'), 'invalid');
    assert.equal(w.put(importKey('west', 'east', 'default', 'catalog'), { ...record(), priority: 0 }, 2, 'store'), 'invalid');
    assert.equal(invalid, 2);
    assert.equal(v.put(importKey('north', 'east', 'default', 'catalog'), record(), 1, 'store'), 'ignored');
    assert.equal(w.isKnown('default/catalog'), false);
  });

  it('ServiceExport is a policy kind: validated, with peers as DNS labels, no repeats', () => {
    const ok = parsePolicy({ apiVersion: 'plexus.dev/v1', kind: 'ServiceExport', metadata: { name: 'catalog' }, spec: {} });
    assert.equal(ok.ok, true);
    if (ok.ok) assert.deepEqual(ok.policy.spec, { peers: [] });
    const bad = parsePolicy({ apiVersion: 'plexus.dev/v1', kind: 'ServiceExport', metadata: { name: 'catalog' }, spec: { peers: ['West', 'a', 'a'], extra: 1 } });
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      const paths = bad.violations.map((x) => x.path);
      assert.ok(paths.includes('spec.peers[0]'), paths.join());
      assert.ok(paths.some((p) => p === 'spec.peers'), paths.join());
      assert.ok(paths.some((p) => p === 'spec' || p === 'spec.extra'), paths.join());
    }
  });
});
