import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApplyRequest as _plexus_policy_v1_ApplyRequest, ApplyRequest__Output as _plexus_policy_v1_ApplyRequest__Output } from './plexus/policy/v1/ApplyRequest.js';
import type { ApplyResponse as _plexus_policy_v1_ApplyResponse, ApplyResponse__Output as _plexus_policy_v1_ApplyResponse__Output } from './plexus/policy/v1/ApplyResponse.js';
import type { DeleteRequest as _plexus_policy_v1_DeleteRequest, DeleteRequest__Output as _plexus_policy_v1_DeleteRequest__Output } from './plexus/policy/v1/DeleteRequest.js';
import type { DeleteResponse as _plexus_policy_v1_DeleteResponse, DeleteResponse__Output as _plexus_policy_v1_DeleteResponse__Output } from './plexus/policy/v1/DeleteResponse.js';
import type { GetRequest as _plexus_policy_v1_GetRequest, GetRequest__Output as _plexus_policy_v1_GetRequest__Output } from './plexus/policy/v1/GetRequest.js';
import type { GetResponse as _plexus_policy_v1_GetResponse, GetResponse__Output as _plexus_policy_v1_GetResponse__Output } from './plexus/policy/v1/GetResponse.js';
import type { HistoryEntry as _plexus_policy_v1_HistoryEntry, HistoryEntry__Output as _plexus_policy_v1_HistoryEntry__Output } from './plexus/policy/v1/HistoryEntry.js';
import type { HistoryRequest as _plexus_policy_v1_HistoryRequest, HistoryRequest__Output as _plexus_policy_v1_HistoryRequest__Output } from './plexus/policy/v1/HistoryRequest.js';
import type { HistoryResponse as _plexus_policy_v1_HistoryResponse, HistoryResponse__Output as _plexus_policy_v1_HistoryResponse__Output } from './plexus/policy/v1/HistoryResponse.js';
import type { ListRequest as _plexus_policy_v1_ListRequest, ListRequest__Output as _plexus_policy_v1_ListRequest__Output } from './plexus/policy/v1/ListRequest.js';
import type { ListResponse as _plexus_policy_v1_ListResponse, ListResponse__Output as _plexus_policy_v1_ListResponse__Output } from './plexus/policy/v1/ListResponse.js';
import type { PoliciesClient as _plexus_policy_v1_PoliciesClient, PoliciesDefinition as _plexus_policy_v1_PoliciesDefinition } from './plexus/policy/v1/Policies.js';
import type { PolicyObject as _plexus_policy_v1_PolicyObject, PolicyObject__Output as _plexus_policy_v1_PolicyObject__Output } from './plexus/policy/v1/PolicyObject.js';
import type { WatchEvent as _plexus_policy_v1_WatchEvent, WatchEvent__Output as _plexus_policy_v1_WatchEvent__Output } from './plexus/policy/v1/WatchEvent.js';
import type { WatchRequest as _plexus_policy_v1_WatchRequest, WatchRequest__Output as _plexus_policy_v1_WatchRequest__Output } from './plexus/policy/v1/WatchRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  plexus: {
    policy: {
      v1: {
        ApplyRequest: MessageTypeDefinition<_plexus_policy_v1_ApplyRequest, _plexus_policy_v1_ApplyRequest__Output>
        ApplyResponse: MessageTypeDefinition<_plexus_policy_v1_ApplyResponse, _plexus_policy_v1_ApplyResponse__Output>
        DeleteRequest: MessageTypeDefinition<_plexus_policy_v1_DeleteRequest, _plexus_policy_v1_DeleteRequest__Output>
        DeleteResponse: MessageTypeDefinition<_plexus_policy_v1_DeleteResponse, _plexus_policy_v1_DeleteResponse__Output>
        GetRequest: MessageTypeDefinition<_plexus_policy_v1_GetRequest, _plexus_policy_v1_GetRequest__Output>
        GetResponse: MessageTypeDefinition<_plexus_policy_v1_GetResponse, _plexus_policy_v1_GetResponse__Output>
        HistoryEntry: MessageTypeDefinition<_plexus_policy_v1_HistoryEntry, _plexus_policy_v1_HistoryEntry__Output>
        HistoryRequest: MessageTypeDefinition<_plexus_policy_v1_HistoryRequest, _plexus_policy_v1_HistoryRequest__Output>
        HistoryResponse: MessageTypeDefinition<_plexus_policy_v1_HistoryResponse, _plexus_policy_v1_HistoryResponse__Output>
        ListRequest: MessageTypeDefinition<_plexus_policy_v1_ListRequest, _plexus_policy_v1_ListRequest__Output>
        ListResponse: MessageTypeDefinition<_plexus_policy_v1_ListResponse, _plexus_policy_v1_ListResponse__Output>
        Policies: SubtypeConstructor<typeof grpc.Client, _plexus_policy_v1_PoliciesClient> & { service: _plexus_policy_v1_PoliciesDefinition }
        PolicyObject: MessageTypeDefinition<_plexus_policy_v1_PolicyObject, _plexus_policy_v1_PolicyObject__Output>
        WatchEvent: MessageTypeDefinition<_plexus_policy_v1_WatchEvent, _plexus_policy_v1_WatchEvent__Output>
        WatchRequest: MessageTypeDefinition<_plexus_policy_v1_WatchRequest, _plexus_policy_v1_WatchRequest__Output>
      }
    }
  }
}

