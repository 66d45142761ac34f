// Public surface of the policy library: schemas, types and helpers shared by the policy
// service, config-push, the proxy and plexctl. See kinds.ts (the table of policy kinds that
// everything else derives from), document.ts (format and normalisation),
// targets.ts (which services a policy affects: Route/Resilience/Access target
// `<metadata.namespace>/<metadata.name>`, Mesh targets all), record.ts (store values, history
// and event payloads) and regex.ts (the safe regex contract: match with compileRegex).
export {
  API_VERSION,
  metadataSchema,
  parsePolicy,
  policyId,
  type AccessPolicy,
  type MeshPolicy,
  type ParseResult,
  type Policy,
  type PolicyMetadata,
  type ResiliencePolicy,
  type RoutePolicy,
  type ServiceExportPolicy,
} from './document.js';
export { exportsTo, serviceExportSpecSchema, MAX_EXPORT_PEERS, type ServiceExportSpec } from './service-export.js';
export { routeSpecSchema, type Destination, type Fault, type HeaderMatch, type HeaderOps, type Mirror, type PathMatch, type RouteMatch, type RouteRule, type RouteSpec } from './route.js';
export { resilienceSpecSchema, LB_POLICIES, type CircuitBreaker, type LoadBalancer, type OutlierDetection, type ResilienceSpec } from './resilience.js';
export { accessSpecSchema, ACCESS_ACTIONS, UNAUTHENTICATED_SOURCE, type AccessAction, type AccessRule, type AccessSpec } from './access.js';
export { meshSpecSchema, MESH_POLICY_NAME, MESH_POLICY_NAMESPACE, MTLS_MODES, type MeshSpec, type MtlsMode } from './mesh.js';
export { RETRY_ON, DEFAULT_RETRY_ON, DEFAULT_BACKOFF, type Retries, type RetryOn } from './retries.js';
export { duration, formatDuration, parseDuration } from './duration.js';
export { checkRegex, compileRegex, MAX_REGEX_LENGTH, type SafeRegex } from './regex.js';
export { HTTP_METHODS, PROTECTED_HEADERS } from './fields.js';
export { affectedServices, affectedServicesOf, ALL_SERVICES, refFromStoreKey, storeKeyOf, targetServiceOf, type PolicyRef } from './targets.js';
export { matchesSelector, parseLabelSelector, type LabelRequirement, type LabelSelector } from './label-selector.js';
export {
  BUILTIN_POLICY_KINDS,
  cliNamesOf,
  isPolicyKind,
  POLICY_KINDS,
  policyKindList,
  policyKindSpec,
  policyKindSpecs,
  policyWarnings,
  type FedResourceType,
  type PolicyKind,
  type PolicyKindSpec,
  type PolicyTarget,
} from './kinds.js';
export {
  historyEntryShape,
  historySegment,
  policyAppliedEvent,
  policyDeletedEvent,
  policyRecordShape,
  type HistoryAction,
  type HistoryEntry,
  type PolicyAppliedData,
  type PolicyDeletedData,
  type PolicyEvent,
  type PolicyRecord,
} from './record.js';
export { policyKey } from '../store/keys.js';
