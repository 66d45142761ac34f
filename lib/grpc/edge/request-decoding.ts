// gRPC-js answers a request it cannot decode with INTERNAL. The API promises INVALID_ARGUMENT
// for any bad input, so each method's deserializer is wrapped: a message that does not decode
// becomes an Undecodable value, and the handler (or `unary`/`tolerantHandlers`) turns it into a
// ValidationError naming the whole request.
import type * as grpc from '@grpc/grpc-js';
import { ValidationError } from '../../errors.js';

export class Undecodable {
  constructor(
    readonly message: string,
    /** The request message type, e.g. `ApplyRequest`. */
    readonly messageType = 'request',
  ) {}
}

/** A request as a tolerant definition delivers it. */
export type Tolerant<T> = T | Undecodable;

/** The same service with every request deserializer made tolerant. */
export function tolerantDefinition(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const m = method as grpc.MethodDefinition<unknown, unknown>;
    const messageType = requestTypeName(m);
    out[name] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return m.requestDeserialize(bytes);
        } catch (err) {
          return new Undecodable(err instanceof Error ? err.message : String(err), messageType);
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

/** The decoded request, or a ValidationError naming the whole request. */
export function decoded<T>(request: Tolerant<T>, messageType?: string): T {
  if (request instanceof Undecodable) {
    throw new ValidationError([{ path: '', message: `not a valid ${messageType ?? request.messageType} message: ${request.message}` }]);
  }
  return request;
}

/** The name of a method's request message (proto-loader definitions carry it), for error texts. */
function requestTypeName(method: grpc.MethodDefinition<unknown, unknown>): string {
  const name = (method as { requestType?: { type?: { name?: unknown } } }).requestType?.type?.name;
  return typeof name === 'string' && name !== '' ? name : 'request';
}
