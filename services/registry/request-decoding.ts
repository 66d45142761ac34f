// gRPC-js answers a request it cannot decode with INTERNAL. The API promises INVALID_ARGUMENT
// for any bad input, so each method's deserializer is wrapped: a message that does not decode
// becomes an Undecodable value, and the handler turns it into a ValidationError.
import type * as grpc from '@grpc/grpc-js';
import { ValidationError } from '../../lib/errors.js';

export class Undecodable {
  constructor(readonly message: string) {}
}

export function tolerantDefinition(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const m = method as grpc.MethodDefinition<unknown, unknown>;
    out[name] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return m.requestDeserialize(bytes);
        } catch (err) {
          return new Undecodable(err instanceof Error ? err.message : String(err));
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

/** The decoded request, or a ValidationError naming the whole request. */
export function decoded<T>(request: T | Undecodable, messageType: string): T {
  if (request instanceof Undecodable) {
    throw new ValidationError([{ path: '', message: `not a valid ${messageType} message: ${request.message}` }]);
  }
  return request;
}
