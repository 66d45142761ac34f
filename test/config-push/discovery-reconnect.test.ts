// How the discovery client (lib/discovery-client) comes back to a config-push replica, against a
// scripted Discovery server on loopback that is stopped and started again on the same port:
// - a restarted replica is resumed about one channel retry after it is back (≤ 2.4 s), not
//   after a backoff that grew the whole time it was down (here ≥ 6.4 s), and the resume names
//   the versions the client holds;
// - a reachable replica that keeps ending the stream is still retried with a growing backoff.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, describe, it } from 'node:test';
import { DISCOVERY_PROTO, DISCOVERY_SERVICE, DiscoveryClient } from '../../lib/discovery-client/index.js';
import { loadPackageDefinition } from '../../lib/grpc/proto.js';
import { encodeResource } from '../../lib/mesh/resources.js';
import type { DeltaRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import { waitFor } from '../harness/index.js';
import { CLUSTER } from './support.js';
import { serviceBody } from '../proxy/fixtures.js';

type Call = grpc.ServerDuplexStream<DeltaRequest__Output, DeltaResponse>;

interface Scripted {
  server: grpc.Server;
  port: number;
  streams: Array<{ call: Call; requests: DeltaRequest__Output[]; at: number }>;
}

const servers = new Set<grpc.Server>();
after(() => {
  for (const s of servers) s.forceShutdown();
});

async function scriptedServer(port: number, onStream: (call: Call) => void = () => undefined): Promise<Scripted> {
  const server = new grpc.Server();
  servers.add(server);
  const streams: Scripted['streams'] = [];
  const def = loadPackageDefinition(DISCOVERY_PROTO)[DISCOVERY_SERVICE] as grpc.ServiceDefinition;
  server.addService(def, {
    DeltaResources: (call: Call) => {
      const entry = { call, requests: [] as DeltaRequest__Output[], at: performance.now() };
      streams.push(entry);
      call.on('data', (req: DeltaRequest__Output) => entry.requests.push(req));
      call.on('error', () => undefined);
      onStream(call);
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port: bound, streams };
}

function client(port: number, backoffMinMs: number, backoffMaxMs: number): DiscoveryClient {
  return new DiscoveryClient({
    addresses: [`127.0.0.1:${port}`],
    node: { instanceId: 'web-1', namespace: 'default', service: 'web', cluster: CLUSTER, zone: 'zone-a', labels: {}, proxyVersion: 't' },
    subscriptions: { Service: ['default/api'] },
    backoffMinMs,
    backoffMaxMs,
  });
}

describe('discovery client reconnects', () => {
  it('resumes a restarted replica as soon as it is back, naming the versions it holds', async () => {
    const first = await scriptedServer(0);
    const c = client(first.port, 50, 60_000);
    try {
      c.start();
      await waitFor('first stream', () => first.streams.length === 1 && first.streams[0]!.requests.length > 0, { timeoutMs: 10_000 });
      const api = encodeResource(serviceBody('default/api'));
      first.streams[0]!.call.write({ type: 'Service', nonce: 'n1', resources: [{ name: 'default/api', version: api.version, body: api.body }] });
      await waitFor('held', () => c.version('Service', 'default/api') === api.version, { timeoutMs: 10_000 });
      first.server.forceShutdown();
      await waitFor('noticed', () => !c.connected, { timeoutMs: 10_000 });
      // The replica stays down for 12 s: a backoff doubling from 50 ms would have reached a
      // base of 12.8 s, so the old client waited at least 6.4 s after the replica came back.
      await new Promise((r) => setTimeout(r, 12_000));
      const again = await scriptedServer(first.port);
      const back = performance.now();
      await waitFor('resumed', () => again.streams.length > 0 && again.streams[0]!.requests.length > 0, { timeoutMs: 20_000, intervalMs: 20 });
      const tookMs = again.streams[0]!.at - back;
      assert.ok(tookMs < 5000, `resumed ${Math.round(tookMs)} ms after the replica came back (a grown backoff waits ≥ 6,400 ms)`);
      const resume = again.streams[0]!.requests.find((r) => r.type === 'Service')!;
      assert.deepEqual(resume.initialVersions, { 'default/api': api.version }, 'resumes by versions');
    } finally {
      c.close();
    }
  });

  it('backs off from a reachable replica that keeps ending the stream', async () => {
    const ending = await scriptedServer(0, (call) => setImmediate(() => call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'go away' })));
    const c = client(ending.port, 50, 400);
    try {
      c.start();
      await waitFor('a few streams', () => ending.streams.length >= 3, { timeoutMs: 10_000 });
      const from = ending.streams.length;
      const t0 = performance.now();
      await waitFor('2 s later', () => performance.now() - t0 >= 2000, { timeoutMs: 5000, intervalMs: 50 });
      const opened = ending.streams.length - from;
      // At a ceiling of 400 ms (each delay drawn from [200, 400]): at most ~10 in 2 s; without a backoff, hundreds.
      assert.ok(opened <= 12, `${opened} streams in 2 s`);
      assert.ok(opened >= 2, `${opened} streams in 2 s: still retrying`);
    } finally {
      c.close();
    }
  });
});
