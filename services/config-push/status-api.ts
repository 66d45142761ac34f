// The gRPC edge of plexus.discovery.v1.Status: ProxyStatus, ProxyConfig, WaitForRollout.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isPlexusError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { decoded } from '../../lib/grpc/edge/index.js';
import { toGrpcError, unary } from '../../lib/grpc/status.js';
import type { ResourceCache } from '../../lib/mesh/resource-cache.js';
import type { Policy } from '../../lib/policy/index.js';
import type { ProxyConfigRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/ProxyConfigRequest.js';
import type { ProxyConfigResponse } from '../../lib/proto/gen/plexus/discovery/v1/ProxyConfigResponse.js';
import type { ProxyStatusRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/ProxyStatusRequest.js';
import type { ProxyStatusResponse } from '../../lib/proto/gen/plexus/discovery/v1/ProxyStatusResponse.js';
import type { RolloutProgress } from '../../lib/proto/gen/plexus/discovery/v1/RolloutProgress.js';
import type { WaitForRolloutRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/WaitForRolloutRequest.js';
import type { DeltaServer } from './delta-server.js';
import { isProxied, isServing } from '../../lib/model/instance.js';
import type { AbsentProxy } from '../../lib/proto/gen/plexus/discovery/v1/AbsentProxy.js';
import { proxyInfo, proxyResources, timestamp } from './proxy-status.js';
import { trackRollout, type RolloutDeps } from './rollout-tracker.js';

export interface StatusApiDeps {
  server: DeltaServer;
  cache: ResourceCache<Policy>;
  replica: string;
  viewRevision: () => number;
  rollout: RolloutDeps;
  logger: Logger;
  /** Throws UNAUTHENTICATED / PERMISSION_DENIED unless the caller is an operator with the viewer role. */
  authorize: (metadata: grpc.Metadata, action: string) => void;
}

/**
 * Registered, serving instances with no stream to this replica (with when their stream here
 * ended, if it did). Also forgets departed proxies whose instance is gone.
 */
function notConnected(deps: StatusApiDeps, namespace: string, service: string): AbsentProxy[] {
  const view = deps.rollout.view;
  const out: AbsentProxy[] = [];
  deps.server.forgetDeparted((d) => view.instancesOf(`${d.namespace}/${d.service}`).has(d.instanceId));
  for (const svc of view.knownServices()) {
    for (const [id, rec] of view.instancesOf(svc)) {
      if (!isServing(rec) || !isProxied(rec) || (namespace !== '' && rec.namespace !== namespace) || (service !== '' && rec.service !== service)) continue;
      const s = deps.server.streamOf(id);
      if (s && !s.isClosed) continue;
      const d = deps.server.departedOf(id);
      out.push({ instanceId: id, namespace: rec.namespace, service: rec.service, disconnectedAt: d ? timestamp(d.at) : null });
    }
  }
  return out.sort((a, b) => (a.instanceId! < b.instanceId! ? -1 : 1));
}

export function statusHandlers(deps: StatusApiDeps): grpc.UntypedServiceImplementation {
  const { server, cache, replica, logger } = deps;
  const unexpected = (err: unknown): void => logger.error({ err }, 'status request failed unexpectedly');
  return {
    ProxyStatus: unary<ProxyStatusRequest__Output, ProxyStatusResponse>(async (call) => {
      deps.authorize(call.metadata, 'read proxy status');
      const { namespace, service } = call.request;
      const proxies = server
        .connected()
        .filter((s) => (namespace === '' || s.node!.namespace === namespace) && (service === '' || s.node!.service === service))
        .sort((a, b) => (a.node!.instanceId < b.node!.instanceId ? -1 : 1))
        .map((s) => proxyInfo(s, replica, cache));
      return { replica, viewRevision: deps.viewRevision(), proxies, notConnected: notConnected(deps, namespace, service) };
    }, unexpected),

    ProxyConfig: unary<ProxyConfigRequest__Output, ProxyConfigResponse>(async (call) => {
      deps.authorize(call.metadata, 'read proxy config');
      const id = call.request.instanceId;
      if (id === '') throw new ValidationError([{ path: 'instance_id', message: 'is required' }]);
      const stream = server.proxyOf(id);
      if (!stream || stream.isClosed) throw new NotFoundError(`proxy ${id} is not connected to config-push replica ${replica}`);
      return { proxy: proxyInfo(stream, replica, cache), resources: proxyResources(stream, cache) };
    }, unexpected),

    WaitForRollout: (call: grpc.ServerWritableStream<WaitForRolloutRequest__Output, RolloutProgress>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      call.on('close', () => abort.abort());
      Promise.resolve()
        .then(() => deps.authorize(call.metadata, 'follow rollouts'))
        .then(() => trackRollout(deps.rollout, decoded(call.request), (p) => call.write(p), abort.signal))
        .then(
        () => {
          if (!abort.signal.aborted) call.end();
        },
        (err: unknown) => {
          if (!isPlexusError(err)) unexpected(err);
          if (!abort.signal.aborted) call.emit('error', toGrpcError(err));
        },
      );
    },
  };
}
