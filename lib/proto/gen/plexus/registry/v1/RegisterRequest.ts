// Original file: proto/plexus/registry/v1/registry.proto

import type { Protocol as _plexus_registry_v1_Protocol, Protocol__Output as _plexus_registry_v1_Protocol__Output } from '../../../plexus/registry/v1/Protocol.js';
import type { Health as _plexus_registry_v1_Health, Health__Output as _plexus_registry_v1_Health__Output } from '../../../plexus/registry/v1/Health.js';
import type { Long } from '@grpc/proto-loader';

export interface RegisterRequest {
  /**
   * default "default"
   */
  'namespace'?: (string);
  'service'?: (string);
  /**
   * Stable id of the instance (e.g. the pod name); generated when empty.
   */
  'instanceId'?: (string);
  /**
   * IP address or host name
   */
  'address'?: (string);
  'port'?: (number);
  'protocol'?: (_plexus_registry_v1_Protocol);
  /**
   * default: the registry's zone
   */
  'zone'?: (string);
  'labels'?: ({[key: string]: string});
  /**
   * 1–1000, 0 = default 100
   */
  'weight'?: (number);
  'metadata'?: ({[key: string]: string});
  /**
   * 0 = the registry's default lease TTL
   */
  'ttlSeconds'?: (number);
  /**
   * initial health, default SERVING
   */
  'health'?: (_plexus_registry_v1_Health);
  /**
   * The incarnation the caller held before (re-registering after losing its lease). If the id
   * is now registered with any other incarnation, the caller is stale: FAILED_PRECONDITION.
   * 0 = take over unconditionally.
   */
  'expectedIncarnation'?: (number | string | Long);
}

export interface RegisterRequest__Output {
  /**
   * default "default"
   */
  'namespace': (string);
  'service': (string);
  /**
   * Stable id of the instance (e.g. the pod name); generated when empty.
   */
  'instanceId': (string);
  /**
   * IP address or host name
   */
  'address': (string);
  'port': (number);
  'protocol': (_plexus_registry_v1_Protocol__Output);
  /**
   * default: the registry's zone
   */
  'zone': (string);
  'labels': ({[key: string]: string});
  /**
   * 1–1000, 0 = default 100
   */
  'weight': (number);
  'metadata': ({[key: string]: string});
  /**
   * 0 = the registry's default lease TTL
   */
  'ttlSeconds': (number);
  /**
   * initial health, default SERVING
   */
  'health': (_plexus_registry_v1_Health__Output);
  /**
   * The incarnation the caller held before (re-registering after losing its lease). If the id
   * is now registered with any other incarnation, the caller is stale: FAILED_PRECONDITION.
   * 0 = take over unconditionally.
   */
  'expectedIncarnation': (number);
}
