// Original file: proto/plexus/discovery/v1/status.proto

import type { Nack as _plexus_discovery_v1_Nack, Nack__Output as _plexus_discovery_v1_Nack__Output } from '../../../plexus/discovery/v1/Nack.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';

/**
 * One resource type of one proxy. In a delta protocol there is no single version per type, so
 * `acked_version` is a digest of the (name, version) pairs the proxy acknowledged: equal digests
 * mean equal config.
 */
export interface TypeStatus {
  'type'?: (string);
  'wildcard'?: (boolean);
  /**
   * Explicitly subscribed names (besides the wildcard).
   */
  'subscribed'?: (string)[];
  /**
   * Resources the proxy holds (acked), and the digest of their versions.
   */
  'ackedResources'?: (number);
  'ackedVersion'?: (string);
  /**
   * SYNCED: every subscribed resource acked at its current version; PENDING: a response is
   * waiting for its ACK or changes are queued; NACKED: the last response was rejected and
   * nothing newer is acked; STALE: the proxy holds older versions and nothing is in flight
   * (e.g. a rejected version not resent).
   */
  'state'?: (string);
  /**
   * Nonce of the newest response not yet acknowledged ("" = none).
   */
  'pendingNonce'?: (string);
  'lastNack'?: (_plexus_discovery_v1_Nack | null);
  'lastAckAt'?: (_google_protobuf_Timestamp | null);
  /**
   * Resource names with a change waiting to be sent to this proxy.
   */
  'queued'?: (number);
}

/**
 * One resource type of one proxy. In a delta protocol there is no single version per type, so
 * `acked_version` is a digest of the (name, version) pairs the proxy acknowledged: equal digests
 * mean equal config.
 */
export interface TypeStatus__Output {
  'type': (string);
  'wildcard': (boolean);
  /**
   * Explicitly subscribed names (besides the wildcard).
   */
  'subscribed': (string)[];
  /**
   * Resources the proxy holds (acked), and the digest of their versions.
   */
  'ackedResources': (number);
  'ackedVersion': (string);
  /**
   * SYNCED: every subscribed resource acked at its current version; PENDING: a response is
   * waiting for its ACK or changes are queued; NACKED: the last response was rejected and
   * nothing newer is acked; STALE: the proxy holds older versions and nothing is in flight
   * (e.g. a rejected version not resent).
   */
  'state': (string);
  /**
   * Nonce of the newest response not yet acknowledged ("" = none).
   */
  'pendingNonce': (string);
  'lastNack': (_plexus_discovery_v1_Nack__Output | null);
  'lastAckAt': (_google_protobuf_Timestamp__Output | null);
  /**
   * Resource names with a change waiting to be sent to this proxy.
   */
  'queued': (number);
}
