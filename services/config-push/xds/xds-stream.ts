// One xDS client's ADS stream, state of the world (StreamAggregatedResources) or incremental
// (DeltaAggregatedResources), bound to a DeltaSession over xDS type URLs: the same rules as our
// own protocol (subscribe/unsubscribe/wildcard, ACK records versions, a NACK keeps what was acked
// and the rejected version is not resent, resume from initial versions, bounded in-flight).
//
// State of the world on top of those rules:
// - a request whose response_nonce is not the latest one sent for its type is stale: ignored
//   whole (its resource_names too), as the xDS protocol asks;
// - resource_names is the full subscription: the difference to the previous one is applied;
//   an empty first Listener or Cluster request is a wildcard subscription;
// - every response carries every resource the client should hold of its type (complete sets:
//   an absent Listener or Cluster is a removal), at the versions it holds, so a NACKed resource
//   stays at the client's last good version; version_info is a digest of that set, and the
//   client's version_info (its last accepted) is kept for status.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isPlexusError, PermissionDeniedError, ResourceExhaustedError } from '../../../lib/errors.js';
import { canonicalJson, contentVersion } from '../../../lib/mesh/canonical-json.js';
import { WILDCARD } from '../../../lib/mesh/resources.js';
import type { NodeInfo } from '../delta-request.js';
import { ABSENT, DeltaSession, type AckResult, type OutgoingResponse } from '../delta-session.js';
import type { ConnectedProxy } from '../delta-stream.js';
import { StreamCall } from '../stream-call.js';
import { XdsPlexusView } from './xds-status.js';
import { xdsNodeInfo } from './xds-node.js';
import {
  isXdsTypeUrl,
  TYPE_URL,
  XDS_TYPE_URLS,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type XdsNode,
  type XdsStatus,
  type XdsTypeUrl,
} from './xds-proto.js';
import type { XdsResource } from './xds-resources.js';
import type { ClientLocality } from './xds-translate.js';
import type { XdsServer } from './xds-server.js';

export type SotwCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
export type DeltaXdsCall = grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

/** Who is asking, for the authorization hook. */
export interface XdsPeer {
  /** Remote address. */
  address: string;
  node: NodeInfo;
  /** The raw xDS node. */
  xdsNode: XdsNode;
  metadata: grpc.Metadata;
  /** TLS details when the port serves TLS (identity integration reads the client certificate here). */
  authContext: ReturnType<SotwCall['getAuthContext']> | undefined;
}

/** Decides whether a stream's peer may subscribe. Defaults to allow (identity integration comes later). */
export type XdsAuthorizer = (peer: XdsPeer) => boolean | Promise<boolean>;

interface SotwTypeExtra {
  /** Nonce of the latest response of this type; requests answering another one are stale. */
  lastNonce: string;
  /** version_info of the client's last ACK (its last accepted version). */
  ackedVersionInfo: string;
}

export class XdsStream implements ConnectedProxy {
  readonly kind = 'xds' as const;
  readonly connectedAt = new Date();
  readonly peer: string;
  node: NodeInfo | undefined;
  locality: ClientLocality | undefined;
  xds: DeltaSession<XdsTypeUrl, XdsResource> | undefined;
  session: XdsPlexusView | { state(type: never): never } = { state: () => { throw new Error('not identified'); } };
  private readonly sotw = new Map<XdsTypeUrl, SotwTypeExtra>();
  private readonly io: StreamCall<DiscoveryRequest | DeltaDiscoveryRequest, DiscoveryResponse | DeltaDiscoveryResponse, XdsStream>;
  /** Requests wait here while the authorization hook decides. */
  private queue: Array<DiscoveryRequest | DeltaDiscoveryRequest> | undefined;

  constructor(
    readonly id: number,
    readonly mode: 'sotw' | 'delta',
    call: SotwCall | DeltaXdsCall,
    private readonly server: XdsServer,
    private readonly logger: Logger,
  ) {
    type Call = grpc.ServerDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, DiscoveryResponse | DeltaDiscoveryResponse>;
    this.io = new StreamCall(call as Call, this, server, { logger, protocol: 'xDS', nodeKey: 'node', onData: (req) => this.onData(req) });
    this.peer = this.io.peer;
  }

  get isClosed(): boolean {
    return this.io.isClosed;
  }

