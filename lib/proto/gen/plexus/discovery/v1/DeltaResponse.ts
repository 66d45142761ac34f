// Original file: proto/plexus/discovery/v1/discovery.proto

import type { Resource as _plexus_discovery_v1_Resource, Resource__Output as _plexus_discovery_v1_Resource__Output } from '../../../plexus/discovery/v1/Resource.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Sent when subscribed resources change. The first request for a type that carries no
 * `initial_versions` always gets a response (possibly empty: nothing exists yet); a resume with
 * `initial_versions` gets only what differs, and nothing at all when the proxy is up to date.
 */
export interface DeltaResponse {
  'type'?: (string);
  /**
   * Changed (or newly subscribed) resources, each with its version.
   */
  'resources'?: (_plexus_discovery_v1_Resource)[];
  /**
   * Names the proxy held (or explicitly subscribed to) that do not exist (any more).
   */
  'removedResources'?: (string)[];
  /**
   * Unique per response on a stream; echoed in the ACK/NACK.
   */
  'nonce'?: (string);
  /**
   * The store revision the server's mesh view reflected when this response was built.
   */
  'viewRevision'?: (number | string | Long);
  'sentAt'?: (_google_protobuf_Timestamp | null);
}

/**
 * Sent when subscribed resources change. The first request for a type that carries no
 * `initial_versions` always gets a response (possibly empty: nothing exists yet); a resume with
 * `initial_versions` gets only what differs, and nothing at all when the proxy is up to date.
 */
export interface DeltaResponse__Output {
  'type': (string);
  /**
   * Changed (or newly subscribed) resources, each with its version.
   */
  'resources': (_plexus_discovery_v1_Resource__Output)[];
  /**
   * Names the proxy held (or explicitly subscribed to) that do not exist (any more).
   */
  'removedResources': (string)[];
  /**
   * Unique per response on a stream; echoed in the ACK/NACK.
   */
  'nonce': (string);
  /**
   * The store revision the server's mesh view reflected when this response was built.
   */
  'viewRevision': (number);
  'sentAt': (_google_protobuf_Timestamp__Output | null);
}
