// One proxy's discovery stream: the gRPC bidi call bound to its DeltaSession. Reads requests
// (validated; a bad one ends the stream with INVALID_ARGUMENT) and writes responses through a
// StreamCall, which respects gRPC write backpressure; meanwhile changes wait in the session
// (newest version per name only), so a proxy that does not read costs bounded memory and
// never holds up the others.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isPlexusError, PermissionDeniedError, PlexusError } from '../../lib/errors.js';
import type { Workload } from '../../lib/identity/peer-identity.js';
import { decoded, type Tolerant } from '../../lib/grpc/edge/index.js';
import { RESOURCE_TYPES, type ResourceType } from '../../lib/mesh/resources.js';
import type { DeltaRequest__Output } from '../../lib/proto/gen/plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse } from '../../lib/proto/gen/plexus/discovery/v1/DeltaResponse.js';
import { parseDeltaRequest, type NodeInfo } from './delta-request.js';
import { DeltaSession, type AckResult, type OutgoingResponse, type ResourceSource, type TypeState } from './delta-session.js';
import { configPushMetrics } from './metrics.js';
import type { EndpointDeltas } from './endpoint-deltas.js';
import { StreamCall } from './stream-call.js';
import { encodedResource, type PreEncodedResponse } from './encoded-resources.js';
import { deltaBase, ENDPOINTS_DELTA_CAPABILITY } from '../../lib/mesh/endpoints-delta.js';

export type DeltaCall = grpc.ServerDuplexStream<DeltaRequest__Output, DeltaResponse>;

/** What a stream needs from its server. */
export interface StreamHost {
  readonly source: ResourceSource;
  readonly cluster: string;
  readonly maxNames: number;
  readonly maxInflight: number;
  readonly noncePrefix: string;
  /** Encodes Endpoints deltas for proxies with the "endpoints-delta" capability; none without. */
  readonly endpointDeltas?: EndpointDeltas | undefined;
  viewRevision(): number;
  /** The node is known: register the stream (may supersede an older one of the same instance). */
  identified(stream: DeltaStream): void;
  subscriptionsChanged(stream: DeltaStream, type: ResourceType, added: string[], removed: string[], wildcard: boolean): void;
  scheduleFlush(stream: DeltaStream): void;
  acknowledged(stream: DeltaStream, result: AckResult): void;
  ended(stream: DeltaStream): void;
}

/**
 * A connected client as status and rollout tracking see it, whatever protocol it speaks: our
 * delta stream, or an xDS stream whose state is expressed in the Plexus resources it was built from.
 */
export interface ConnectedProxy {
  readonly kind: 'plexus' | 'xds';
  readonly node: NodeInfo | undefined;
  readonly peer: string;
  readonly connectedAt: Date;
  readonly isClosed: boolean;
  readonly session: { state(type: ResourceType): TypeState };
  /** The verified workload behind the stream (its certificate); undefined when unauthenticated. */
  readonly caller?: Workload | undefined;
}

export class DeltaStream implements ConnectedProxy {
  readonly kind = 'plexus' as const;
  readonly session: DeltaSession;
  readonly connectedAt = new Date();
  readonly peer: string;
  node: NodeInfo | undefined;
  private readonly io: StreamCall<Tolerant<DeltaRequest__Output>, DeltaResponse, DeltaStream>;

  constructor(
    readonly id: number,
    call: DeltaCall,
    private readonly host: StreamHost,
    private readonly logger: Logger,
    /** The verified workload behind the stream; undefined only without TLS (insecure). */
    readonly caller?: Workload | undefined,
  ) {
    this.session = new DeltaSession(host.source, { noncePrefix: `${host.noncePrefix}.${id}`, maxInflight: host.maxInflight });
    this.io = new StreamCall(call, this, host, { logger, protocol: 'discovery', nodeKey: 'instance', onData: (req: Tolerant<DeltaRequest__Output>) => this.onRequest(req) });
    this.peer = this.io.peer;
  }

  get isClosed(): boolean {
    return this.io.isClosed;
  }

  /** True while gRPC holds back writes (the proxy is not reading fast enough). */
  get isBlocked(): boolean {
    return this.io.isBlocked;
  }

  /** Write every pending response the session allows, until backpressure says stop. */
  flush(): void {
    if (this.node) this.io.flush(RESOURCE_TYPES, this.session, (out) => this.write(out));
  }

