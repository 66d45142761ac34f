// Original file: proto/plexus/registry/v1/registry.proto

import type { Protocol as _plexus_registry_v1_Protocol, Protocol__Output as _plexus_registry_v1_Protocol__Output } from '../../../plexus/registry/v1/Protocol.js';
import type { Health as _plexus_registry_v1_Health, Health__Output as _plexus_registry_v1_Health__Output } from '../../../plexus/registry/v1/Health.js';
import type { Long } from '@grpc/proto-loader';

export interface Instance {
  'id'?: (string);
  'namespace'?: (string);
  'service'?: (string);
  'cluster'?: (string);
  'zone'?: (string);
  'address'?: (string);
  'port'?: (number);
  'protocol'?: (_plexus_registry_v1_Protocol);
  'labels'?: ({[key: string]: string});
  'weight'?: (number);
  'metadata'?: ({[key: string]: string});
  'health'?: (_plexus_registry_v1_Health);
  /**
   * Grows with every (re-)registration of the id, also across expiries.
   */
  'incarnation'?: (number | string | Long);
  'leaseId'?: (string);
  'ttlSeconds'?: (number);
  /**
   * RFC 3339.
   */
  'registeredAt'?: (string);
  'updatedAt'?: (string);
  /**
   * Store revision of the record's last change.
   */
  'revision'?: (number | string | Long);
  /**
   * Set while a graceful deregistration is in progress.
   */
  'deregistering'?: (boolean);
  /**
   * Set in Get and List answers (never stored) while no heartbeat has reached the registry for
   * the instance's TTL but the registry has not judged it dead: it is kept (the registry tier or
   * the store may have been down; services/registry/reaper.ts), and serving it is a guess.
   * RFC 3339: since when this replica has seen it so.
   */
  'unconfirmedSince'?: (string);
}

export interface Instance__Output {
  'id': (string);
  'namespace': (string);
  'service': (string);
  'cluster': (string);
  'zone': (string);
  'address': (string);
  'port': (number);
  'protocol': (_plexus_registry_v1_Protocol__Output);
  'labels': ({[key: string]: string});
  'weight': (number);
  'metadata': ({[key: string]: string});
  'health': (_plexus_registry_v1_Health__Output);
  /**
   * Grows with every (re-)registration of the id, also across expiries.
   */
  'incarnation': (number);
  'leaseId': (string);
  'ttlSeconds': (number);
  /**
   * RFC 3339.
   */
  'registeredAt': (string);
  'updatedAt': (string);
  /**
   * Store revision of the record's last change.
   */
  'revision': (number);
  /**
   * Set while a graceful deregistration is in progress.
   */
  'deregistering': (boolean);
  /**
   * Set in Get and List answers (never stored) while no heartbeat has reached the registry for
   * the instance's TTL but the registry has not judged it dead: it is kept (the registry tier or
   * the store may have been down; services/registry/reaper.ts), and serving it is a guess.
   * RFC 3339: since when this replica has seen it so.
   */
  'unconfirmedSince': (string);
}
