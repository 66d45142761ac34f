// Original file: proto/plexus/policy/v1/policy.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApplyRequest as _plexus_policy_v1_ApplyRequest, ApplyRequest__Output as _plexus_policy_v1_ApplyRequest__Output } from '../../../plexus/policy/v1/ApplyRequest.js';
import type { ApplyResponse as _plexus_policy_v1_ApplyResponse, ApplyResponse__Output as _plexus_policy_v1_ApplyResponse__Output } from '../../../plexus/policy/v1/ApplyResponse.js';
import type { DeleteRequest as _plexus_policy_v1_DeleteRequest, DeleteRequest__Output as _plexus_policy_v1_DeleteRequest__Output } from '../../../plexus/policy/v1/DeleteRequest.js';
import type { DeleteResponse as _plexus_policy_v1_DeleteResponse, DeleteResponse__Output as _plexus_policy_v1_DeleteResponse__Output } from '../../../plexus/policy/v1/DeleteResponse.js';
import type { GetRequest as _plexus_policy_v1_GetRequest, GetRequest__Output as _plexus_policy_v1_GetRequest__Output } from '../../../plexus/policy/v1/GetRequest.js';
import type { GetResponse as _plexus_policy_v1_GetResponse, GetResponse__Output as _plexus_policy_v1_GetResponse__Output } from '../../../plexus/policy/v1/GetResponse.js';
import type { HistoryRequest as _plexus_policy_v1_HistoryRequest, HistoryRequest__Output as _plexus_policy_v1_HistoryRequest__Output } from '../../../plexus/policy/v1/HistoryRequest.js';
import type { HistoryResponse as _plexus_policy_v1_HistoryResponse, HistoryResponse__Output as _plexus_policy_v1_HistoryResponse__Output } from '../../../plexus/policy/v1/HistoryResponse.js';
import type { ListRequest as _plexus_policy_v1_ListRequest, ListRequest__Output as _plexus_policy_v1_ListRequest__Output } from '../../../plexus/policy/v1/ListRequest.js';
import type { ListResponse as _plexus_policy_v1_ListResponse, ListResponse__Output as _plexus_policy_v1_ListResponse__Output } from '../../../plexus/policy/v1/ListResponse.js';
import type { WatchEvent as _plexus_policy_v1_WatchEvent, WatchEvent__Output as _plexus_policy_v1_WatchEvent__Output } from '../../../plexus/policy/v1/WatchEvent.js';
import type { WatchRequest as _plexus_policy_v1_WatchRequest, WatchRequest__Output as _plexus_policy_v1_WatchRequest__Output } from '../../../plexus/policy/v1/WatchRequest.js';

