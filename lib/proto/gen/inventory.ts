import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetItemRequest as _plexus_demo_v1_GetItemRequest, GetItemRequest__Output as _plexus_demo_v1_GetItemRequest__Output } from './plexus/demo/v1/GetItemRequest.js';
import type { InventoryClient as _plexus_demo_v1_InventoryClient, InventoryDefinition as _plexus_demo_v1_InventoryDefinition } from './plexus/demo/v1/Inventory.js';
import type { Item as _plexus_demo_v1_Item, Item__Output as _plexus_demo_v1_Item__Output } from './plexus/demo/v1/Item.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  plexus: {
    demo: {
      v1: {
        GetItemRequest: MessageTypeDefinition<_plexus_demo_v1_GetItemRequest, _plexus_demo_v1_GetItemRequest__Output>
        Inventory: SubtypeConstructor<typeof grpc.Client, _plexus_demo_v1_InventoryClient> & { service: _plexus_demo_v1_InventoryDefinition }
        Item: MessageTypeDefinition<_plexus_demo_v1_Item, _plexus_demo_v1_Item__Output>
      }
    }
  }
}

