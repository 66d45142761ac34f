import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { FederationClient as _plexus_federation_v1_FederationClient, FederationDefinition as _plexus_federation_v1_FederationDefinition } from './plexus/federation/v1/Federation.js';
import type { ImportedService as _plexus_federation_v1_ImportedService, ImportedService__Output as _plexus_federation_v1_ImportedService__Output } from './plexus/federation/v1/ImportedService.js';
import type { ListImportsRequest as _plexus_federation_v1_ListImportsRequest, ListImportsRequest__Output as _plexus_federation_v1_ListImportsRequest__Output } from './plexus/federation/v1/ListImportsRequest.js';
import type { ListImportsResponse as _plexus_federation_v1_ListImportsResponse, ListImportsResponse__Output as _plexus_federation_v1_ListImportsResponse__Output } from './plexus/federation/v1/ListImportsResponse.js';
import type { PeerImports as _plexus_federation_v1_PeerImports, PeerImports__Output as _plexus_federation_v1_PeerImports__Output } from './plexus/federation/v1/PeerImports.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  plexus: {
    federation: {
      v1: {
        Federation: SubtypeConstructor<typeof grpc.Client, _plexus_federation_v1_FederationClient> & { service: _plexus_federation_v1_FederationDefinition }
        ImportedService: MessageTypeDefinition<_plexus_federation_v1_ImportedService, _plexus_federation_v1_ImportedService__Output>
        ListImportsRequest: MessageTypeDefinition<_plexus_federation_v1_ListImportsRequest, _plexus_federation_v1_ListImportsRequest__Output>
        ListImportsResponse: MessageTypeDefinition<_plexus_federation_v1_ListImportsResponse, _plexus_federation_v1_ListImportsResponse__Output>
        PeerImports: MessageTypeDefinition<_plexus_federation_v1_PeerImports, _plexus_federation_v1_PeerImports__Output>
      }
    }
  }
}

