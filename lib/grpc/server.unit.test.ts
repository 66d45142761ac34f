import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { loadPackageDefinition } from './proto.js';
import { startGrpcServer, type RunningGrpcServer } from './server.js';

const require = createRequire(import.meta.url);

describe('gRPC server bootstrap', () => {
  let running: RunningGrpcServer;
  const pkg = loadPackageDefinition('plexus/discovery/v1/discovery.proto');
  before(async () => {
    const def = (pkg['plexus.discovery.v1.Discovery'] as grpc.ServiceDefinition);
    running = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      services: [{ name: 'plexus.discovery.v1.Discovery', definition: def, implementation: { DeltaResources: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end() } }],
      reflection: [pkg],
      security: { insecure: true },
    });
  });
  after(() => running.close(100));

  it('answers the standard health service for the server and each service', async () => {
    const healthPkg = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), { enums: String });
    const Health = (grpc.loadPackageDefinition(healthPkg) as any).grpc.health.v1.Health as grpc.ServiceClientConstructor;
    const client = new Health(running.address, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<string>((resolve, reject) =>
        (client as any).check({ service }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))),
      );
    assert.equal(await check(''), 'SERVING');
    assert.equal(await check('plexus.discovery.v1.Discovery'), 'SERVING');
    running.setServing('NOT_SERVING');
    assert.equal(await check(''), 'NOT_SERVING');
    running.setServing('SERVING');
    client.close();
  });

  it('lists services through gRPC reflection', async () => {
    const reflPkg = protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'));
    const Reflection = (grpc.loadPackageDefinition(reflPkg) as any).grpc.reflection.v1.ServerReflection as grpc.ServiceClientConstructor;
    const client = new Reflection(running.address, grpc.credentials.createInsecure());
    const call = (client as any).ServerReflectionInfo() as grpc.ClientDuplexStream<unknown, any>;
    const names = await new Promise<string[]>((resolve, reject) => {
      call.on('data', (res: any) => {
        resolve(res.listServicesResponse.service.map((s: { name: string }) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ listServices: '' });
    });
    assert.ok(names.includes('plexus.discovery.v1.Discovery'), names.join(','));
    client.close();
  });
});