export interface PoliciesClient extends grpc.Client {
  /**
   * Create or update one policy. Nothing is written when validation fails, when
   * expected_revision does not match, or when the normalised policy equals the stored one
   * (outcome UNCHANGED). A write publishes `policy.applied`.
   */
  Apply(argument: _plexus_policy_v1_ApplyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  Apply(argument: _plexus_policy_v1_ApplyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  Apply(argument: _plexus_policy_v1_ApplyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  Apply(argument: _plexus_policy_v1_ApplyRequest, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Create or update one policy. Nothing is written when validation fails, when
   * expected_revision does not match, or when the normalised policy equals the stored one
   * (outcome UNCHANGED). A write publishes `policy.applied`.
   */
  apply(argument: _plexus_policy_v1_ApplyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  apply(argument: _plexus_policy_v1_ApplyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  apply(argument: _plexus_policy_v1_ApplyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  apply(argument: _plexus_policy_v1_ApplyRequest, callback: grpc.requestCallback<_plexus_policy_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Deletes one policy and publishes `policy.deleted`.
   */
  Delete(argument: _plexus_policy_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _plexus_policy_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _plexus_policy_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _plexus_policy_v1_DeleteRequest, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes one policy and publishes `policy.deleted`.
   */
  delete(argument: _plexus_policy_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _plexus_policy_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _plexus_policy_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _plexus_policy_v1_DeleteRequest, callback: grpc.requestCallback<_plexus_policy_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _plexus_policy_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _plexus_policy_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _plexus_policy_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _plexus_policy_v1_GetRequest, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_policy_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_policy_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_policy_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _plexus_policy_v1_GetRequest, callback: grpc.requestCallback<_plexus_policy_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Recent changes of one policy, newest first, with who made them and when.
   */
  History(argument: _plexus_policy_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  History(argument: _plexus_policy_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  History(argument: _plexus_policy_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  History(argument: _plexus_policy_v1_HistoryRequest, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Recent changes of one policy, newest first, with who made them and when.
   */
  history(argument: _plexus_policy_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  history(argument: _plexus_policy_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  history(argument: _plexus_policy_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  history(argument: _plexus_policy_v1_HistoryRequest, callback: grpc.requestCallback<_plexus_policy_v1_HistoryResponse__Output>): grpc.ClientUnaryCall;
  
  List(argument: _plexus_policy_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _plexus_policy_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _plexus_policy_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _plexus_policy_v1_ListRequest, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _plexus_policy_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _plexus_policy_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _plexus_policy_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _plexus_policy_v1_ListRequest, callback: grpc.requestCallback<_plexus_policy_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes to policies from a revision on (see WatchRequest).
   */
  Watch(argument: _plexus_policy_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_policy_v1_WatchEvent__Output>;
  Watch(argument: _plexus_policy_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_policy_v1_WatchEvent__Output>;
  /**
   * Changes to policies from a revision on (see WatchRequest).
   */
  watch(argument: _plexus_policy_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_policy_v1_WatchEvent__Output>;
  watch(argument: _plexus_policy_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_policy_v1_WatchEvent__Output>;
  
}

export interface PoliciesHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Create or update one policy. Nothing is written when validation fails, when
   * expected_revision does not match, or when the normalised policy equals the stored one
   * (outcome UNCHANGED). A write publishes `policy.applied`.
   */
  Apply: grpc.handleUnaryCall<_plexus_policy_v1_ApplyRequest__Output, _plexus_policy_v1_ApplyResponse>;
  
  /**
   * Deletes one policy and publishes `policy.deleted`.
   */
  Delete: grpc.handleUnaryCall<_plexus_policy_v1_DeleteRequest__Output, _plexus_policy_v1_DeleteResponse>;
  
  Get: grpc.handleUnaryCall<_plexus_policy_v1_GetRequest__Output, _plexus_policy_v1_GetResponse>;
  
  /**
   * Recent changes of one policy, newest first, with who made them and when.
   */
  History: grpc.handleUnaryCall<_plexus_policy_v1_HistoryRequest__Output, _plexus_policy_v1_HistoryResponse>;
  
  List: grpc.handleUnaryCall<_plexus_policy_v1_ListRequest__Output, _plexus_policy_v1_ListResponse>;
  
  /**
   * Changes to policies from a revision on (see WatchRequest).
   */
  Watch: grpc.handleServerStreamingCall<_plexus_policy_v1_WatchRequest__Output, _plexus_policy_v1_WatchEvent>;
  
}

export interface PoliciesDefinition extends grpc.ServiceDefinition {
  Apply: MethodDefinition<_plexus_policy_v1_ApplyRequest, _plexus_policy_v1_ApplyResponse, _plexus_policy_v1_ApplyRequest__Output, _plexus_policy_v1_ApplyResponse__Output>
  Delete: MethodDefinition<_plexus_policy_v1_DeleteRequest, _plexus_policy_v1_DeleteResponse, _plexus_policy_v1_DeleteRequest__Output, _plexus_policy_v1_DeleteResponse__Output>
  Get: MethodDefinition<_plexus_policy_v1_GetRequest, _plexus_policy_v1_GetResponse, _plexus_policy_v1_GetRequest__Output, _plexus_policy_v1_GetResponse__Output>
  History: MethodDefinition<_plexus_policy_v1_HistoryRequest, _plexus_policy_v1_HistoryResponse, _plexus_policy_v1_HistoryRequest__Output, _plexus_policy_v1_HistoryResponse__Output>
  List: MethodDefinition<_plexus_policy_v1_ListRequest, _plexus_policy_v1_ListResponse, _plexus_policy_v1_ListRequest__Output, _plexus_policy_v1_ListResponse__Output>
  Watch: MethodDefinition<_plexus_policy_v1_WatchRequest, _plexus_policy_v1_WatchEvent, _plexus_policy_v1_WatchRequest__Output, _plexus_policy_v1_WatchEvent__Output>
}
