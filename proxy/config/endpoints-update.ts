// The proxy's side of Endpoints deltas (lib/mesh/endpoints-delta.ts): check that a delta applies
// to the version this proxy holds and compute the new body and what changed, so MeshConfig
// updates only the changed hosts instead of rebuilding the service from a whole body.
import { FailedPreconditionError } from '../../lib/errors.js';
import { applyEndpointsDelta, decodeEndpointsDelta, heldMatchesBase, type AppliedDelta } from '../../lib/mesh/endpoints-delta.js';
import type { EndpointsBody } from '../../lib/mesh/resources.js';

export interface DeltaResource {
  name: string;
  version: string;
  baseVersion: string;
  delta: Uint8Array;
}

/**
 * The held Endpoints with `r` applied. Throws FailedPreconditionError when the proxy does not
 * hold the delta's base (the stream NACKs with FAILED_PRECONDITION and the server resends the
 * whole body), ValidationError (field paths) when the delta is malformed or does not fit.
 */
export function stageEndpointsDelta(held: { version: string; body: EndpointsBody } | undefined, r: DeltaResource): AppliedDelta {
  if (!held || !heldMatchesBase(held.version, r.baseVersion)) {
    throw new FailedPreconditionError(`Endpoints ${r.name}: delta from version ${r.baseVersion}, but this proxy holds ${held?.version ?? 'none'}`);
  }
  return applyEndpointsDelta(held.body, decodeEndpointsDelta(r.delta));
}
