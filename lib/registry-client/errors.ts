// Errors as the registry clients see them: gRPC statuses become domain errors in lib/grpc
// (re-exported here for the clients), and which of them are worth a retry.
import { PlexusError } from '../errors.js';

export { fromGrpcError } from '../grpc/client-errors.js';

/** Worth trying again, possibly on another replica. */
export function isRetryable(err: unknown): boolean {
  return err instanceof PlexusError && (err.code === 'UNAVAILABLE' || err.code === 'CONFLICT' || err.code === 'INTERNAL');
}
