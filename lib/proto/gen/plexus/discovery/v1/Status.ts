// Original file: proto/plexus/discovery/v1/status.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ProxyConfigRequest as _plexus_discovery_v1_ProxyConfigRequest, ProxyConfigRequest__Output as _plexus_discovery_v1_ProxyConfigRequest__Output } from '../../../plexus/discovery/v1/ProxyConfigRequest.js';
import type { ProxyConfigResponse as _plexus_discovery_v1_ProxyConfigResponse, ProxyConfigResponse__Output as _plexus_discovery_v1_ProxyConfigResponse__Output } from '../../../plexus/discovery/v1/ProxyConfigResponse.js';
import type { ProxyStatusRequest as _plexus_discovery_v1_ProxyStatusRequest, ProxyStatusRequest__Output as _plexus_discovery_v1_ProxyStatusRequest__Output } from '../../../plexus/discovery/v1/ProxyStatusRequest.js';
import type { ProxyStatusResponse as _plexus_discovery_v1_ProxyStatusResponse, ProxyStatusResponse__Output as _plexus_discovery_v1_ProxyStatusResponse__Output } from '../../../plexus/discovery/v1/ProxyStatusResponse.js';
import type { RolloutProgress as _plexus_discovery_v1_RolloutProgress, RolloutProgress__Output as _plexus_discovery_v1_RolloutProgress__Output } from '../../../plexus/discovery/v1/RolloutProgress.js';
import type { WaitForRolloutRequest as _plexus_discovery_v1_WaitForRolloutRequest, WaitForRolloutRequest__Output as _plexus_discovery_v1_WaitForRolloutRequest__Output } from '../../../plexus/discovery/v1/WaitForRolloutRequest.js';

export interface StatusClient extends grpc.Client {
  /**
   * What one proxy was sent, per resource: versions and bodies. NOT_FOUND when the proxy is
   * not connected to this replica.
   */
  ProxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  ProxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  ProxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  ProxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What one proxy was sent, per resource: versions and bodies. NOT_FOUND when the proxy is
   * not connected to this replica.
   */
  proxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  proxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  proxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  proxyConfig(argument: _plexus_discovery_v1_ProxyConfigRequest, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyConfigResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Every proxy connected to this replica, with per-type sync state.
   */
  ProxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  ProxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  ProxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  ProxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Every proxy connected to this replica, with per-type sync state.
   */
  proxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  proxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  proxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  proxyStatus(argument: _plexus_discovery_v1_ProxyStatusRequest, callback: grpc.requestCallback<_plexus_discovery_v1_ProxyStatusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Progress of one change (a policy revision or an instance change) towards every affected
   * proxy on this replica. Sends a message whenever progress changes; the last one has
   * `done` set: all acked, none left pending (some NACKed), or the deadline passed.
   */
  WaitForRollout(argument: _plexus_discovery_v1_WaitForRolloutRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_discovery_v1_RolloutProgress__Output>;
  WaitForRollout(argument: _plexus_discovery_v1_WaitForRolloutRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_discovery_v1_RolloutProgress__Output>;
  /**
   * Progress of one change (a policy revision or an instance change) towards every affected
   * proxy on this replica. Sends a message whenever progress changes; the last one has
   * `done` set: all acked, none left pending (some NACKed), or the deadline passed.
   */
  waitForRollout(argument: _plexus_discovery_v1_WaitForRolloutRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_discovery_v1_RolloutProgress__Output>;
  waitForRollout(argument: _plexus_discovery_v1_WaitForRolloutRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_discovery_v1_RolloutProgress__Output>;
  
}

export interface StatusHandlers extends grpc.UntypedServiceImplementation {
  /**
   * What one proxy was sent, per resource: versions and bodies. NOT_FOUND when the proxy is
   * not connected to this replica.
   */
  ProxyConfig: grpc.handleUnaryCall<_plexus_discovery_v1_ProxyConfigRequest__Output, _plexus_discovery_v1_ProxyConfigResponse>;
  
  /**
   * Every proxy connected to this replica, with per-type sync state.
   */
  ProxyStatus: grpc.handleUnaryCall<_plexus_discovery_v1_ProxyStatusRequest__Output, _plexus_discovery_v1_ProxyStatusResponse>;
  
  /**
   * Progress of one change (a policy revision or an instance change) towards every affected
   * proxy on this replica. Sends a message whenever progress changes; the last one has
   * `done` set: all acked, none left pending (some NACKed), or the deadline passed.
   */
  WaitForRollout: grpc.handleServerStreamingCall<_plexus_discovery_v1_WaitForRolloutRequest__Output, _plexus_discovery_v1_RolloutProgress>;
  
}

export interface StatusDefinition extends grpc.ServiceDefinition {
  ProxyConfig: MethodDefinition<_plexus_discovery_v1_ProxyConfigRequest, _plexus_discovery_v1_ProxyConfigResponse, _plexus_discovery_v1_ProxyConfigRequest__Output, _plexus_discovery_v1_ProxyConfigResponse__Output>
  ProxyStatus: MethodDefinition<_plexus_discovery_v1_ProxyStatusRequest, _plexus_discovery_v1_ProxyStatusResponse, _plexus_discovery_v1_ProxyStatusRequest__Output, _plexus_discovery_v1_ProxyStatusResponse__Output>
  WaitForRollout: MethodDefinition<_plexus_discovery_v1_WaitForRolloutRequest, _plexus_discovery_v1_RolloutProgress, _plexus_discovery_v1_WaitForRolloutRequest__Output, _plexus_discovery_v1_RolloutProgress__Output>
}
