// Original file: proto/plexus/registry/v1/registry.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeregisterRequest as _plexus_registry_v1_DeregisterRequest, DeregisterRequest__Output as _plexus_registry_v1_DeregisterRequest__Output } from '../../../plexus/registry/v1/DeregisterRequest.js';
import type { DeregisterResponse as _plexus_registry_v1_DeregisterResponse, DeregisterResponse__Output as _plexus_registry_v1_DeregisterResponse__Output } from '../../../plexus/registry/v1/DeregisterResponse.js';
import type { GetRequest as _plexus_registry_v1_GetRequest, GetRequest__Output as _plexus_registry_v1_GetRequest__Output } from '../../../plexus/registry/v1/GetRequest.js';
import type { HeartbeatRequest as _plexus_registry_v1_HeartbeatRequest, HeartbeatRequest__Output as _plexus_registry_v1_HeartbeatRequest__Output } from '../../../plexus/registry/v1/HeartbeatRequest.js';
import type { HeartbeatResponse as _plexus_registry_v1_HeartbeatResponse, HeartbeatResponse__Output as _plexus_registry_v1_HeartbeatResponse__Output } from '../../../plexus/registry/v1/HeartbeatResponse.js';
import type { HeartbeatStreamRequest as _plexus_registry_v1_HeartbeatStreamRequest, HeartbeatStreamRequest__Output as _plexus_registry_v1_HeartbeatStreamRequest__Output } from '../../../plexus/registry/v1/HeartbeatStreamRequest.js';
import type { HeartbeatStreamResponse as _plexus_registry_v1_HeartbeatStreamResponse, HeartbeatStreamResponse__Output as _plexus_registry_v1_HeartbeatStreamResponse__Output } from '../../../plexus/registry/v1/HeartbeatStreamResponse.js';
import type { Instance as _plexus_registry_v1_Instance, Instance__Output as _plexus_registry_v1_Instance__Output } from '../../../plexus/registry/v1/Instance.js';
import type { ListRequest as _plexus_registry_v1_ListRequest, ListRequest__Output as _plexus_registry_v1_ListRequest__Output } from '../../../plexus/registry/v1/ListRequest.js';
import type { ListResponse as _plexus_registry_v1_ListResponse, ListResponse__Output as _plexus_registry_v1_ListResponse__Output } from '../../../plexus/registry/v1/ListResponse.js';
import type { RegisterRequest as _plexus_registry_v1_RegisterRequest, RegisterRequest__Output as _plexus_registry_v1_RegisterRequest__Output } from '../../../plexus/registry/v1/RegisterRequest.js';
import type { RegisterResponse as _plexus_registry_v1_RegisterResponse, RegisterResponse__Output as _plexus_registry_v1_RegisterResponse__Output } from '../../../plexus/registry/v1/RegisterResponse.js';
import type { SetHealthRequest as _plexus_registry_v1_SetHealthRequest, SetHealthRequest__Output as _plexus_registry_v1_SetHealthRequest__Output } from '../../../plexus/registry/v1/SetHealthRequest.js';
import type { SetHealthResponse as _plexus_registry_v1_SetHealthResponse, SetHealthResponse__Output as _plexus_registry_v1_SetHealthResponse__Output } from '../../../plexus/registry/v1/SetHealthResponse.js';
import type { WatchRequest as _plexus_registry_v1_WatchRequest, WatchRequest__Output as _plexus_registry_v1_WatchRequest__Output } from '../../../plexus/registry/v1/WatchRequest.js';
import type { WatchResponse as _plexus_registry_v1_WatchResponse, WatchResponse__Output as _plexus_registry_v1_WatchResponse__Output } from '../../../plexus/registry/v1/WatchResponse.js';

