// Domain errors. Code inside Plexus throws these; gRPC status codes are chosen only at the
// API edge (lib/grpc/status.ts maps them). Each class has a stable `code` so callers can test
// with `isPlexusError(err, 'CONFLICT')` instead of instanceof across module copies.

export type PlexusErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'HISTORY_LOST'
  | 'CONFIG'
  | 'INTERNAL';

/** One problem with one field of an input, e.g. `{ path: 'spec.rules[0].weight', message: 'must be ≤ 100' }`. */
export interface FieldViolation {
  path: string;
  message: string;
}

export class PlexusError extends Error {
  readonly code: PlexusErrorCode;
  constructor(code: PlexusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Input failed validation; carries every violation, each with its field path. */
export class ValidationError extends PlexusError {
  readonly violations: FieldViolation[];
  constructor(violations: FieldViolation[], message?: string) {
    super('INVALID_ARGUMENT', message ?? formatViolations(violations));
    this.violations = violations;
  }
}

export class NotFoundError extends PlexusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

export class AlreadyExistsError extends PlexusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALREADY_EXISTS', message, options);
  }
}

/** A compare-and-set lost: the stored revision is not the one the caller expected. */
export class ConflictError extends PlexusError {
  readonly key: string;
  readonly expectedRevision: number;
  /** The revision actually stored, 0 when the key does not exist; undefined if unknown. */
  readonly actualRevision: number | undefined;
  constructor(key: string, expectedRevision: number, actualRevision?: number) {
    super(
      'CONFLICT',
      `revision conflict on ${key}: expected ${expectedRevision}` +
        (actualRevision === undefined ? '' : `, found ${actualRevision}`),
    );
    this.key = key;
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
  }
}

export class FailedPreconditionError extends PlexusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FAILED_PRECONDITION', message, options);
  }
}

export class UnauthenticatedError extends PlexusError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

export class PermissionDeniedError extends PlexusError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
  }
}

/** A size or rate limit was exceeded. */
export class ResourceExhaustedError extends PlexusError {
  constructor(message: string) {
    super('RESOURCE_EXHAUSTED', message);
  }
}

/** A dependency (store, NATS, a peer service) cannot be reached now; retrying later may work. */
export class UnavailableError extends PlexusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

/** A lease does not exist (expired or revoked). */
export class LeaseNotFoundError extends NotFoundError {
  readonly leaseId: string;
  constructor(leaseId: string, options?: { cause?: unknown }) {
    super(`lease ${leaseId} not found (expired or revoked)`, options);
    this.leaseId = leaseId;
  }
}

/** Configuration is invalid; start-up stops with exit code 2 and this message. */
export class ConfigError extends PlexusError {
  readonly violations: FieldViolation[];
  constructor(violations: FieldViolation[], source: string) {
    super('CONFIG', `invalid configuration (${source}):\n` + violations.map((v) => `  - ${v.path}: ${v.message}`).join('\n'));
    this.violations = violations;
  }
}

export function isPlexusError(err: unknown, code?: PlexusErrorCode): err is PlexusError {
  return err instanceof PlexusError && (code === undefined || err.code === code);
}

export function formatViolations(violations: FieldViolation[]): string {
  if (violations.length === 0) return 'invalid argument';
  return violations.map((v) => `${v.path || '(root)'}: ${v.message}`).join('; ');
}

/** Turn zod issues into field violations with dotted/bracketed paths (`spec.rules[0].weight`). */
export function violationsFromZod(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix = '',
): FieldViolation[] {
  return issues.map((issue) => ({ path: joinPath(prefix, issue.path), message: issue.message }));
}

export function joinPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