  /** End the stream with a status (server shutdown, superseded, bad input). */
  fail(err: unknown): void {
    this.io.fail(err);
  }

  // ------------------------------------------------------------------ internals

  private onRequest(req: Tolerant<DeltaRequest__Output>): void {
    if (this.io.isClosed) return;
    try {
      const first = this.node === undefined;
      const parsed = parseDeltaRequest(decoded(req), first, { cluster: this.host.cluster, maxNames: this.host.maxNames });
      if (first && parsed.node) {
        const c = this.caller;
        if (c && (parsed.node.namespace !== c.namespace || parsed.node.service !== c.service)) {
          throw new PermissionDeniedError(
            `node ${parsed.node.namespace}/${parsed.node.service} does not match the certificate's identity ${c.spiffeId}: a proxy is the service its certificate names`,
          );
        }
        this.node = parsed.node;
        this.session.offerBases = this.host.endpointDeltas !== undefined && parsed.node.capabilities.includes(ENDPOINTS_DELTA_CAPABILITY);
        configPushMetrics.streams.inc({ result: 'accepted' });
        this.host.identified(this);
      }
      const type = parsed.type;
      if (!type) return;
      if (type === 'Inbound' && this.caller) {
        // Access rules are a service's own business: a proxy reads only its own Inbound.
        const own = `${this.caller.namespace}/${this.caller.service}`;
        const other = parsed.subscribe.find((n) => n !== own);
        if (other !== undefined) throw new PermissionDeniedError(`${this.caller.spiffeId} may subscribe to Inbound ${own} only, not ${other}`);
      }
      const st = this.session.state(type);
      if (parsed.subscribe.length > 0 || parsed.unsubscribe.length > 0 || !st.started) {
        const explicit = st.names.size + parsed.subscribe.length;
        if (explicit > this.host.maxNames) {
          throw new PlexusError('RESOURCE_EXHAUSTED', `subscribe: more than ${this.host.maxNames} ${type} subscriptions on one stream`);
        }
        const r = this.session.subscribe(type, parsed.subscribe, parsed.unsubscribe, parsed.initialVersions, parsed.rejectedVersions, parsed.rejectedError);
        this.host.subscriptionsChanged(this, type, r.added, r.removed, st.wildcard);
      }
      if (parsed.nonce !== '') {
        const result = this.session.acknowledge(type, parsed.nonce, parsed.error);
        if (result.unknown) this.logger.debug({ nonce: parsed.nonce, type, instance: this.node?.instanceId }, 'answer to an unknown nonce ignored');
        else this.host.acknowledged(this, result);
      }
      this.host.scheduleFlush(this);
    } catch (err) {
      if (!isPlexusError(err)) this.logger.error({ err, instance: this.node?.instanceId }, 'discovery request handling failed');
      else this.logger.info({ err: err.message, instance: this.node?.instanceId, peer: this.peer }, 'discovery stream refused a request');
      if (!this.node) configPushMetrics.streams.inc({ result: 'invalid' });
      this.fail(err);
    }
  }

  private write(out: OutgoingResponse): void {
    const now = Date.now();
    // Whole bodies go as their shared encoding (encoded-resources.ts); deltas are per proxy.
    const resources: DeltaResponse['resources'] & object = [];
    const encodedResources: Buffer[] = [];
    for (const r of out.resources) {
      const base = out.type === 'Endpoints' ? out.bases.get(r.name) : undefined;
      const delta = base === undefined ? undefined : this.host.endpointDeltas?.encode(r.name, base, r);
      if (delta) resources.push({ name: r.name, version: r.version, baseVersion: deltaBase(base!), delta });
      else encodedResources.push(encodedResource(r));
    }
    // A response of deltas only goes without sent_at (informational, read by nobody): a
    // tenth of its bytes.
    const onlyDeltas = resources.length > 0 && encodedResources.length === 0 && out.removed.length === 0;
    const msg: PreEncodedResponse = {
      type: out.type,
      nonce: out.nonce,
      resources,
      encodedResources,
      removedResources: out.removed,
      viewRevision: this.host.viewRevision(),
      ...(onlyDeltas ? {} : { sentAt: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 } }),
    };
    configPushMetrics.pushes.inc({ type: out.type });
    configPushMetrics.resourcesSent.inc({ type: out.type }, out.resources.length + out.removed.length);
    const t = performance.now();
    for (const r of out.changes) configPushMetrics.eventToPush.observe((t - r.changedAt) / 1000);
    this.io.write(msg);
  }
}
