// The discovery client the proxy ships (lib/discovery-client, with the proxy's MeshConfig as
// its source) against a scripted Discovery server (real gRPC on loopback): the first request names the node, responses are ACKed or NACKed with the reason, on-demand
// subscriptions go out on the open stream, and after the stream breaks the client reconnects
// and resumes with the versions it holds.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, it } from 'node:test';
import { DISCOVERY_PROTO, DISCOVERY_SERVICE, DiscoveryClient } from '../../lib/discovery-client/index.js';
import { loadPackageDefinition } from '../../lib/grpc/proto.js';
import { silentLogger } from '../../lib/log.js';
import { encodeResource } from '../../lib/mesh/resources.js';
import type { DeltaRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import { waitFor } from '../harness/index.js';
import { MeshConfig } from '../../proxy/config/mesh-config.js';
import { ProxyMetrics } from '../../proxy/telemetry/metrics.js';
import { inboundBody, serviceBody } from './fixtures.js';

type Call = grpc.ServerDuplexStream<DeltaRequest__Output, DeltaResponse>;

let server: grpc.Server;
let port = 0;
const calls: Array<{ call: Call; requests: DeltaRequest__Output[]; auth: string | undefined }> = [];

before(async () => {
  server = new grpc.Server();
  const def = loadPackageDefinition(DISCOVERY_PROTO)[DISCOVERY_SERVICE] as grpc.ServiceDefinition;
  server.addService(def, {
    DeltaResources: (call: Call) => {
      const entry = { call, requests: [] as DeltaRequest__Output[], auth: call.metadata.get('authorization')[0] as string | undefined };
      calls.push(entry);
      call.on('data', (req: DeltaRequest__Output) => entry.requests.push(req));
      call.on('error', () => undefined);
    },
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
});

after(() => {
  server.forceShutdown();
});

describe('the proxy\'s discovery client', () => {
  it('names the node, ACKs, NACKs with the reason, subscribes on demand and resumes after a break', async () => {
    const mesh = new MeshConfig({
      identity: 'default/web',
      locality: { zone: 'z', cluster: 'c' },
      metrics: new ProxyMetrics(),
      logger: silentLogger(),
      onDemandTimeoutMs: 5000,
    });
    const connected: boolean[] = [];
    const stream = new DiscoveryClient({
      addresses: [`127.0.0.1:${port}`],
      node: { instanceId: 'web-1', namespace: 'default', service: 'web', cluster: 'c', zone: 'z', labels: {}, proxyVersion: 't' },
      source: mesh,
      token: 'secret-token',
      backoffMinMs: 20,
      backoffMaxMs: 50,
    });
    stream.on('connected', () => connected.push(true));
    stream.on('disconnected', () => connected.push(false));
    mesh.setSubscriptionSink(stream);
    stream.start();
    try {
      // Callers are identified by certificate: no subscription to every service's Endpoints.
      await waitFor('first stream with the Inbound subscription only', () => calls.length === 1 && calls[0]!.requests.length === 1);
      const first = calls[0]!;
      assert.equal(first.auth, 'Bearer secret-token');
      assert.equal(first.requests[0]!.type, 'Inbound');
      assert.equal(first.requests[0]!.node?.instanceId, 'web-1');
      assert.deepEqual(first.requests[0]!.subscribe, ['default/web']);

      const inbound = encodeResource(inboundBody('default/web', 'allow'));
      first.call.write({ type: 'Inbound', nonce: 'n1', resources: [inbound], removedResources: [] });
      await waitFor('ACK', () => first.requests.length === 2);
      assert.deepEqual(
        first.requests.slice(1).map((r) => [r.type, r.responseNonce, r.errorDetail]),
        [['Inbound', 'n1', null]],
      );
      assert.equal(mesh.readiness(), undefined);
      assert.equal(stream.connected, true);

      // On demand: a lookup subscribes to Service and Endpoints by name.
      const lookup = mesh.resolve('default/api');
      await waitFor('on-demand subscriptions', () => first.requests.length === 4);
      assert.equal(first.requests[2]!.node, null, 'only the first request names the node');
      assert.deepEqual(first.requests.slice(2).map((r) => [r.type, r.subscribe]), [['Service', ['default/api']], ['Endpoints', ['default/api']]]);
      const good = encodeResource(serviceBody('default/api'));
      first.call.write({ type: 'Service', nonce: 'n3', resources: [good], removedResources: [] });
      first.call.write({ type: 'Endpoints', nonce: 'n4', resources: [], removedResources: ['default/api'] });
      assert.equal(await lookup, undefined, 'known Service but no Endpoints: not routable');

      // A body the proxy cannot apply: NACK with the reason; the old version stays.
      const bad = { ...good, version: 'bad', body: Buffer.from(JSON.stringify({ ...serviceBody('default/api'), timeoutMs: -5 })) };
      first.call.write({ type: 'Service', nonce: 'n5', resources: [bad], removedResources: [] });
      await waitFor('NACK', () => first.requests.some((r) => r.responseNonce === 'n5'));
      const nack = first.requests.find((r) => r.responseNonce === 'n5')!;
      assert.equal(nack.errorDetail?.code, grpc.status.INVALID_ARGUMENT);
      assert.match(nack.errorDetail?.message ?? '', /resources\[0\]\(default\/api\)\.body\.timeoutMs/);
      assert.deepEqual(mesh.held('Service'), { 'default/api': good.version });

      // The server goes away mid-stream: reconnect, resume with what is held.
      first.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'replica died' });
      await waitFor('a second stream', () => calls.length === 2 && calls[1]!.requests.length === 3);
      const second = calls[1]!;
      const byType = Object.fromEntries(second.requests.map((r) => [r.type, r]));
      assert.ok(second.requests[0]!.node, 'a new stream names the node again');
      assert.deepEqual(byType.Inbound!.initialVersions, { 'default/web': inbound.version });
      assert.deepEqual(byType.Service!.subscribe, ['default/api']);
      assert.deepEqual(byType.Service!.initialVersions, { 'default/api': good.version });
      assert.deepEqual(byType.Endpoints!.subscribe, ['default/api'], 'only what it calls');
      await waitFor('connected again', () => stream.connected);
      assert.ok(connected.includes(false), 'the break was noticed');
    } finally {
      stream.close();
      mesh.close();
    }
  });
});