export interface RegistryClient extends grpc.Client {
  /**
   * Graceful removal; publishes `deregistered` (never `expired`).
   */
  Deregister(argument: _plexus_registry_v1_DeregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  Deregister(argument: _plexus_registry_v1_DeregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  Deregister(argument: _plexus_registry_v1_DeregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  Deregister(argument: _plexus_registry_v1_DeregisterRequest, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Graceful removal; publishes `deregistered` (never `expired`).
   */
  deregister(argument: _plexus_registry_v1_DeregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  deregister(argument: _plexus_registry_v1_DeregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  deregister(argument: _plexus_registry_v1_DeregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  deregister(argument: _plexus_registry_v1_DeregisterRequest, callback: grpc.requestCallback<_plexus_registry_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _plexus_registry_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  Get(argument: _plexus_registry_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  Get(argument: _plexus_registry_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  Get(argument: _plexus_registry_v1_GetRequest, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_registry_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_registry_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_registry_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_registry_v1_GetRequest, callback: grpc.requestCallback<_plexus_registry_v1_Instance__Output>): grpc.ClientUnaryCall;
  
  /**
   * Renews the instance's lease to its full TTL. NOT_FOUND: the lease ran out (re-register);
   * FAILED_PRECONDITION: a newer incarnation of the id exists (this caller was superseded).
   */
  Heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Renews the instance's lease to its full TTL. NOT_FOUND: the lease ran out (re-register);
   * FAILED_PRECONDITION: a newer incarnation of the id exists (this caller was superseded).
   */
  heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _plexus_registry_v1_HeartbeatRequest, callback: grpc.requestCallback<_plexus_registry_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Heartbeats on one long-lived stream: each request renews the listed instances and gets one
   * response, in order, with a result per instance. The lease is kept by the requests, not by
   * the stream being open, so a frozen client still expires.
   */
  HeartbeatStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_registry_v1_HeartbeatStreamRequest, _plexus_registry_v1_HeartbeatStreamResponse__Output>;
  HeartbeatStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_registry_v1_HeartbeatStreamRequest, _plexus_registry_v1_HeartbeatStreamResponse__Output>;
  /**
   * Heartbeats on one long-lived stream: each request renews the listed instances and gets one
   * response, in order, with a result per instance. The lease is kept by the requests, not by
   * the stream being open, so a frozen client still expires.
   */
  heartbeatStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_registry_v1_HeartbeatStreamRequest, _plexus_registry_v1_HeartbeatStreamResponse__Output>;
  heartbeatStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_registry_v1_HeartbeatStreamRequest, _plexus_registry_v1_HeartbeatStreamResponse__Output>;
  
  /**
   * Filtered and paginated listing straight from the store.
   */
  List(argument: _plexus_registry_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _plexus_registry_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _plexus_registry_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _plexus_registry_v1_ListRequest, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Filtered and paginated listing straight from the store.
   */
  list(argument: _plexus_registry_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _plexus_registry_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _plexus_registry_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _plexus_registry_v1_ListRequest, callback: grpc.requestCallback<_plexus_registry_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates the instance, or replaces it with a higher incarnation when the id is already
   * registered (idempotent re-registration). Publishes `registered` or `updated`.
   */
  Register(argument: _plexus_registry_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _plexus_registry_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _plexus_registry_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _plexus_registry_v1_RegisterRequest, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates the instance, or replaces it with a higher incarnation when the id is already
   * registered (idempotent re-registration). Publishes `registered` or `updated`.
   */
  register(argument: _plexus_registry_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _plexus_registry_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _plexus_registry_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _plexus_registry_v1_RegisterRequest, callback: grpc.requestCallback<_plexus_registry_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes the instance's health; publishes `updated`.
   */
  SetHealth(argument: _plexus_registry_v1_SetHealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  SetHealth(argument: _plexus_registry_v1_SetHealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  SetHealth(argument: _plexus_registry_v1_SetHealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  SetHealth(argument: _plexus_registry_v1_SetHealthRequest, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Changes the instance's health; publishes `updated`.
   */
  setHealth(argument: _plexus_registry_v1_SetHealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  setHealth(argument: _plexus_registry_v1_SetHealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  setHealth(argument: _plexus_registry_v1_SetHealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  setHealth(argument: _plexus_registry_v1_SetHealthRequest, callback: grpc.requestCallback<_plexus_registry_v1_SetHealthResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes from a revision; from 0 it starts with a snapshot of the current instances.
   */
  Watch(argument: _plexus_registry_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_registry_v1_WatchResponse__Output>;
  Watch(argument: _plexus_registry_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_registry_v1_WatchResponse__Output>;
  /**
   * Changes from a revision; from 0 it starts with a snapshot of the current instances.
   */
  watch(argument: _plexus_registry_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_registry_v1_WatchResponse__Output>;
  watch(argument: _plexus_registry_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_registry_v1_WatchResponse__Output>;
  
}

export interface RegistryHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Graceful removal; publishes `deregistered` (never `expired`).
   */
  Deregister: grpc.handleUnaryCall<_plexus_registry_v1_DeregisterRequest__Output, _plexus_registry_v1_DeregisterResponse>;
  
  Get: grpc.handleUnaryCall<_plexus_registry_v1_GetRequest__Output, _plexus_registry_v1_Instance>;
  
  /**
   * Renews the instance's lease to its full TTL. NOT_FOUND: the lease ran out (re-register);
   * FAILED_PRECONDITION: a newer incarnation of the id exists (this caller was superseded).
   */
  Heartbeat: grpc.handleUnaryCall<_plexus_registry_v1_HeartbeatRequest__Output, _plexus_registry_v1_HeartbeatResponse>;
  
  /**
   * Heartbeats on one long-lived stream: each request renews the listed instances and gets one
   * response, in order, with a result per instance. The lease is kept by the requests, not by
   * the stream being open, so a frozen client still expires.
   */
  HeartbeatStream: grpc.handleBidiStreamingCall<_plexus_registry_v1_HeartbeatStreamRequest__Output, _plexus_registry_v1_HeartbeatStreamResponse>;
  
  /**
   * Filtered and paginated listing straight from the store.
   */
  List: grpc.handleUnaryCall<_plexus_registry_v1_ListRequest__Output, _plexus_registry_v1_ListResponse>;
  
  /**
   * Creates the instance, or replaces it with a higher incarnation when the id is already
   * registered (idempotent re-registration). Publishes `registered` or `updated`.
   */
  Register: grpc.handleUnaryCall<_plexus_registry_v1_RegisterRequest__Output, _plexus_registry_v1_RegisterResponse>;
  
  /**
   * Changes the instance's health; publishes `updated`.
   */
  SetHealth: grpc.handleUnaryCall<_plexus_registry_v1_SetHealthRequest__Output, _plexus_registry_v1_SetHealthResponse>;
  
  /**
   * Changes from a revision; from 0 it starts with a snapshot of the current instances.
   */
  Watch: grpc.handleServerStreamingCall<_plexus_registry_v1_WatchRequest__Output, _plexus_registry_v1_WatchResponse>;
  
}

export interface RegistryDefinition extends grpc.ServiceDefinition {
  Deregister: MethodDefinition<_plexus_registry_v1_DeregisterRequest, _plexus_registry_v1_DeregisterResponse, _plexus_registry_v1_DeregisterRequest__Output, _plexus_registry_v1_DeregisterResponse__Output>
  Get: MethodDefinition<_plexus_registry_v1_GetRequest, _plexus_registry_v1_Instance, _plexus_registry_v1_GetRequest__Output, _plexus_registry_v1_Instance__Output>
  Heartbeat: MethodDefinition<_plexus_registry_v1_HeartbeatRequest, _plexus_registry_v1_HeartbeatResponse, _plexus_registry_v1_HeartbeatRequest__Output, _plexus_registry_v1_HeartbeatResponse__Output>
  HeartbeatStream: MethodDefinition<_plexus_registry_v1_HeartbeatStreamRequest, _plexus_registry_v1_HeartbeatStreamResponse, _plexus_registry_v1_HeartbeatStreamRequest__Output, _plexus_registry_v1_HeartbeatStreamResponse__Output>
  List: MethodDefinition<_plexus_registry_v1_ListRequest, _plexus_registry_v1_ListResponse, _plexus_registry_v1_ListRequest__Output, _plexus_registry_v1_ListResponse__Output>
  Register: MethodDefinition<_plexus_registry_v1_RegisterRequest, _plexus_registry_v1_RegisterResponse, _plexus_registry_v1_RegisterRequest__Output, _plexus_registry_v1_RegisterResponse__Output>
  SetHealth: MethodDefinition<_plexus_registry_v1_SetHealthRequest, _plexus_registry_v1_SetHealthResponse, _plexus_registry_v1_SetHealthRequest__Output, _plexus_registry_v1_SetHealthResponse__Output>
  Watch: MethodDefinition<_plexus_registry_v1_WatchRequest, _plexus_registry_v1_WatchResponse, _plexus_registry_v1_WatchRequest__Output, _plexus_registry_v1_WatchResponse__Output>
}
