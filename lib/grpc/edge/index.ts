// The gRPC edge kit every Plexus service uses: tolerant request decoding (bad bytes become
// INVALID_ARGUMENT, not INTERNAL), store calls bounded in time and mapped to UNAVAILABLE, and
// error details bounded in size. The status mapping itself is lib/grpc/status.ts.
export { boundViolations, VIOLATION_LIMITS, type BoundedViolations } from './bounded-violations.js';
export { decoded, tolerantDefinition, Undecodable, type Tolerant } from './request-decoding.js';
export { guardedStore, storeGuard, type StoreCall } from './store-guard.js';
export { WatchStreamSession, type WatchSessionOptions } from './watch-session.js';
export { countedUnary, type CallCounter } from './counted-unary.js';
