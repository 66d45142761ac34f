// How to stream xDS: the ADS service (state of the world and delta) over XdsResources. Owns the
// open xDS streams, fans resource changes out to the streams that hold or subscribe to them, and
// flushes once per event-loop turn (a burst of changes is one response per stream and type).
// Each identified stream is attached to the DeltaServer, so ProxyStatus lists it (kind "xds")
// and WaitForRollout counts its ACKs and NACKs.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ResourceCache } from '../../../lib/mesh/resource-cache.js';
import type { Policy } from '../../../lib/policy/index.js';
import type { AckResult, OutgoingResponse } from '../delta-session.js';
import type { DeltaServer } from '../delta-server.js';
import { configPushMetrics } from '../metrics.js';
import { StreamSet } from '../stream-set.js';
import { XdsResources, serviceOfXdsName, type XdsChange, type XdsResource } from './xds-resources.js';
import { XdsStream, type DeltaXdsCall, type SotwCall, type XdsAuthorizer, type XdsPeer } from './xds-stream.js';
import type { XdsTypeUrl } from './xds-proto.js';

export interface XdsServerOptions {
  cache: ResourceCache<Policy>;
  /** Status and rollouts: xDS clients are attached to it. */
  plexus: DeltaServer;
  cluster: string;
  maxNames: number;
  maxInflight: number;
  logger: Logger;
  /** Whether a stream's peer may subscribe; allow-all when unset. */
  authorize?: XdsAuthorizer;
}

const allowAll: XdsAuthorizer = () => true;

function metricType(type: string): string {
  return `xds:${type.slice(type.lastIndexOf('.') + 1)}`;
}

export class XdsServer {
  readonly resources: XdsResources;
  readonly cache: ResourceCache<Policy>;
  readonly cluster: string;
  readonly maxNames: number;
  readonly maxInflight: number;
  readonly noncePrefix: string;
  private readonly opts: XdsServerOptions;
  private readonly logger: Logger;
  private readonly streams: StreamSet<XdsStream>;
  private readonly attachments = new Map<XdsStream, { notify(): void; detach(): void }>();
  private readonly unsubscribe: () => void;

  constructor(opts: XdsServerOptions) {
    this.opts = opts;
    this.logger = opts.logger.child({ protocol: 'xds' });
    this.streams = new StreamSet(this.logger, 'xDS', 'node');
    this.cache = opts.cache;
    this.cluster = opts.cluster;
    this.maxNames = opts.maxNames;
    this.maxInflight = opts.maxInflight;
    this.noncePrefix = opts.plexus.noncePrefix;
    this.resources = new XdsResources(opts.cache);
    this.unsubscribe = this.resources.onChanges((changes) => this.onChanges(changes));
  }

  /** Handlers for envoy.service.discovery.v3.AggregatedDiscoveryService. */
  readonly implementation: grpc.UntypedServiceImplementation = {
    StreamAggregatedResources: (call: SotwCall) => this.open('sotw', call),
    DeltaAggregatedResources: (call: DeltaXdsCall) => this.open('delta', call),
  };

  /** Identified xDS streams. */
  connected(): XdsStream[] {
    return this.streams.identified();
  }

  authorize(peer: XdsPeer): boolean | Promise<boolean> {
    return (this.opts.authorize ?? allowAll)(peer);
  }

  close(): void {
    if (!this.streams.close()) return;
    this.unsubscribe();
    this.resources.close();
  }

  // ------------------------------------------------------------------ stream host

  identified(stream: XdsStream): void {
    configPushMetrics.streams.inc({ result: 'accepted' });
    this.attachments.set(stream, this.opts.plexus.attach(stream));
    this.logger.debug({ node: stream.node, peer: stream.peer, mode: stream.mode }, 'xDS client connected');
  }

  scheduleFlush(stream: XdsStream): void {
    this.streams.scheduleFlush(stream);
  }

  pushed(stream: XdsStream, out: OutgoingResponse<XdsTypeUrl, XdsResource>): void {
    const type = metricType(out.type);
    configPushMetrics.pushes.inc({ type });
    configPushMetrics.resourcesSent.inc({ type }, out.resources.length + out.removed.length);
    const now = performance.now();
    for (const r of out.changes) configPushMetrics.eventToPush.observe((now - r.changedAt) / 1000);
    this.attachments.get(stream)?.notify();
  }

  acknowledged(stream: XdsStream, result: AckResult<XdsTypeUrl>): void {
    const type = metricType(result.type);
    if (result.nack) {
      configPushMetrics.nacks.inc({ type });
      this.logger.warn(
        { node: stream.node?.instanceId, type: result.type, nonce: result.nonce, error: result.nack.message, rejected: result.nack.rejected.slice(0, 10) },
        'xDS client rejected config (NACK); it keeps its last accepted version',
      );
    } else {
      configPushMetrics.acks.inc({ type });
      const now = performance.now();
      for (const a of result.acked) if (a.changedAt !== undefined) configPushMetrics.convergence.observe((now - a.changedAt) / 1000);
    }
    this.attachments.get(stream)?.notify();
  }

  staleRequest(stream: XdsStream, type: XdsTypeUrl): void {
    this.logger.debug({ node: stream.node?.instanceId, type }, 'xDS request with a stale nonce ignored');
  }

  ended(stream: XdsStream): void {
    this.streams.delete(stream);
    const a = this.attachments.get(stream);
    this.attachments.delete(stream);
    a?.detach();
    if (stream.node) this.logger.debug({ node: stream.node.instanceId, peer: stream.peer }, 'xDS client disconnected');
  }

  // ------------------------------------------------------------------ internals

  private open(mode: 'sotw' | 'delta', call: SotwCall | DeltaXdsCall): void {
    this.streams.open(call as grpc.ServerDuplexStream<unknown, unknown>, (id) => new XdsStream(id, mode, call, this, this.logger));
  }

  private onChanges(changes: XdsChange[]): void {
    for (const c of changes) {
      const owns = (type: XdsTypeUrl, name: string): boolean => serviceOfXdsName(type, name) === c.service;
      const wildcardNames = (type: XdsTypeUrl): string[] => [...this.resources.names(type)].filter((n) => owns(type, n));
      let names: Map<XdsTypeUrl, string[]> | undefined;
      const cachedWildcard = (type: XdsTypeUrl): string[] => {
        names ??= new Map();
        let list = names.get(type);
        if (!list) names.set(type, (list = wildcardNames(type)));
        return list;
      };
      for (const s of this.streams) if (s.markService(c.types, owns, cachedWildcard)) this.scheduleFlush(s);
    }
  }
}
