// gRPC server bootstrap: binds, registers the service implementations, and always adds the
// standard health (grpc.health.v1) and reflection services so grpcurl and probes work.
import * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger } from 'pino';
import { ConfigError, UnavailableError } from '../errors.js';
import { serverCredentials, type ServerSecurity } from './tls.js';
import { reportListening } from '../net.js';

export interface GrpcServiceBinding {
  /** Fully-qualified name for health status, e.g. `plexus.registry.v1.Registry`. */
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  services: GrpcServiceBinding[];
  /** Package definitions to expose through reflection. */
  reflection: PackageDefinition[];
  logger: Logger;
  /** Largest request message accepted; larger ones get RESOURCE_EXHAUSTED from grpc-js. */
  maxReceiveMessageBytes?: number;
  channelOptions?: grpc.ChannelOptions;
  /**
   * TLS from a source (a client certificate is asked for; `requireClientCert` refuses
   * handshakes without one), or plaintext only with an explicit `insecure: true`, which is
   * logged as a warning. Neither: the server refuses to start.
   */
  security: ServerSecurity | undefined;
  requireClientCert?: boolean;
  /** Name in the listening report to a launcher (lib/net.ts reportListening); default `grpc`. */
  listenerName?: string;
}

export interface RunningGrpcServer {
  server: grpc.Server;
  port: number;
  address: string;
  setServing(status: ServingStatus): void;
  /** Graceful: stop accepting, let calls finish up to `graceMs`, then force. */
  close(graceMs?: number): Promise<void>;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    ...opts.channelOptions,
  });
  for (const svc of opts.services) server.addService(svc.definition, svc.implementation);

  const statuses: Record<string, ServingStatus> = { '': 'NOT_SERVING' };
  for (const svc of opts.services) statuses[svc.name] = 'NOT_SERVING';
  const health = new HealthImplementation(statuses);
  health.addToServer(server);
  for (const pkg of opts.reflection) new ReflectionService(pkg).addToServer(server);

  const address = `${opts.host}:${opts.port}`;
  const credentials = serverCredentialsFor(opts);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, bound) => {
      if (err) reject(new UnavailableError(`cannot listen on ${address}: ${err.message}`, { cause: err }));
      else resolve(bound);
    });
  });
  const setServing = (status: ServingStatus): void => {
    health.setStatus('', status);
    for (const svc of opts.services) health.setStatus(svc.name, status);
  };
  setServing('SERVING');
  reportListening(opts.listenerName ?? 'grpc', opts.host, port);
  opts.logger.info(
    { address: `${opts.host}:${port}`, services: opts.services.map((s) => s.name), tls: opts.security?.insecure !== true },
    'gRPC server listening',
  );

  return {
    server,
    port,
    address: `${opts.host}:${port}`,
    setServing,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        setServing('NOT_SERVING');
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

function serverCredentialsFor(opts: GrpcServerOptions): grpc.ServerCredentials {
  const security = opts.security;
  if (security?.insecure === true) {
    opts.logger.warn(
      { services: opts.services.map((s) => s.name) },
      'insecure: true — serving plaintext gRPC without authenticating workloads; never do this outside tests and loopback experiments',
    );
    return grpc.ServerCredentials.createInsecure();
  }
  if (!security?.tls) {
    throw new ConfigError(
      [{ path: 'tls', message: 'is required: set tls.certFile, tls.keyFile and tls.caFile (a certificate from the mesh CA), or insecure: true for plaintext' }],
      'gRPC server',
    );
  }
  if (!security.tls.current?.certChainPem) {
    throw new ConfigError([{ path: 'tls.certFile', message: 'a server needs its own certificate and key' }], 'gRPC server');
  }
  return serverCredentials(security.tls, { requireClientCert: opts.requireClientCert ?? false });
}