  /** Version info the client last accepted, per type (state of the world only). */
  ackedVersionInfo(type: XdsTypeUrl): string {
    return this.sotw.get(type)?.ackedVersionInfo ?? '';
  }

  /** Write every response the session allows until backpressure says stop. */
  flush(): void {
    if (this.xds) this.io.flush(XDS_TYPE_URLS, this.xds, (out) => this.write(out));
  }

  /** Names this stream subscribes to or holds that belong to `service`, per type (for change fan-out). */
  markService(types: XdsTypeUrl[], owns: (type: XdsTypeUrl, name: string) => boolean, wildcardNames: (type: XdsTypeUrl) => Iterable<string>): boolean {
    if (!this.xds) return false;
    let any = false;
    for (const type of types) {
      const st = this.xds.state(type);
      if (!st.started) continue;
      const names = new Set<string>();
      for (const n of st.names) if (owns(type, n)) names.add(n);
      for (const n of st.sent.keys()) if (owns(type, n)) names.add(n);
      if (st.wildcard) for (const n of wildcardNames(type)) names.add(n);
      for (const n of names) if (this.xds.markChanged(type, n)) any = true;
    }
    return any;
  }

  fail(err: unknown): void {
    this.io.fail(err);
  }

  // ------------------------------------------------------------------ internals

  private onData(req: DiscoveryRequest | DeltaDiscoveryRequest): void {
    if (this.io.isClosed) return;
    if (this.queue) {
      this.queue.push(req);
      return;
    }
    if (!this.node) {
      this.queue = [req];
      void this.identify(req.node).then(
        () => {
          const queued = this.queue ?? [];
          this.queue = undefined;
          for (const r of queued) this.onRequest(r);
        },
        (err: unknown) => {
          this.queue = undefined;
          this.refuse(err);
        },
      );
      return;
    }
    this.onRequest(req);
  }

  private async identify(xdsNode: XdsNode | null): Promise<void> {
    const node = xdsNodeInfo(xdsNode, this.server.cluster);
    const call = this.io.grpcCall;
    const allowed = await this.server.authorize({
      address: this.peer,
      node,
      xdsNode: xdsNode!,
      metadata: call.metadata,
      authContext: typeof call.getAuthContext === 'function' ? call.getAuthContext() : undefined,
    });
    if (!allowed) throw new PermissionDeniedError(`xDS node ${node.instanceId} may not subscribe`);
    if (this.io.isClosed) return;
    this.node = node;
    this.locality = { region: xdsNode?.locality?.region ?? '', zone: node.zone };
    this.xds = new DeltaSession(this.server.resources.sourceFor(this.locality), { noncePrefix: `${this.server.noncePrefix}.x${this.id}`, maxInflight: this.server.maxInflight }, XDS_TYPE_URLS);
    this.session = new XdsPlexusView(this.xds, this.server.resources, this.server.cache, this.locality);
    this.server.identified(this);
  }

  private onRequest(req: DiscoveryRequest | DeltaDiscoveryRequest): void {
    if (this.io.isClosed || !this.xds) return;
    try {
      const type = req.type_url;
      if (!isXdsTypeUrl(type)) {
        // Secrets, runtime, … are not served: say nothing rather than fail the stream.
        this.logger.debug({ type, node: this.node?.instanceId }, 'xDS request for a type config-push does not serve ignored');
        return;
      }
      const result = this.mode === 'sotw' ? this.onSotw(type, req as DiscoveryRequest) : this.onDelta(type, req as DeltaDiscoveryRequest);
      if (result) this.server.acknowledged(this, result);
      this.server.scheduleFlush(this);
    } catch (err) {
      this.refuse(err);
    }
  }

