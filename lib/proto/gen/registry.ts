import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { DeregisterRequest as _plexus_registry_v1_DeregisterRequest, DeregisterRequest__Output as _plexus_registry_v1_DeregisterRequest__Output } from './plexus/registry/v1/DeregisterRequest.js';
import type { DeregisterResponse as _plexus_registry_v1_DeregisterResponse, DeregisterResponse__Output as _plexus_registry_v1_DeregisterResponse__Output } from './plexus/registry/v1/DeregisterResponse.js';
import type { GetRequest as _plexus_registry_v1_GetRequest, GetRequest__Output as _plexus_registry_v1_GetRequest__Output } from './plexus/registry/v1/GetRequest.js';
import type { HeartbeatRequest as _plexus_registry_v1_HeartbeatRequest, HeartbeatRequest__Output as _plexus_registry_v1_HeartbeatRequest__Output } from './plexus/registry/v1/HeartbeatRequest.js';
import type { HeartbeatResponse as _plexus_registry_v1_HeartbeatResponse, HeartbeatResponse__Output as _plexus_registry_v1_HeartbeatResponse__Output } from './plexus/registry/v1/HeartbeatResponse.js';
import type { HeartbeatResult as _plexus_registry_v1_HeartbeatResult, HeartbeatResult__Output as _plexus_registry_v1_HeartbeatResult__Output } from './plexus/registry/v1/HeartbeatResult.js';
import type { HeartbeatStreamRequest as _plexus_registry_v1_HeartbeatStreamRequest, HeartbeatStreamRequest__Output as _plexus_registry_v1_HeartbeatStreamRequest__Output } from './plexus/registry/v1/HeartbeatStreamRequest.js';
import type { HeartbeatStreamResponse as _plexus_registry_v1_HeartbeatStreamResponse, HeartbeatStreamResponse__Output as _plexus_registry_v1_HeartbeatStreamResponse__Output } from './plexus/registry/v1/HeartbeatStreamResponse.js';
import type { Instance as _plexus_registry_v1_Instance, Instance__Output as _plexus_registry_v1_Instance__Output } from './plexus/registry/v1/Instance.js';
import type { InstanceChange as _plexus_registry_v1_InstanceChange, InstanceChange__Output as _plexus_registry_v1_InstanceChange__Output } from './plexus/registry/v1/InstanceChange.js';
import type { InstanceRef as _plexus_registry_v1_InstanceRef, InstanceRef__Output as _plexus_registry_v1_InstanceRef__Output } from './plexus/registry/v1/InstanceRef.js';
import type { ListRequest as _plexus_registry_v1_ListRequest, ListRequest__Output as _plexus_registry_v1_ListRequest__Output } from './plexus/registry/v1/ListRequest.js';
import type { ListResponse as _plexus_registry_v1_ListResponse, ListResponse__Output as _plexus_registry_v1_ListResponse__Output } from './plexus/registry/v1/ListResponse.js';
import type { RegisterRequest as _plexus_registry_v1_RegisterRequest, RegisterRequest__Output as _plexus_registry_v1_RegisterRequest__Output } from './plexus/registry/v1/RegisterRequest.js';
import type { RegisterResponse as _plexus_registry_v1_RegisterResponse, RegisterResponse__Output as _plexus_registry_v1_RegisterResponse__Output } from './plexus/registry/v1/RegisterResponse.js';
import type { RegistryClient as _plexus_registry_v1_RegistryClient, RegistryDefinition as _plexus_registry_v1_RegistryDefinition } from './plexus/registry/v1/Registry.js';
import type { SetHealthRequest as _plexus_registry_v1_SetHealthRequest, SetHealthRequest__Output as _plexus_registry_v1_SetHealthRequest__Output } from './plexus/registry/v1/SetHealthRequest.js';
import type { SetHealthResponse as _plexus_registry_v1_SetHealthResponse, SetHealthResponse__Output as _plexus_registry_v1_SetHealthResponse__Output } from './plexus/registry/v1/SetHealthResponse.js';
import type { WatchRequest as _plexus_registry_v1_WatchRequest, WatchRequest__Output as _plexus_registry_v1_WatchRequest__Output } from './plexus/registry/v1/WatchRequest.js';
import type { WatchResponse as _plexus_registry_v1_WatchResponse, WatchResponse__Output as _plexus_registry_v1_WatchResponse__Output } from './plexus/registry/v1/WatchResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  plexus: {
    registry: {
      v1: {
        ChangeType: EnumTypeDefinition
        DeregisterRequest: MessageTypeDefinition<_plexus_registry_v1_DeregisterRequest, _plexus_registry_v1_DeregisterRequest__Output>
        DeregisterResponse: MessageTypeDefinition<_plexus_registry_v1_DeregisterResponse, _plexus_registry_v1_DeregisterResponse__Output>
        GetRequest: MessageTypeDefinition<_plexus_registry_v1_GetRequest, _plexus_registry_v1_GetRequest__Output>
        Health: EnumTypeDefinition
        HeartbeatRequest: MessageTypeDefinition<_plexus_registry_v1_HeartbeatRequest, _plexus_registry_v1_HeartbeatRequest__Output>
        HeartbeatResponse: MessageTypeDefinition<_plexus_registry_v1_HeartbeatResponse, _plexus_registry_v1_HeartbeatResponse__Output>
        HeartbeatResult: MessageTypeDefinition<_plexus_registry_v1_HeartbeatResult, _plexus_registry_v1_HeartbeatResult__Output>
        HeartbeatStreamRequest: MessageTypeDefinition<_plexus_registry_v1_HeartbeatStreamRequest, _plexus_registry_v1_HeartbeatStreamRequest__Output>
        HeartbeatStreamResponse: MessageTypeDefinition<_plexus_registry_v1_HeartbeatStreamResponse, _plexus_registry_v1_HeartbeatStreamResponse__Output>
        Instance: MessageTypeDefinition<_plexus_registry_v1_Instance, _plexus_registry_v1_Instance__Output>
        InstanceChange: MessageTypeDefinition<_plexus_registry_v1_InstanceChange, _plexus_registry_v1_InstanceChange__Output>
        InstanceRef: MessageTypeDefinition<_plexus_registry_v1_InstanceRef, _plexus_registry_v1_InstanceRef__Output>
        ListRequest: MessageTypeDefinition<_plexus_registry_v1_ListRequest, _plexus_registry_v1_ListRequest__Output>
        ListResponse: MessageTypeDefinition<_plexus_registry_v1_ListResponse, _plexus_registry_v1_ListResponse__Output>
        Protocol: EnumTypeDefinition
        RegisterRequest: MessageTypeDefinition<_plexus_registry_v1_RegisterRequest, _plexus_registry_v1_RegisterRequest__Output>
        RegisterResponse: MessageTypeDefinition<_plexus_registry_v1_RegisterResponse, _plexus_registry_v1_RegisterResponse__Output>
        Registry: SubtypeConstructor<typeof grpc.Client, _plexus_registry_v1_RegistryClient> & { service: _plexus_registry_v1_RegistryDefinition }
        RemovalReason: EnumTypeDefinition
        SetHealthRequest: MessageTypeDefinition<_plexus_registry_v1_SetHealthRequest, _plexus_registry_v1_SetHealthRequest__Output>
        SetHealthResponse: MessageTypeDefinition<_plexus_registry_v1_SetHealthResponse, _plexus_registry_v1_SetHealthResponse__Output>
        WatchRequest: MessageTypeDefinition<_plexus_registry_v1_WatchRequest, _plexus_registry_v1_WatchRequest__Output>
        WatchResponse: MessageTypeDefinition<_plexus_registry_v1_WatchResponse, _plexus_registry_v1_WatchResponse__Output>
      }
    }
  }
}

