// Original file: proto/plexus/discovery/v1/status.proto

import type { ProxyNack as _plexus_discovery_v1_ProxyNack, ProxyNack__Output as _plexus_discovery_v1_ProxyNack__Output } from '../../../plexus/discovery/v1/ProxyNack.js';
import type { Long } from '@grpc/proto-loader';

export interface RolloutProgress {
  'replica'?: (string);
  'revision'?: (number | string | Long);
  /**
   * False until this replica's mesh view has seen the change; counts are then empty.
   */
  'viewReady'?: (boolean);
  /**
   * Resources the change affects, as "<type> <name>" (a Mesh policy: every Service/Inbound).
   */
  'resources'?: (string)[];
  /**
   * Proxies on this replica subscribed to an affected resource.
   */
  'affected'?: (number);
  /**
   * ...that acked a config including the change.
   */
  'acked'?: (number);
  /**
   * ...that rejected it (each with its reason).
   */
  'nacks'?: (_plexus_discovery_v1_ProxyNack)[];
  /**
   * ...still waiting (instance ids; at most 100 listed, `pending_count` counts them all).
   */
  'pending'?: (string)[];
  'pendingCount'?: (number);
  'done'?: (boolean);
  /**
   * IN_PROGRESS | COMPLETE (all acked) | NACKED (none pending, some rejected) |
   * DEADLINE_EXCEEDED. A replica's COMPLETE covers its own streams only: clients merge
   * `not_connected` before calling a rollout complete.
   */
  'outcome'?: (string);
  'elapsedMs'?: (number | string | Long);
  /**
   * Registered instances that should hold the change but have no stream on this replica:
   * instances of the target service for Inbound (Access), every instance for a Mesh policy,
   * and proxies this replica saw subscribed to the resource before their stream ended. A proxy
   * listed by every replica is DISCONNECTED: it counts as affected and keeps the rollout from
   * completing (clients intersect the lists over the replicas that answered).
   */
  'notConnected'?: (string)[];
  /**
   * Serving instances registered for the target service(s); a rollout that reaches no proxy
   * while this is > 0 does not report success (outcome NO_PROXIES).
   */
  'registered'?: (number);
}

export interface RolloutProgress__Output {
  'replica': (string);
  'revision': (number);
  /**
   * False until this replica's mesh view has seen the change; counts are then empty.
   */
  'viewReady': (boolean);
  /**
   * Resources the change affects, as "<type> <name>" (a Mesh policy: every Service/Inbound).
   */
  'resources': (string)[];
  /**
   * Proxies on this replica subscribed to an affected resource.
   */
  'affected': (number);
  /**
   * ...that acked a config including the change.
   */
  'acked': (number);
  /**
   * ...that rejected it (each with its reason).
   */
  'nacks': (_plexus_discovery_v1_ProxyNack__Output)[];
  /**
   * ...still waiting (instance ids; at most 100 listed, `pending_count` counts them all).
   */
  'pending': (string)[];
  'pendingCount': (number);
  'done': (boolean);
  /**
   * IN_PROGRESS | COMPLETE (all acked) | NACKED (none pending, some rejected) |
   * DEADLINE_EXCEEDED. A replica's COMPLETE covers its own streams only: clients merge
   * `not_connected` before calling a rollout complete.
   */
  'outcome': (string);
  'elapsedMs': (number);
  /**
   * Registered instances that should hold the change but have no stream on this replica:
   * instances of the target service for Inbound (Access), every instance for a Mesh policy,
   * and proxies this replica saw subscribed to the resource before their stream ended. A proxy
   * listed by every replica is DISCONNECTED: it counts as affected and keeps the rollout from
   * completing (clients intersect the lists over the replicas that answered).
   */
  'notConnected': (string)[];
  /**
   * Serving instances registered for the target service(s); a rollout that reaches no proxy
   * while this is > 0 does not report success (outcome NO_PROXIES).
   */
  'registered': (number);
}
