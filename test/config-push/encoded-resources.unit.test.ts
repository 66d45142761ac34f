// Encode once, write many (services/config-push/encoded-resources.ts): a resource's pre-encoded
// DeltaResponse entry, appended to a response, decodes exactly as if the serializer had encoded
// it, beside deltas and removals of the same response, for any name, version and body size
// (one-, two- and three-byte length varints).
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { loadPackageDefinition } from '../../lib/grpc/proto.js';
import type { CachedResource } from '../../lib/mesh/resource-cache.js';
import type { DeltaResponse } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import type { DeltaResponse__Output } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import { DISCOVERY_PROTO } from '../../services/config-push/config-push-service.js';
import { encodedResource, serializeWithEncoded } from '../../services/config-push/encoded-resources.js';

const method = (loadPackageDefinition(DISCOVERY_PROTO)['plexus.discovery.v1.Discovery'] as grpc.ServiceDefinition).DeltaResources!;
const serialize = method.responseSerialize as (value: DeltaResponse) => Buffer;
const deserialize = method.responseDeserialize as (buf: Buffer) => DeltaResponse__Output;

function cached(name: string, version: string, body: Buffer): CachedResource {
  return { type: 'Service', name, version, body, changedAt: 0, sinceGen: 1 };
}

describe('pre-encoded resources', () => {
  it('decode exactly as serialized ones, for bodies whose length needs one to three varint bytes and non-ASCII names', () => {
    for (const size of [0, 1, 127, 128, 16_383, 16_384, 300_000]) {
      const r = cached(`default/svc-é-${size}`, `v${size}-ü`, Buffer.alloc(size, size % 251));
      const plain = deserialize(serialize({ type: 'Service', nonce: 'n', resources: [{ name: r.name, version: r.version, body: r.body }] }));
      const pre = deserialize(serializeWithEncoded(serialize, { type: 'Service', nonce: 'n', resources: [], encodedResources: [encodedResource(r)] }));
      assert.deepEqual(pre, plain, `body of ${size} bytes`);
    }
  });

  it('mix with deltas, removals and the other fields of one response; the encoding is made once per version', () => {
    const a = cached('default/a', 'va', Buffer.from('{"name":"default/a"}'));
    const b = cached('default/b', 'vb', Buffer.from('{"name":"default/b"}'));
    assert.equal(encodedResource(a), encodedResource(a), 'the same Buffer for the same version');
    const out = deserialize(
      serializeWithEncoded(serialize, {
        type: 'Endpoints',
        nonce: 'x.1',
        resources: [{ name: 'default/c', version: 'vc', baseVersion: 'vc0', delta: Buffer.from('{"set":[]}') }],
        encodedResources: [encodedResource(a), encodedResource(b)],
        removedResources: ['default/gone'],
        viewRevision: 42,
        sentAt: { seconds: 5, nanos: 6 },
      }),
    );
    assert.equal(out.type, 'Endpoints');
    assert.equal(out.nonce, 'x.1');
    assert.deepEqual(out.removedResources, ['default/gone']);
    assert.equal(String(out.viewRevision), '42');
    assert.deepEqual(
      out.resources.map((r) => [r.name, r.version, Buffer.from(r.body).toString(), r.baseVersion, Buffer.from(r.delta).toString()]),
      [
        ['default/c', 'vc', '', 'vc0', '{"set":[]}'],
        ['default/a', 'va', '{"name":"default/a"}', '', ''],
        ['default/b', 'vb', '{"name":"default/b"}', '', ''],
      ],
    );
  });
});
