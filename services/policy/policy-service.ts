// Starts the policy service on a runtime: the PolicyManager, the gRPC API (plus health and
// reflection) and a readiness check on the store. Used by main.ts, dev mode and tests.
import type * as grpc from '@grpc/grpc-js';
import { loadGrpcObject, loadPackageDefinition, lookup } from '../../lib/grpc/proto.js';
import { guardedStore, tolerantDefinition } from '../../lib/grpc/edge/index.js';
import { startGrpcServer, type RunningGrpcServer } from '../../lib/grpc/server.js';
import type { Runtime } from '../../lib/runtime.js';
import { Authenticator } from '../../lib/auth/operator-auth.js';
import { POLICY_PROTO, POLICY_SERVICE } from '../../lib/policy-client/index.js';
import type { AuthConfig } from '../../lib/auth/operator-auth.js';
import { serverSecurity, type SecurityConfig } from '../../lib/config/service.js';
import { policyOptions, type PolicyOptions } from './config.js';
import { policyApi } from './policy-api.js';
import { PolicyManager } from './policy-manager.js';

export interface PolicyServiceConfig extends SecurityConfig {
  cluster: string;
  grpc: { host: string; port: number };
  auth: AuthConfig;
  policy?: Partial<PolicyOptions>;
}

export interface PolicyServiceHandle {
  port: number;
  address: string;
  manager: PolicyManager;
  grpc: RunningGrpcServer;
  close(): Promise<void>;
}

export async function startPolicyService(runtime: Runtime, config: PolicyServiceConfig): Promise<PolicyServiceHandle> {
  const options = policyOptions(config.policy);
  const logger = runtime.logger;
  const auth = new Authenticator(config.auth);
  if (auth.locked) {
    logger.warn('no auth tokens configured and auth.anonymous is none: every call will be refused (UNAUTHENTICATED)');
  } else if (config.auth.anonymous !== 'none') {
    logger.warn({ role: config.auth.anonymous }, 'anonymous callers are allowed (auth.anonymous): development use only');
  }
  // Handlers see store failures and hangs as UNAVAILABLE within storeTimeoutMs.
  const store = guardedStore(runtime.store, options.storeTimeoutMs);
  const manager = new PolicyManager({
    cluster: config.cluster,
    store,
    bus: runtime.bus,
    logger,
    historyLimit: options.historyLimit,
    publishTimeoutMs: options.publishTimeoutMs,
  });
  const sessions = new Set<{ end(): void }>();
  const pkg = loadPackageDefinition(POLICY_PROTO);
  const ctor = lookup<grpc.ServiceClientConstructor>(loadGrpcObject(POLICY_PROTO), POLICY_SERVICE);
  const { security, close: closeSecurity } = serverSecurity(config, logger);
  let server: RunningGrpcServer;
  try {
    server = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      services: [
        {
          name: POLICY_SERVICE,
          definition: tolerantDefinition(ctor.service),
          implementation: policyApi({
            manager,
            store,
            auth,
            logger,
            historyLimit: options.historyLimit,
            maxWatchQueue: options.maxWatchQueue,
            sessions,
            tracer: runtime.tracing.tracer,
          }),
        },
      ],
      reflection: [pkg],
      logger,
      maxReceiveMessageBytes: options.maxRequestBytes,
      security,
    });
  } catch (err) {
    closeSecurity();
    throw err;
  }
  runtime.admin.addReadiness({
    name: 'store',
    check: async () => {
      try {
        await runtime.store.currentRevision();
        return undefined;
      } catch (err) {
        return `store unreachable: ${(err as Error).message}`;
      }
    },
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const s of [...sessions]) s.end();
      await server.close();
      closeSecurity();
    })();
    return closing;
  };
  runtime.lifecycle.add('policy-grpc', close);
  return { port: server.port, address: server.address, manager, grpc: server, close };
}
