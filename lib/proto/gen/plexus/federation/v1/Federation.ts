// Original file: proto/plexus/federation/v1/federation.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListImportsRequest as _plexus_federation_v1_ListImportsRequest, ListImportsRequest__Output as _plexus_federation_v1_ListImportsRequest__Output } from '../../../plexus/federation/v1/ListImportsRequest.js';
import type { ListImportsResponse as _plexus_federation_v1_ListImportsResponse, ListImportsResponse__Output as _plexus_federation_v1_ListImportsResponse__Output } from '../../../plexus/federation/v1/ListImportsResponse.js';

export interface FederationClient extends grpc.Client {
  ListImports(argument: _plexus_federation_v1_ListImportsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  ListImports(argument: _plexus_federation_v1_ListImportsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  ListImports(argument: _plexus_federation_v1_ListImportsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  ListImports(argument: _plexus_federation_v1_ListImportsRequest, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  listImports(argument: _plexus_federation_v1_ListImportsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  listImports(argument: _plexus_federation_v1_ListImportsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  listImports(argument: _plexus_federation_v1_ListImportsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  listImports(argument: _plexus_federation_v1_ListImportsRequest, callback: grpc.requestCallback<_plexus_federation_v1_ListImportsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface FederationHandlers extends grpc.UntypedServiceImplementation {
  ListImports: grpc.handleUnaryCall<_plexus_federation_v1_ListImportsRequest__Output, _plexus_federation_v1_ListImportsResponse>;
  
}

export interface FederationDefinition extends grpc.ServiceDefinition {
  ListImports: MethodDefinition<_plexus_federation_v1_ListImportsRequest, _plexus_federation_v1_ListImportsResponse, _plexus_federation_v1_ListImportsRequest__Output, _plexus_federation_v1_ListImportsResponse__Output>
}
