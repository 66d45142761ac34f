import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AbsentProxy as _plexus_discovery_v1_AbsentProxy, AbsentProxy__Output as _plexus_discovery_v1_AbsentProxy__Output } from './plexus/discovery/v1/AbsentProxy.js';
import type { DeltaRequest as _plexus_discovery_v1_DeltaRequest, DeltaRequest__Output as _plexus_discovery_v1_DeltaRequest__Output } from './plexus/discovery/v1/DeltaRequest.js';
import type { DeltaResponse as _plexus_discovery_v1_DeltaResponse, DeltaResponse__Output as _plexus_discovery_v1_DeltaResponse__Output } from './plexus/discovery/v1/DeltaResponse.js';
import type { DiscoveryClient as _plexus_discovery_v1_DiscoveryClient, DiscoveryDefinition as _plexus_discovery_v1_DiscoveryDefinition } from './plexus/discovery/v1/Discovery.js';
import type { ErrorDetail as _plexus_discovery_v1_ErrorDetail, ErrorDetail__Output as _plexus_discovery_v1_ErrorDetail__Output } from './plexus/discovery/v1/ErrorDetail.js';
import type { InstanceTarget as _plexus_discovery_v1_InstanceTarget, InstanceTarget__Output as _plexus_discovery_v1_InstanceTarget__Output } from './plexus/discovery/v1/InstanceTarget.js';
import type { Nack as _plexus_discovery_v1_Nack, Nack__Output as _plexus_discovery_v1_Nack__Output } from './plexus/discovery/v1/Nack.js';
import type { Node as _plexus_discovery_v1_Node, Node__Output as _plexus_discovery_v1_Node__Output } from './plexus/discovery/v1/Node.js';
import type { PolicyTarget as _plexus_discovery_v1_PolicyTarget, PolicyTarget__Output as _plexus_discovery_v1_PolicyTarget__Output } from './plexus/discovery/v1/PolicyTarget.js';
import type { ProxyConfigRequest as _plexus_discovery_v1_ProxyConfigRequest, ProxyConfigRequest__Output as _plexus_discovery_v1_ProxyConfigRequest__Output } from './plexus/discovery/v1/ProxyConfigRequest.js';
import type { ProxyConfigResponse as _plexus_discovery_v1_ProxyConfigResponse, ProxyConfigResponse__Output as _plexus_discovery_v1_ProxyConfigResponse__Output } from './plexus/discovery/v1/ProxyConfigResponse.js';
import type { ProxyInfo as _plexus_discovery_v1_ProxyInfo, ProxyInfo__Output as _plexus_discovery_v1_ProxyInfo__Output } from './plexus/discovery/v1/ProxyInfo.js';
import type { ProxyNack as _plexus_discovery_v1_ProxyNack, ProxyNack__Output as _plexus_discovery_v1_ProxyNack__Output } from './plexus/discovery/v1/ProxyNack.js';
import type { ProxyResource as _plexus_discovery_v1_ProxyResource, ProxyResource__Output as _plexus_discovery_v1_ProxyResource__Output } from './plexus/discovery/v1/ProxyResource.js';
import type { ProxyStatusRequest as _plexus_discovery_v1_ProxyStatusRequest, ProxyStatusRequest__Output as _plexus_discovery_v1_ProxyStatusRequest__Output } from './plexus/discovery/v1/ProxyStatusRequest.js';
import type { ProxyStatusResponse as _plexus_discovery_v1_ProxyStatusResponse, ProxyStatusResponse__Output as _plexus_discovery_v1_ProxyStatusResponse__Output } from './plexus/discovery/v1/ProxyStatusResponse.js';
import type { Resource as _plexus_discovery_v1_Resource, Resource__Output as _plexus_discovery_v1_Resource__Output } from './plexus/discovery/v1/Resource.js';
import type { ResourceVersion as _plexus_discovery_v1_ResourceVersion, ResourceVersion__Output as _plexus_discovery_v1_ResourceVersion__Output } from './plexus/discovery/v1/ResourceVersion.js';
import type { RolloutProgress as _plexus_discovery_v1_RolloutProgress, RolloutProgress__Output as _plexus_discovery_v1_RolloutProgress__Output } from './plexus/discovery/v1/RolloutProgress.js';
import type { StatusClient as _plexus_discovery_v1_StatusClient, StatusDefinition as _plexus_discovery_v1_StatusDefinition } from './plexus/discovery/v1/Status.js';
import type { TypeStatus as _plexus_discovery_v1_TypeStatus, TypeStatus__Output as _plexus_discovery_v1_TypeStatus__Output } from './plexus/discovery/v1/TypeStatus.js';
import type { WaitForRolloutRequest as _plexus_discovery_v1_WaitForRolloutRequest, WaitForRolloutRequest__Output as _plexus_discovery_v1_WaitForRolloutRequest__Output } from './plexus/discovery/v1/WaitForRolloutRequest.js';

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
        AbsentProxy: MessageTypeDefinition<_plexus_discovery_v1_AbsentProxy, _plexus_discovery_v1_AbsentProxy__Output>
        DeltaRequest: MessageTypeDefinition<_plexus_discovery_v1_DeltaRequest, _plexus_discovery_v1_DeltaRequest__Output>
        DeltaResponse: MessageTypeDefinition<_plexus_discovery_v1_DeltaResponse, _plexus_discovery_v1_DeltaResponse__Output>
        Discovery: SubtypeConstructor<typeof grpc.Client, _plexus_discovery_v1_DiscoveryClient> & { service: _plexus_discovery_v1_DiscoveryDefinition }
        ErrorDetail: MessageTypeDefinition<_plexus_discovery_v1_ErrorDetail, _plexus_discovery_v1_ErrorDetail__Output>
        InstanceTarget: MessageTypeDefinition<_plexus_discovery_v1_InstanceTarget, _plexus_discovery_v1_InstanceTarget__Output>
        Nack: MessageTypeDefinition<_plexus_discovery_v1_Nack, _plexus_discovery_v1_Nack__Output>
        Node: MessageTypeDefinition<_plexus_discovery_v1_Node, _plexus_discovery_v1_Node__Output>
        PolicyTarget: MessageTypeDefinition<_plexus_discovery_v1_PolicyTarget, _plexus_discovery_v1_PolicyTarget__Output>
        ProxyConfigRequest: MessageTypeDefinition<_plexus_discovery_v1_ProxyConfigRequest, _plexus_discovery_v1_ProxyConfigRequest__Output>
        ProxyConfigResponse: MessageTypeDefinition<_plexus_discovery_v1_ProxyConfigResponse, _plexus_discovery_v1_ProxyConfigResponse__Output>
        ProxyInfo: MessageTypeDefinition<_plexus_discovery_v1_ProxyInfo, _plexus_discovery_v1_ProxyInfo__Output>
        ProxyNack: MessageTypeDefinition<_plexus_discovery_v1_ProxyNack, _plexus_discovery_v1_ProxyNack__Output>
        ProxyResource: MessageTypeDefinition<_plexus_discovery_v1_ProxyResource, _plexus_discovery_v1_ProxyResource__Output>
        ProxyStatusRequest: MessageTypeDefinition<_plexus_discovery_v1_ProxyStatusRequest, _plexus_discovery_v1_ProxyStatusRequest__Output>
        ProxyStatusResponse: MessageTypeDefinition<_plexus_discovery_v1_ProxyStatusResponse, _plexus_discovery_v1_ProxyStatusResponse__Output>
        Resource: MessageTypeDefinition<_plexus_discovery_v1_Resource, _plexus_discovery_v1_Resource__Output>
        ResourceVersion: MessageTypeDefinition<_plexus_discovery_v1_ResourceVersion, _plexus_discovery_v1_ResourceVersion__Output>
        RolloutProgress: MessageTypeDefinition<_plexus_discovery_v1_RolloutProgress, _plexus_discovery_v1_RolloutProgress__Output>
        Status: SubtypeConstructor<typeof grpc.Client, _plexus_discovery_v1_StatusClient> & { service: _plexus_discovery_v1_StatusDefinition }
        TypeStatus: MessageTypeDefinition<_plexus_discovery_v1_TypeStatus, _plexus_discovery_v1_TypeStatus__Output>
        WaitForRolloutRequest: MessageTypeDefinition<_plexus_discovery_v1_WaitForRolloutRequest, _plexus_discovery_v1_WaitForRolloutRequest__Output>
      }
    }
  }
}

