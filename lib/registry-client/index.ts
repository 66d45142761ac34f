// The registry client library: Registration (register + keep alive with failover +
// re-register + deregister) for proxies, RegistryApi (typed Get/List/Watch/SetHealth...) for
// plexctl and tests.
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export { fromGrpcError, isRetryable } from './errors.js';
export { HeartbeatStreamClient } from './heartbeat-stream-client.js';
export {
  healthFromProto,
  healthToProto,
  protocolFromProto,
  protocolToProto,
  protoToRecord,
  recordToProto,
  type InstanceWithRevision,
} from './instance-proto.js';
export {
  RegistryApi,
  REGISTRY_PROTO,
  REGISTRY_SERVICE,
  type ListPage,
  type RegistryApiOptions,
  type WatchChange,
  type WatchHandlers,
  type WatchMessage,
} from './registry-api.js';
export { RegistryPool } from './registry-pool.js';
export {
  Registration,
  type InstanceSpec,
  type RegistrationEvent,
  type RegistrationOptions,
  type RegistrationState,
} from './registration.js';
