// The API edge: domain errors become gRPC statuses here and nowhere else. Validation errors
// carry every field violation both in the message text (for people) and as a standard
// google.rpc.BadRequest in `grpc-status-details-bin` (for programs), bounded in size
// (edge/bounded-violations.ts): the first violations and the count of the rest.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { join } from 'node:path';
import { isPlexusError, PlexusError, ValidationError, type FieldViolation, type PlexusErrorCode } from '../errors.js';
import { boundedStatusMessage, boundViolations, moreText } from './edge/bounded-violations.js';
import { decoded, Undecodable } from './edge/request-decoding.js';
import { PROTO_ROOT } from './proto.js';

const STATUS_BY_CODE: Record<PlexusErrorCode, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  CONFLICT: grpc.status.ABORTED,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  HISTORY_LOST: grpc.status.UNAVAILABLE,
  CONFIG: grpc.status.FAILED_PRECONDITION,
  INTERNAL: grpc.status.INTERNAL,
};

const DETAILS_KEY = 'grpc-status-details-bin';
const BAD_REQUEST_URL = 'type.googleapis.com/google.rpc.BadRequest';

let rpcTypes: { Status: protobuf.Type; BadRequest: protobuf.Type } | undefined;
function types(): { Status: protobuf.Type; BadRequest: protobuf.Type } {
  if (!rpcTypes) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) =>
      target.startsWith('google/protobuf/') ? target : join(PROTO_ROOT, target);
    root.loadSync('google/rpc/status.proto', { keepCase: true });
    rpcTypes = { Status: root.lookupType('google.rpc.Status'), BadRequest: root.lookupType('google.rpc.BadRequest') };
  }
  return rpcTypes;
}

export interface GrpcErrorLike extends Partial<grpc.StatusObject> {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
}

/** Convert any thrown value into a gRPC service error. Unknown errors become INTERNAL with a generic text. */
export function toGrpcError(err: unknown): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  let code = grpc.status.INTERNAL;
  let message = 'internal error';
  if (isPlexusError(err)) {
    code = STATUS_BY_CODE[err.code];
    const violations = err instanceof ValidationError ? err.violations : [];
    message = boundedStatusMessage(err.message, violations);
    if (violations.length > 0) metadata.set(DETAILS_KEY, encodeDetails(code, message, violations));
  } else if (isServiceError(err)) {
    return err;
  }
  const error = new Error(message) as grpc.ServiceError;
  error.code = code;
  error.details = message;
  error.metadata = metadata;
  return error;
}

/** The listed violations; when some are left out, a last entry at the root says how many. */
function encodeDetails(code: number, message: string, violations: FieldViolation[]): Buffer {
  const { Status, BadRequest } = types();
  const { listed, more } = boundViolations(violations);
  const fieldViolations = listed.map((v) => ({ field: v.path, description: v.message }));
  if (more > 0) fieldViolations.push({ field: '', description: moreText(more) });
  const bad = BadRequest.encode(BadRequest.create({ field_violations: fieldViolations })).finish();
  return Buffer.from(
    Status.encode(Status.create({ code, message, details: [{ type_url: BAD_REQUEST_URL, value: bad }] })).finish(),
  );
}

/** Client side: the field violations a server attached to an INVALID_ARGUMENT status. */
export function violationsFromStatus(err: { metadata?: grpc.Metadata }): FieldViolation[] {
  const raw = err.metadata?.get(DETAILS_KEY)[0];
  if (!raw || typeof raw === 'string') return [];
  try {
    const { Status, BadRequest } = types();
    const status = Status.toObject(Status.decode(raw), { bytes: Buffer }) as {
      details?: Array<{ type_url: string; value: Buffer }>;
    };
    const out: FieldViolation[] = [];
    for (const d of status.details ?? []) {
      if (d.type_url !== BAD_REQUEST_URL) continue;
      const br = BadRequest.toObject(BadRequest.decode(d.value)) as {
        field_violations?: Array<{ field: string; description: string }>;
      };
      for (const v of br.field_violations ?? []) out.push({ path: v.field, message: v.description });
    }
    return out;
  } catch {
    return [];
  }
}

export function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number' && 'metadata' in err;
}

/**
 * Wrap a promise-returning unary handler: resolves → callback(null, value); throws → mapped
 * status. A request a tolerant definition could not decode is refused with INVALID_ARGUMENT
 * before the handler runs. Logs unexpected (non-domain) errors, which are bugs.
 */
export function unary<Req, Res>(
  handler: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
  onUnexpected?: (err: unknown) => void,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const run = async (): Promise<Res> => {
      if ((call.request as unknown) instanceof Undecodable) decoded(call.request);
      return handler(call);
    };
    run().then(
      (res) => callback(null, res),
      (err: unknown) => {
        if (!(err instanceof PlexusError) && !isServiceError(err)) onUnexpected?.(err);
        callback(toGrpcError(err));
      },
    );
  };
}
