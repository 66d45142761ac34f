// Original file: proto/plexus/discovery/v1/discovery.proto

import type { Node as _plexus_discovery_v1_Node, Node__Output as _plexus_discovery_v1_Node__Output } from '../../../plexus/discovery/v1/Node.js';
import type { ErrorDetail as _plexus_discovery_v1_ErrorDetail, ErrorDetail__Output as _plexus_discovery_v1_ErrorDetail__Output } from '../../../plexus/discovery/v1/ErrorDetail.js';

/**
 * Resource types: "Service" (routing + resilience of one destination, keyed
 * "<namespace>/<service>"), "Endpoints" (healthy instances of one service, same key),
 * "Inbound" (what the proxy's own service accepts, keyed "<namespace>/<service>").
 */
export interface DeltaRequest {
  /**
   * Required on the first request of a stream; ignored afterwards.
   */
  'node'?: (_plexus_discovery_v1_Node | null);
  'type'?: (string);
  /**
   * Names to add to the subscription; "*" subscribes to every resource of the type.
   */
  'subscribe'?: (string)[];
  'unsubscribe'?: (string)[];
  /**
   * First request per type after a reconnect: what the proxy already holds (name → version),
   * so the server sends only what differs.
   */
  'initialVersions'?: ({[key: string]: string});
  /**
   * Set when this request acknowledges (or rejects) a response.
   */
  'responseNonce'?: (string);
  /**
   * Set together with response_nonce to reject (NACK) that response; the proxy keeps its last
   * good config and the server does not resend the rejected versions.
   */
  'errorDetail'?: (_plexus_discovery_v1_ErrorDetail | null);
  /**
   * First request per type after a reconnect: versions this proxy rejected (NACKed) and has
   * not replaced by an accepted newer version (name → version; "" = a removal it rejected).
   * The server treats them as rejected on this stream and does not send them again, so a
   * rejection survives reconnects and moves between replicas (DESIGN.md "Discovery protocol").
   */
  'rejectedVersions'?: ({[key: string]: string});
  /**
   * With rejected_versions: the reason of the latest of those rejections, for status output.
   */
  'rejectedError'?: (_plexus_discovery_v1_ErrorDetail | null);
}

/**
 * Resource types: "Service" (routing + resilience of one destination, keyed
 * "<namespace>/<service>"), "Endpoints" (healthy instances of one service, same key),
 * "Inbound" (what the proxy's own service accepts, keyed "<namespace>/<service>").
 */
export interface DeltaRequest__Output {
  /**
   * Required on the first request of a stream; ignored afterwards.
   */
  'node': (_plexus_discovery_v1_Node__Output | null);
  'type': (string);
  /**
   * Names to add to the subscription; "*" subscribes to every resource of the type.
   */
  'subscribe': (string)[];
  'unsubscribe': (string)[];
  /**
   * First request per type after a reconnect: what the proxy already holds (name → version),
   * so the server sends only what differs.
   */
  'initialVersions': ({[key: string]: string});
  /**
   * Set when this request acknowledges (or rejects) a response.
   */
  'responseNonce': (string);
  /**
   * Set together with response_nonce to reject (NACK) that response; the proxy keeps its last
   * good config and the server does not resend the rejected versions.
   */
  'errorDetail': (_plexus_discovery_v1_ErrorDetail__Output | null);
  /**
   * First request per type after a reconnect: versions this proxy rejected (NACKed) and has
   * not replaced by an accepted newer version (name → version; "" = a removal it rejected).
   * The server treats them as rejected on this stream and does not send them again, so a
   * rejection survives reconnects and moves between replicas (DESIGN.md "Discovery protocol").
   */
  'rejectedVersions': ({[key: string]: string});
  /**
   * With rejected_versions: the reason of the latest of those rejections, for status output.
   */
  'rejectedError': (_plexus_discovery_v1_ErrorDetail__Output | null);
}
