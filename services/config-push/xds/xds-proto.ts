// Envoy's xDS v3 protos, loaded at run time from the copies @grpc/grpc-js-xds ships under deps/
// (envoy-api, xds, googleapis, protoc-gen-validate). Field names stay snake_case (keepCase), as
// in Envoy's docs and JSON configs. Resources are encoded here into google.protobuf.Any, and the
// ADS service definition is built by hand so both directions use the same protobufjs root.
import type * as grpc from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';

export const TYPE_URL = {
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;
export type XdsKind = keyof typeof TYPE_URL;
export type XdsTypeUrl = (typeof TYPE_URL)[XdsKind];
export const XDS_TYPE_URLS = Object.values(TYPE_URL) as XdsTypeUrl[];

export function isXdsTypeUrl(value: string): value is XdsTypeUrl {
  return (XDS_TYPE_URLS as string[]).includes(value);
}

/** Extension messages packed inside resources (filters, LB policies). */
export const EXT = {
  HttpConnectionManager: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  Router: 'envoy.extensions.filters.http.router.v3.Router',
  HTTPFault: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  RoundRobin: 'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin',
  LeastRequest: 'envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest',
  Random: 'envoy.extensions.load_balancing_policies.random.v3.Random',
} as const;

const FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/random/v3/random.proto',
];

/** Where @grpc/grpc-js-xds keeps Envoy's protos (a runtime dependency of config-push). */
export function xdsProtoDirs(): string[] {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const dirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(pkg, 'deps', d));
  // google/protobuf/descriptor.proto (imported by the validation annotations) ships with protobufjs.
  dirs.push(dirname(require.resolve('protobufjs/package.json')));
  return dirs;
}

let root: protobuf.Root | undefined;

/** The protobufjs root with every xDS message config-push encodes or decodes (loaded once). */
export function xdsRoot(): protobuf.Root {
  if (root) return root;
  const dirs = xdsProtoDirs();
  const r = new protobuf.Root();
  r.resolvePath = (_origin: string, target: string): string => {
    if (isAbsolute(target)) return target;
    for (const d of dirs) {
      const full = join(d, target);
      if (existsSync(full)) return full;
    }
    // protobufjs resolves google/protobuf/* from its bundled copies.
    return target;
  };
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

export function xdsType(fullName: string): protobuf.Type {
  return xdsRoot().lookupType(fullName);
}

/** Pack `value` (plain object, snake_case) as google.protobuf.Any of message `fullName`. */
export function packAny(fullName: string, value: Record<string, unknown>): { type_url: string; value: Buffer } {
  const t = xdsType(fullName);
  return { type_url: `type.googleapis.com/${fullName}`, value: Buffer.from(t.encode(t.fromObject(value)).finish()) };
}

/** Message name of an xDS resource type URL. */
export function messageOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.indexOf('/') + 1);
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true, arrays: true };

function codec<T>(fullName: string): { serialize: (v: T) => Buffer; deserialize: (b: Buffer) => T } {
  const t = xdsType(fullName);
  return {
    serialize: (v: T) => Buffer.from(t.encode(t.fromObject(v as Record<string, unknown>)).finish()),
    deserialize: (b: Buffer) => t.toObject(t.decode(b), TO_OBJECT) as T,
  };
}

// Wire shapes (snake_case, as protobufjs gives them with keepCase).
export interface XdsNode {
  id: string;
  cluster: string;
  metadata: { fields?: Record<string, XdsValue> } | null;
  locality: { region: string; zone: string; sub_zone: string } | null;
  user_agent_name: string;
  user_agent_version?: string;
}
export interface XdsValue {
  stringValue?: string;
  structValue?: { fields?: Record<string, XdsValue> };
  kind?: string;
}
export interface XdsStatus {
  code: number;
  message: string;
}
export interface AnyMessage {
  type_url: string;
  value: Buffer;
}
export interface DiscoveryRequest {
  version_info: string;
  node: XdsNode | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail: XdsStatus | null;
}
export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}
export interface DeltaDiscoveryRequest {
  node: XdsNode | null;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail: XdsStatus | null;
}
export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: Array<{ name: string; version: string; resource: AnyMessage | null }>;
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** The ADS service definition (both methods are bidi streams). */
export function adsDefinition(): grpc.ServiceDefinition {
  const req = codec<DiscoveryRequest>('envoy.service.discovery.v3.DiscoveryRequest');
  const res = codec<DiscoveryResponse>('envoy.service.discovery.v3.DiscoveryResponse');
  const dreq = codec<DeltaDiscoveryRequest>('envoy.service.discovery.v3.DeltaDiscoveryRequest');
  const dres = codec<DeltaDiscoveryResponse>('envoy.service.discovery.v3.DeltaDiscoveryResponse');
  return {
    StreamAggregatedResources: {
      path: `/${ADS_SERVICE}/StreamAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: req.serialize,
      requestDeserialize: req.deserialize,
      responseSerialize: res.serialize,
      responseDeserialize: res.deserialize,
    },
    DeltaAggregatedResources: {
      path: `/${ADS_SERVICE}/DeltaAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: dreq.serialize,
      requestDeserialize: dreq.deserialize,
      responseSerialize: dres.serialize,
      responseDeserialize: dres.deserialize,
    },
  } as grpc.ServiceDefinition;
}

/** Decode an Any of a resource type (tests, tools). */
export function unpackAny(any: AnyMessage): Record<string, unknown> {
  const t = xdsType(messageOf(any.type_url));
  return t.toObject(t.decode(any.value), TO_OBJECT);
}
