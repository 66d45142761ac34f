// Public surface of the discovery client (see discovery-client.ts).
export {
  DISCOVERY_PROTO,
  DISCOVERY_SERVICE,
  DiscoveryClient,
  type DiscoveryClientEvents,
  type DiscoveryClientOptions,
  type DiscoverySource,
  type HeldResource,
  type ReceivedResponse,
} from './discovery-client.js';
export { StatusApi, StatusFleet, mergeRollout, type MergedRollout, type ProxyConfig, type ProxyInfo, type RolloutProgress } from './status-client.js';
