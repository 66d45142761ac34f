// Original file: proto/plexus/discovery/v1/status.proto

import type { Node as _plexus_discovery_v1_Node, Node__Output as _plexus_discovery_v1_Node__Output } from '../../../plexus/discovery/v1/Node.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { TypeStatus as _plexus_discovery_v1_TypeStatus, TypeStatus__Output as _plexus_discovery_v1_TypeStatus__Output } from '../../../plexus/discovery/v1/TypeStatus.js';

export interface ProxyInfo {
  'node'?: (_plexus_discovery_v1_Node | null);
  'replica'?: (string);
  /**
   * Remote address of the stream.
   */
  'peer'?: (string);
  'connectedAt'?: (_google_protobuf_Timestamp | null);
  'types'?: (_plexus_discovery_v1_TypeStatus)[];
  /**
   * "plexus" (the delta discovery stream above) or "xds" (an Envoy xDS v3 ADS client: Envoy or
   * proxyless gRPC; node.instance_id is its xDS node id, node.zone its locality zone, and its
   * types are the Plexus resources its xDS resources were built from).
   */
  'kind'?: (string);
}

export interface ProxyInfo__Output {
  'node': (_plexus_discovery_v1_Node__Output | null);
  'replica': (string);
  /**
   * Remote address of the stream.
   */
  'peer': (string);
  'connectedAt': (_google_protobuf_Timestamp__Output | null);
  'types': (_plexus_discovery_v1_TypeStatus__Output)[];
  /**
   * "plexus" (the delta discovery stream above) or "xds" (an Envoy xDS v3 ADS client: Envoy or
   * proxyless gRPC; node.instance_id is its xDS node id, node.zone its locality zone, and its
   * types are the Plexus resources its xDS resources were built from).
   */
  'kind': (string);
}