  private onSotw(type: XdsTypeUrl, req: DiscoveryRequest): AckResult<XdsTypeUrl> | undefined {
    const xds = this.xds!;
    const st = xds.state(type);
    let extra = this.sotw.get(type);
    if (!extra) this.sotw.set(type, (extra = { lastNonce: '', ackedVersionInfo: '' }));
    if (req.response_nonce !== '' && req.response_nonce !== extra.lastNonce) {
      this.server.staleRequest(this, type);
      return undefined;
    }
    let result: AckResult<XdsTypeUrl> | undefined;
    if (req.response_nonce !== '' && st.inflight.has(req.response_nonce)) {
      result = xds.acknowledge(type, req.response_nonce, nackOf(req.error_detail));
      if (!result.nack) extra.ackedVersionInfo = req.version_info;
    }
    const names = req.resource_names ?? [];
    this.checkNames(names.length);
    const wanted = new Set(names);
    const wildcardType = type === TYPE_URL.Listener || type === TYPE_URL.Cluster;
    if (!st.started && names.length === 0 && wildcardType) wanted.add(WILDCARD);
    if (st.wildcard && names.length === 0) wanted.add(WILDCARD);
    const subscribe = [...wanted].filter((n) => (n === WILDCARD ? !st.wildcard : !st.names.has(n)));
    const unsubscribe = [...st.names].filter((n) => !wanted.has(n));
    if (st.wildcard && !wanted.has(WILDCARD)) unsubscribe.push(WILDCARD);
    if (!st.started || subscribe.length > 0 || unsubscribe.length > 0) {
      xds.subscribe(type, subscribe, unsubscribe, undefined);
      // SotW answers a changed subscription with the complete set, even when nothing it holds changed.
      st.respondEmpty = true;
    }
    return result;
  }

  private onDelta(type: XdsTypeUrl, req: DeltaDiscoveryRequest): AckResult<XdsTypeUrl> | undefined {
    const xds = this.xds!;
    const st = xds.state(type);
    const subscribe = [...(req.resource_names_subscribe ?? [])];
    const unsubscribe = req.resource_names_unsubscribe ?? [];
    this.checkNames(st.names.size + subscribe.length);
    // Legacy wildcard: a first Listener or Cluster request that names nothing.
    if (!st.started && subscribe.length === 0 && (type === TYPE_URL.Listener || type === TYPE_URL.Cluster)) subscribe.push(WILDCARD);
    if (!st.started || subscribe.length > 0 || unsubscribe.length > 0) {
      const initial = st.started ? undefined : req.initial_resource_versions;
      xds.subscribe(type, subscribe, unsubscribe, initial && Object.keys(initial).length > 0 ? initial : undefined);
    }
    if (req.response_nonce === '') return undefined;
    const result = xds.acknowledge(type, req.response_nonce, nackOf(req.error_detail));
    if (result.unknown) {
      this.server.staleRequest(this, type);
      return undefined;
    }
    return result;
  }

  private checkNames(count: number): void {
    if (count > this.server.maxNames) throw new ResourceExhaustedError(`more than ${this.server.maxNames} subscriptions of one type on one stream`);
  }

  private write(out: OutgoingResponse<XdsTypeUrl, XdsResource>): void {
    let msg: DiscoveryResponse | DeltaDiscoveryResponse;
    if (this.mode === 'delta') {
      msg = {
        system_version_info: '',
        type_url: out.type,
        nonce: out.nonce,
        resources: out.resources.map((r) => ({ name: r.name, version: r.version, resource: r.resource })),
        removed_resources: out.removed,
      };
    } else {
      const full = this.completeSet(out.type);
      msg = {
        type_url: out.type,
        nonce: out.nonce,
        version_info: full.length === 0 ? '' : contentVersion(canonicalJson(full.map((r) => [r.name, r.version]))),
        resources: full.map((r) => r.resource),
      };
      this.sotw.get(out.type)!.lastNonce = out.nonce;
    }
    this.server.pushed(this, out);
    this.io.write(msg);
  }

  /** Everything the client should hold of `type`, at the versions it holds, sorted by name. */
  private completeSet(type: XdsTypeUrl): XdsResource[] {
    const st = this.xds!.state(type);
    const out: XdsResource[] = [];
    for (const [name, version] of [...st.sent].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (version === ABSENT || !st.subscribed(name)) continue;
      const r = this.server.resources.version(type, name, version, this.locality);
      if (r) out.push(r);
    }
    return out;
  }

  private refuse(err: unknown): void {
    if (!isPlexusError(err)) this.logger.error({ err, node: this.node?.instanceId }, 'xDS request handling failed');
    else this.logger.info({ err: err.message, node: this.node?.instanceId, peer: this.peer }, 'xDS stream refused');
    this.fail(err);
  }
}

function nackOf(error: XdsStatus | null | undefined): { code: number; message: string } | undefined {
  if (!error || (error.code === 0 && error.message === '')) return undefined;
  return { code: error.code, message: error.message || 'rejected' };
}
