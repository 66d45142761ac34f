// Original file: proto/plexus/demo/v1/inventory.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetItemRequest as _plexus_demo_v1_GetItemRequest, GetItemRequest__Output as _plexus_demo_v1_GetItemRequest__Output } from '../../../plexus/demo/v1/GetItemRequest.js';
import type { Item as _plexus_demo_v1_Item, Item__Output as _plexus_demo_v1_Item__Output } from '../../../plexus/demo/v1/Item.js';

export interface InventoryClient extends grpc.Client {
  /**
   * Which instance and version answered, and the stock of one item.
   */
  GetItem(argument: _plexus_demo_v1_GetItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  GetItem(argument: _plexus_demo_v1_GetItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  GetItem(argument: _plexus_demo_v1_GetItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  GetItem(argument: _plexus_demo_v1_GetItemRequest, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  /**
   * Which instance and version answered, and the stock of one item.
   */
  getItem(argument: _plexus_demo_v1_GetItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  getItem(argument: _plexus_demo_v1_GetItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  getItem(argument: _plexus_demo_v1_GetItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  getItem(argument: _plexus_demo_v1_GetItemRequest, callback: grpc.requestCallback<_plexus_demo_v1_Item__Output>): grpc.ClientUnaryCall;
  
}

export interface InventoryHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Which instance and version answered, and the stock of one item.
   */
  GetItem: grpc.handleUnaryCall<_plexus_demo_v1_GetItemRequest__Output, _plexus_demo_v1_Item>;
  
}

export interface InventoryDefinition extends grpc.ServiceDefinition {
  GetItem: MethodDefinition<_plexus_demo_v1_GetItemRequest, _plexus_demo_v1_Item, _plexus_demo_v1_GetItemRequest__Output, _plexus_demo_v1_Item__Output>
}
