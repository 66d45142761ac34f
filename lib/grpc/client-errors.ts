// The client side of the edge: a gRPC status back into a Plexus domain error, so callers test
// `isPlexusError(err, 'NOT_FOUND')` whatever the transport. The original ServiceError is the
// `cause`; field violations of INVALID_ARGUMENT are decoded from the status details.
import * as grpc from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  PermissionDeniedError,
  PlexusError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '../errors.js';
import { isServiceError, violationsFromStatus } from './status.js';

export function fromGrpcError(err: unknown, what: string): PlexusError {
  if (err instanceof PlexusError) return err;
  if (!isServiceError(err)) {
    return new PlexusError('INTERNAL', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const message = `${what}: ${err.details || grpc.status[err.code]}`;
  let out: PlexusError;
  switch (err.code) {
    case grpc.status.INVALID_ARGUMENT: {
      const violations = violationsFromStatus(err);
      out = new ValidationError(violations.length > 0 ? violations : [{ path: '', message: err.details }], message);
      break;
    }
    case grpc.status.NOT_FOUND:
      out = new NotFoundError(message, { cause: err });
      break;
    case grpc.status.ALREADY_EXISTS:
      out = new AlreadyExistsError(message, { cause: err });
      break;
    case grpc.status.ABORTED:
      out = new PlexusError('CONFLICT', message, { cause: err });
      break;
    case grpc.status.FAILED_PRECONDITION:
      out = new FailedPreconditionError(message, { cause: err });
      break;
    case grpc.status.RESOURCE_EXHAUSTED:
      out = new ResourceExhaustedError(message);
      break;
    case grpc.status.PERMISSION_DENIED:
      out = new PermissionDeniedError(message);
      break;
    case grpc.status.UNAUTHENTICATED:
      out = new UnauthenticatedError(message);
      break;
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
    case grpc.status.CANCELLED:
      out = new UnavailableError(message, { cause: err });
      break;
    default:
      out = new PlexusError('INTERNAL', message, { cause: err });
  }
  return out;
}
