import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { DeltaRequest as _plexus_discovery_v1_DeltaRequest, DeltaRequest__Output as _plexus_discovery_v1_DeltaRequest__Output } from './plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse as _plexus_discovery_v1_DeltaResponse, DeltaResponse__Output as _plexus_discovery_v1_DeltaResponse__Output } from './plexus/discovery/v1/DeltaResponse.js';
import type { DiscoveryClient as _plexus_discovery_v1_DiscoveryClient, DiscoveryDefinition as _plexus_discovery_v1_DiscoveryDefinition } from './plexus/discovery/v1/Discovery.js';
import type { ErrorDetail as _plexus_discovery_v1_ErrorDetail, ErrorDetail__Output as _plexus_discovery_v1_ErrorDetail__Output } from './plexus/discovery/v1/ErrorDetail.js';
import type { Node as _plexus_discovery_v1_Node, Node__Output as _plexus_discovery_v1_Node__Output } from './plexus/discovery/v1/Node.js';
import type { Resource as _plexus_discovery_v1_Resource, Resource__Output as _plexus_discovery_v1_Resource__Output } from './plexus/discovery/v1/Resource.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  plexus: {
    discovery: {
      v1: {
        DeltaRequest: MessageTypeDefinition<_plexus_discovery_v1_DeltaRequest, _plexus_discovery_v1_DeltaRequest__Output>
        DeltaResponse: MessageTypeDefinition<_plexus_discovery_v1_DeltaResponse, _plexus_discovery_v1_DeltaResponse__Output>
        Discovery: SubtypeConstructor<typeof grpc.Client, _plexus_discovery_v1_DiscoveryClient> & { service: _plexus_discovery_v1_DiscoveryDefinition }
        ErrorDetail: MessageTypeDefinition<_plexus_discovery_v1_ErrorDetail, _plexus_discovery_v1_ErrorDetail__Output>
        Node: MessageTypeDefinition<_plexus_discovery_v1_Node, _plexus_discovery_v1_Node__Output>
        Resource: MessageTypeDefinition<_plexus_discovery_v1_Resource, _plexus_discovery_v1_Resource__Output>
      }
    }
  }
}

