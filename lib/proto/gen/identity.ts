import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CaCertificate as _plexus_identity_v1_CaCertificate, CaCertificate__Output as _plexus_identity_v1_CaCertificate__Output } from './plexus/identity/v1/CaCertificate.js';
import type { CaStatusRequest as _plexus_identity_v1_CaStatusRequest, CaStatusRequest__Output as _plexus_identity_v1_CaStatusRequest__Output } from './plexus/identity/v1/CaStatusRequest.js';
import type { CaStatusResponse as _plexus_identity_v1_CaStatusResponse, CaStatusResponse__Output as _plexus_identity_v1_CaStatusResponse__Output } from './plexus/identity/v1/CaStatusResponse.js';
import type { CertificateResponse as _plexus_identity_v1_CertificateResponse, CertificateResponse__Output as _plexus_identity_v1_CertificateResponse__Output } from './plexus/identity/v1/CertificateResponse.js';
import type { CreateJoinTokenRequest as _plexus_identity_v1_CreateJoinTokenRequest, CreateJoinTokenRequest__Output as _plexus_identity_v1_CreateJoinTokenRequest__Output } from './plexus/identity/v1/CreateJoinTokenRequest.js';
import type { CreateJoinTokenResponse as _plexus_identity_v1_CreateJoinTokenResponse, CreateJoinTokenResponse__Output as _plexus_identity_v1_CreateJoinTokenResponse__Output } from './plexus/identity/v1/CreateJoinTokenResponse.js';
import type { GetTrustBundleRequest as _plexus_identity_v1_GetTrustBundleRequest, GetTrustBundleRequest__Output as _plexus_identity_v1_GetTrustBundleRequest__Output } from './plexus/identity/v1/GetTrustBundleRequest.js';
import type { IdentityClient as _plexus_identity_v1_IdentityClient, IdentityDefinition as _plexus_identity_v1_IdentityDefinition } from './plexus/identity/v1/Identity.js';
import type { IssueCertificateRequest as _plexus_identity_v1_IssueCertificateRequest, IssueCertificateRequest__Output as _plexus_identity_v1_IssueCertificateRequest__Output } from './plexus/identity/v1/IssueCertificateRequest.js';
import type { RenewCertificateRequest as _plexus_identity_v1_RenewCertificateRequest, RenewCertificateRequest__Output as _plexus_identity_v1_RenewCertificateRequest__Output } from './plexus/identity/v1/RenewCertificateRequest.js';
import type { RevokeJoinTokenRequest as _plexus_identity_v1_RevokeJoinTokenRequest, RevokeJoinTokenRequest__Output as _plexus_identity_v1_RevokeJoinTokenRequest__Output } from './plexus/identity/v1/RevokeJoinTokenRequest.js';
import type { RevokeJoinTokenResponse as _plexus_identity_v1_RevokeJoinTokenResponse, RevokeJoinTokenResponse__Output as _plexus_identity_v1_RevokeJoinTokenResponse__Output } from './plexus/identity/v1/RevokeJoinTokenResponse.js';
import type { TrustBundle as _plexus_identity_v1_TrustBundle, TrustBundle__Output as _plexus_identity_v1_TrustBundle__Output } from './plexus/identity/v1/TrustBundle.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  plexus: {
    identity: {
      v1: {
        CaCertificate: MessageTypeDefinition<_plexus_identity_v1_CaCertificate, _plexus_identity_v1_CaCertificate__Output>
        CaStatusRequest: MessageTypeDefinition<_plexus_identity_v1_CaStatusRequest, _plexus_identity_v1_CaStatusRequest__Output>
        CaStatusResponse: MessageTypeDefinition<_plexus_identity_v1_CaStatusResponse, _plexus_identity_v1_CaStatusResponse__Output>
        CertificateResponse: MessageTypeDefinition<_plexus_identity_v1_CertificateResponse, _plexus_identity_v1_CertificateResponse__Output>
        CreateJoinTokenRequest: MessageTypeDefinition<_plexus_identity_v1_CreateJoinTokenRequest, _plexus_identity_v1_CreateJoinTokenRequest__Output>
        CreateJoinTokenResponse: MessageTypeDefinition<_plexus_identity_v1_CreateJoinTokenResponse, _plexus_identity_v1_CreateJoinTokenResponse__Output>
        GetTrustBundleRequest: MessageTypeDefinition<_plexus_identity_v1_GetTrustBundleRequest, _plexus_identity_v1_GetTrustBundleRequest__Output>
        Identity: SubtypeConstructor<typeof grpc.Client, _plexus_identity_v1_IdentityClient> & { service: _plexus_identity_v1_IdentityDefinition }
        IssueCertificateRequest: MessageTypeDefinition<_plexus_identity_v1_IssueCertificateRequest, _plexus_identity_v1_IssueCertificateRequest__Output>
        RenewCertificateRequest: MessageTypeDefinition<_plexus_identity_v1_RenewCertificateRequest, _plexus_identity_v1_RenewCertificateRequest__Output>
        RevokeJoinTokenRequest: MessageTypeDefinition<_plexus_identity_v1_RevokeJoinTokenRequest, _plexus_identity_v1_RevokeJoinTokenRequest__Output>
        RevokeJoinTokenResponse: MessageTypeDefinition<_plexus_identity_v1_RevokeJoinTokenResponse, _plexus_identity_v1_RevokeJoinTokenResponse__Output>
        TrustBundle: MessageTypeDefinition<_plexus_identity_v1_TrustBundle, _plexus_identity_v1_TrustBundle__Output>
      }
    }
  }
}

