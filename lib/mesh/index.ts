// The mesh, independent of any wire format: the resource bodies proxies receive (the contract),
// the view of instances and policies built from the store, and the cache of resources computed
// from it. config-push streams these; the proxy parses bodies with the schemas exported here.
export * from './resources.js';
export { canonicalJson, contentVersion } from './canonical-json.js';
export { MeshView, type ApplyOutcome, type ChangeSource, type MeshViewOptions, type PolicyCodec, type ViewChange, type ViewPolicy } from './mesh-view.js';
export { clusterSource, MeshViewSync, type MeshSyncSource, type MeshSyncTarget, type MeshViewSyncOptions, type RelistReason } from './mesh-view-sync.js';
export { ResourceCache, type CachedResource, type ResourceBuilder, type ResourceCacheOptions, type ResourceChange } from './resource-cache.js';
export { meshResourceBuilder, buildEndpoints, buildInbound, buildService } from './resource-builder.js';
export { policyCodec } from './policy-codec.js';
export { parseMeshKey, type MeshKey } from './mesh-keys.js';
export { changeFromEvent, type EventChange } from './mesh-events.js';
export type { ViewInstance } from './instance-schema.js';
