// Original file: proto/plexus/discovery/v1/discovery.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeltaRequest as _plexus_discovery_v1_DeltaRequest, DeltaRequest__Output as _plexus_discovery_v1_DeltaRequest__Output } from '../../../plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse as _plexus_discovery_v1_DeltaResponse, DeltaResponse__Output as _plexus_discovery_v1_DeltaResponse__Output } from '../../../plexus/discovery/v1/DeltaResponse.js';

export interface DiscoveryClient extends grpc.Client {
  /**
   * One stream per proxy. The first request must carry `node`.
   */
  DeltaResources(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_discovery_v1_DeltaRequest, _plexus_discovery_v1_DeltaResponse__Output>;
  DeltaResources(options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_discovery_v1_DeltaRequest, _plexus_discovery_v1_DeltaResponse__Output>;
  /**
   * One stream per proxy. The first request must carry `node`.
   */
  deltaResources(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_discovery_v1_DeltaRequest, _plexus_discovery_v1_DeltaResponse__Output>;
  deltaResources(options?: grpc.CallOptions): grpc.ClientDuplexStream<_plexus_discovery_v1_DeltaRequest, _plexus_discovery_v1_DeltaResponse__Output>;
  
}

export interface DiscoveryHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One stream per proxy. The first request must carry `node`.
   */
  DeltaResources: grpc.handleBidiStreamingCall<_plexus_discovery_v1_DeltaRequest__Output, _plexus_discovery_v1_DeltaResponse>;
  
}

export interface DiscoveryDefinition extends grpc.ServiceDefinition {
  DeltaResources: MethodDefinition<_plexus_discovery_v1_DeltaRequest, _plexus_discovery_v1_DeltaResponse, _plexus_discovery_v1_DeltaRequest__Output, _plexus_discovery_v1_DeltaResponse__Output>
}
