// Original file: proto/plexus/discovery/v1/status.proto

import type { ProxyInfo as _plexus_discovery_v1_ProxyInfo, ProxyInfo__Output as _plexus_discovery_v1_ProxyInfo__Output } from '../../../plexus/discovery/v1/ProxyInfo.js';
import type { AbsentProxy as _plexus_discovery_v1_AbsentProxy, AbsentProxy__Output as _plexus_discovery_v1_AbsentProxy__Output } from '../../../plexus/discovery/v1/AbsentProxy.js';
import type { Long } from '@grpc/proto-loader';

export interface ProxyStatusResponse {
  /**
   * The answering replica (its configured instance name).
   */
  'replica'?: (string);
  /**
   * The highest store revision this replica's mesh view has seen.
   */
  'viewRevision'?: (number | string | Long);
  'proxies'?: (_plexus_discovery_v1_ProxyInfo)[];
  /**
   * Registered instances (serving, from this replica's mesh view) with no stream to this
   * replica. A proxy is disconnected from the control plane when every replica lists it here;
   * clients intersect the lists (plexctl proxy-status shows DISCONNECTED / STALE).
   */
  'notConnected'?: (_plexus_discovery_v1_AbsentProxy)[];
}

export interface ProxyStatusResponse__Output {
  /**
   * The answering replica (its configured instance name).
   */
  'replica': (string);
  /**
   * The highest store revision this replica's mesh view has seen.
   */
  'viewRevision': (number);
  'proxies': (_plexus_discovery_v1_ProxyInfo__Output)[];
  /**
   * Registered instances (serving, from this replica's mesh view) with no stream to this
   * replica. A proxy is disconnected from the control plane when every replica lists it here;
   * clients intersect the lists (plexctl proxy-status shows DISCONNECTED / STALE).
   */
  'notConnected': (_plexus_discovery_v1_AbsentProxy__Output)[];
}
