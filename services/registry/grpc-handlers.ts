// The API edge of plexus.registry.v1.Registry: decode and validate each request, call the
// registry, encode the answer. Domain errors become gRPC statuses in lib/grpc/status.ts only.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { unary } from '../../lib/grpc/status.js';
import type { DeregisterRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/DeregisterRequest.js';
import type { DeregisterResponse } from '../../lib/proto/gen/plexus/registry/v1/DeregisterResponse.js';
import type { GetRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/GetRequest.js';
import type { HeartbeatRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/HeartbeatRequest.js';
import type { HeartbeatResponse } from '../../lib/proto/gen/plexus/registry/v1/HeartbeatResponse.js';
import type { Instance } from '../../lib/proto/gen/plexus/registry/v1/Instance.js';
import type { ListRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/ListRequest.js';
import type { ListResponse } from '../../lib/proto/gen/plexus/registry/v1/ListResponse.js';
import type { RegisterRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/RegisterRequest.js';
import type { RegisterResponse } from '../../lib/proto/gen/plexus/registry/v1/RegisterResponse.js';
import type { SetHealthRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/SetHealthRequest.js';
import type { SetHealthResponse } from '../../lib/proto/gen/plexus/registry/v1/SetHealthResponse.js';
import { recordToProto } from '../../lib/registry-client/instance-proto.js';
import { instanceKey, instancesPrefix } from '../../lib/store/keys.js';
import type { InstanceRecord } from '../../lib/model/instance.js';
import { heartbeatResultLabel, heartbeatStreamHandler } from './heartbeat-stream.js';
import type { InstanceRegistry } from './instance-registry.js';
import { registryMetrics } from './metrics.js';
import { decoded, type Undecodable } from '../../lib/grpc/edge/index.js';
import {
  parseDeregister,
  parseGet,
  parseHeartbeat,
  parseList,
  parseRegister,
  parseSetHealth,
  type ValidationContext,
} from './validation.js';
import { watchHandler, type StreamSession, type WatchDeps } from './watch-stream.js';
import type { RegistryAccess } from './access.js';

export interface HandlerDeps {
  registry: InstanceRegistry;
  validation: ValidationContext;
  cluster: string;
  logger: Logger;
  watch: WatchDeps;
  sessions: Set<StreamSession>;
  access: RegistryAccess;
  /** Marks Get/List answers unconfirmed (the reaper: kept without a heartbeat for the TTL). */
  liveness?: { unconfirmedSince(key: string): number | undefined };
}

type Req<T> = T | Undecodable;

export function registryHandlers(deps: HandlerDeps): grpc.UntypedServiceImplementation {
  const withLiveness = (record: InstanceRecord, revision: number): Instance => {
    const msg = recordToProto(record, revision);
    const since = deps.liveness?.unconfirmedSince(instanceKey(deps.cluster, record.namespace, record.service, record.id));
    return since === undefined ? msg : { ...msg, unconfirmedSince: new Date(since).toISOString() };
  };
  const { registry, logger, access } = deps;
  const onUnexpected = (err: unknown): void => logger.error({ err }, 'unexpected error in registry handler');
  const pages = pageTokens(instancesPrefix(deps.cluster));

  const handlers: grpc.UntypedServiceImplementation = {
    Register: unary<Req<RegisterRequest__Output>, RegisterResponse>(async (call) => {
      const caller = access.caller(call);
      const input = parseRegister(decoded(call.request, 'RegisterRequest'), deps.validation);
      access.checkService(caller, input.namespace, input.service, 'register');
      access.takeRegistration(caller);
      const { record, revision, replaced } = await registry.register({ ...input, owner: caller?.spiffeId });
      return {
        instanceId: record.id,
        incarnation: record.incarnation,
        ttlSeconds: record.ttlSeconds,
        heartbeatIntervalMs: Math.max(100, Math.floor((record.ttlSeconds * 1000) / 3)),
        revision,
        instance: recordToProto(record, revision),
        replaced,
      };
    }, onUnexpected),

    Heartbeat: unary<Req<HeartbeatRequest__Output>, HeartbeatResponse>(async (call) => {
      const timer = registryMetrics.heartbeatSeconds.startTimer({ transport: 'unary' });
      try {
        const caller = access.caller(call);
        const ref = parseHeartbeat(decoded(call.request, 'HeartbeatRequest'));
        access.checkService(caller, ref.namespace, ref.service, 'renew');
        const ttlSeconds = await registry.heartbeat({ ...ref, caller: caller?.spiffeId });
        registryMetrics.heartbeats.inc({ transport: 'unary', result: 'ok' });
        return { ttlSeconds };
      } catch (err) {
        registryMetrics.heartbeats.inc({ transport: 'unary', result: heartbeatResultLabel(err) });
        throw err;
      } finally {
        timer();
      }
    }, onUnexpected),

    HeartbeatStream: heartbeatStreamHandler({ registry, logger, sessions: deps.sessions, access }),

    SetHealth: unary<Req<SetHealthRequest__Output>, SetHealthResponse>(async (call) => {
      const caller = access.caller(call);
      const { ref, health } = parseSetHealth(decoded(call.request, 'SetHealthRequest'));
      access.checkService(caller, ref.namespace, ref.service, 'change the health of');
      const { record, revision } = await registry.setHealth({ ...ref, caller: caller?.spiffeId }, health);
      return { instance: recordToProto(record, revision) };
    }, onUnexpected),

    Deregister: unary<Req<DeregisterRequest__Output>, DeregisterResponse>(async (call) => {
      const caller = access.caller(call);
      const ref = parseDeregister(decoded(call.request, 'DeregisterRequest'));
      access.checkService(caller, ref.namespace, ref.service, 'deregister');
      return { revision: await registry.deregister({ ...ref, caller: caller?.spiffeId }) };
    }, onUnexpected),

    Get: unary<Req<GetRequest__Output>, Instance>(async (call) => {
      access.operator(call, 'viewer', 'read the registry');
      const ref = parseGet(decoded(call.request, 'GetRequest'));
      const { record, revision } = await registry.get(ref);
      return withLiveness(record, revision);
    }, onUnexpected),

    List: unary<Req<ListRequest__Output>, ListResponse>(async (call) => {
      access.operator(call, 'viewer', 'list the registry');
      const input = parseList(decoded(call.request, 'ListRequest'), pages.decode);
      const page = await registry.list(input);
      return {
        instances: page.items.map((i) => withLiveness(i.record, i.revision)),
        nextPageToken: page.lastKey === undefined ? '' : pages.encode(page.lastKey),
        revision: page.revision,
      };
    }, onUnexpected),

    Watch: watchHandler({ ...deps.watch, authorize: (call) => access.operator(call, 'viewer', 'watch the registry') }),
  };
  return handlers;
}

/** Opaque page tokens: the last key returned, which must lie under the instances prefix. */
function pageTokens(prefix: string): { encode(key: string): string; decode(token: string): string | undefined } {
  return {
    encode: (key) => Buffer.from(JSON.stringify({ v: 1, after: key })).toString('base64url'),
    decode: (token) => {
      try {
        const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
        if (parsed.v !== 1 || typeof parsed.after !== 'string' || !parsed.after.startsWith(prefix)) return undefined;
        return parsed.after;
      } catch {
        return undefined;
      }
    },
  };
}
