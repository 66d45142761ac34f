// The HeartbeatStream RPC: every request renews the leases of the instances it names and gets
// exactly one response, in order, with a result per instance. Liveness is carried by the
// requests, not by the open stream: a frozen client (SIGSTOP) keeps its TCP connection but
// sends nothing, and must expire like any other.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isPlexusError, ResourceExhaustedError, UnavailableError } from '../../lib/errors.js';
import { toGrpcError } from '../../lib/grpc/status.js';
import type { HeartbeatResult } from '../../lib/proto/gen/plexus/registry/v1/HeartbeatResult.js';
import type { HeartbeatStreamRequest__Output } from '../../lib/proto/gen/plexus/registry/v1/HeartbeatStreamRequest.js';
import type { HeartbeatStreamResponse } from '../../lib/proto/gen/plexus/registry/v1/HeartbeatStreamResponse.js';
import type { InstanceRegistry } from './instance-registry.js';
import { registryMetrics } from './metrics.js';
import { decoded, type Undecodable } from '../../lib/grpc/edge/index.js';
import { parseHeartbeatBatch, type InstanceRefInput } from './validation.js';
import type { StreamSession } from './watch-stream.js';
import type { RegistryAccess, WriteCaller } from './access.js';

/** Requests a client may have in flight on one stream before it is cut off. */
const MAX_IN_FLIGHT = 64;

type Call = grpc.ServerDuplexStream<HeartbeatStreamRequest__Output | Undecodable, HeartbeatStreamResponse>;

export interface HeartbeatStreamDeps {
  registry: InstanceRegistry;
  logger: Logger;
  sessions: Set<StreamSession>;
  access: RegistryAccess;
}

export function heartbeatStreamHandler(
  deps: HeartbeatStreamDeps,
): grpc.handleBidiStreamingCall<HeartbeatStreamRequest__Output | Undecodable, HeartbeatStreamResponse> {
  return (call: Call) => {
    let ended = false;
    // Requests are answered one after another so responses keep request order.
    let queue: Promise<void> = Promise.resolve();
    let inFlight = 0;
    const fail = (err: unknown): void => {
      if (ended) return;
      ended = true;
      deps.sessions.delete(session);
      call.emit('error', toGrpcError(err));
    };
    const session: StreamSession = {
      shutdown: () => fail(new UnavailableError('registry replica is shutting down; heartbeat to another replica')),
    };
    let caller: WriteCaller;
    try {
      caller = deps.access.caller(call);
    } catch (err) {
      ended = true;
      call.emit('error', toGrpcError(err));
      return;
    }
    deps.sessions.add(session);
    call.on('data', (raw: HeartbeatStreamRequest__Output | Undecodable) => {
      let batch: ReturnType<typeof parseHeartbeatBatch>;
      try {
        batch = parseHeartbeatBatch(decoded(raw, 'HeartbeatStreamRequest'));
      } catch (err) {
        fail(err); // malformed input ends the stream with INVALID_ARGUMENT and field paths
        return;
      }
      if (++inFlight > MAX_IN_FLIGHT) {
        fail(new ResourceExhaustedError(`more than ${MAX_IN_FLIGHT} heartbeat requests in flight on one stream; wait for responses`));
        return;
      }
      queue = queue
        .then(async () => {
          const results = await Promise.all(batch.refs.map((ref) => renew(deps, ref, caller)));
          if (!ended) call.write({ seq: batch.seq, results });
        })
        .catch((err: unknown) => deps.logger.warn({ err }, 'heartbeat stream write failed'))
        .finally(() => {
          inFlight--;
        });
    });
    call.on('end', () => {
      // The client half-closed: answer what is queued, then close our side with OK.
      void queue.then(() => {
        if (ended) return;
        ended = true;
        deps.sessions.delete(session);
        call.end();
      });
    });
    call.on('cancelled', () => {
      ended = true;
      deps.sessions.delete(session);
    });
    call.on('error', () => {
      ended = true;
      deps.sessions.delete(session);
    });
  };
}

async function renew(deps: HeartbeatStreamDeps, ref: InstanceRefInput, caller: WriteCaller): Promise<HeartbeatResult> {
  const instance = { namespace: ref.namespace, service: ref.service, instanceId: ref.id, incarnation: ref.incarnation };
  const timer = registryMetrics.heartbeatSeconds.startTimer({ transport: 'stream' });
  try {
    deps.access.checkService(caller, ref.namespace, ref.service, 'renew');
    const ttlSeconds = await deps.registry.heartbeat({ ...ref, caller: caller?.spiffeId });
    registryMetrics.heartbeats.inc({ transport: 'stream', result: 'ok' });
    return { instance, code: grpc.status.OK, message: '', ttlSeconds };
  } catch (err) {
    const status = toGrpcError(err);
    registryMetrics.heartbeats.inc({ transport: 'stream', result: heartbeatResultLabel(err) });
    if (!isPlexusError(err)) deps.logger.error({ err }, 'unexpected heartbeat failure');
    return { instance, code: status.code, message: status.details, ttlSeconds: 0 };
  } finally {
    timer();
  }
}

export function heartbeatResultLabel(err: unknown): string {
  if (!isPlexusError(err)) return 'error';
  switch (err.code) {
    case 'NOT_FOUND':
      return 'not_found';
    case 'FAILED_PRECONDITION':
      return 'stale';
    case 'UNAVAILABLE':
      return 'unavailable';
    case 'INVALID_ARGUMENT':
      return 'invalid';
    default:
      return 'error';
  }
}
