// Original file: proto/plexus/identity/v1/identity.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CaStatusRequest as _plexus_identity_v1_CaStatusRequest, CaStatusRequest__Output as _plexus_identity_v1_CaStatusRequest__Output } from '../../../plexus/identity/v1/CaStatusRequest.js';
import type { CaStatusResponse as _plexus_identity_v1_CaStatusResponse, CaStatusResponse__Output as _plexus_identity_v1_CaStatusResponse__Output } from '../../../plexus/identity/v1/CaStatusResponse.js';
import type { CertificateResponse as _plexus_identity_v1_CertificateResponse, CertificateResponse__Output as _plexus_identity_v1_CertificateResponse__Output } from '../../../plexus/identity/v1/CertificateResponse.js';
import type { CreateJoinTokenRequest as _plexus_identity_v1_CreateJoinTokenRequest, CreateJoinTokenRequest__Output as _plexus_identity_v1_CreateJoinTokenRequest__Output } from '../../../plexus/identity/v1/CreateJoinTokenRequest.js';
import type { CreateJoinTokenResponse as _plexus_identity_v1_CreateJoinTokenResponse, CreateJoinTokenResponse__Output as _plexus_identity_v1_CreateJoinTokenResponse__Output } from '../../../plexus/identity/v1/CreateJoinTokenResponse.js';
import type { GetTrustBundleRequest as _plexus_identity_v1_GetTrustBundleRequest, GetTrustBundleRequest__Output as _plexus_identity_v1_GetTrustBundleRequest__Output } from '../../../plexus/identity/v1/GetTrustBundleRequest.js';
import type { IssueCertificateRequest as _plexus_identity_v1_IssueCertificateRequest, IssueCertificateRequest__Output as _plexus_identity_v1_IssueCertificateRequest__Output } from '../../../plexus/identity/v1/IssueCertificateRequest.js';
import type { RenewCertificateRequest as _plexus_identity_v1_RenewCertificateRequest, RenewCertificateRequest__Output as _plexus_identity_v1_RenewCertificateRequest__Output } from '../../../plexus/identity/v1/RenewCertificateRequest.js';
import type { RevokeJoinTokenRequest as _plexus_identity_v1_RevokeJoinTokenRequest, RevokeJoinTokenRequest__Output as _plexus_identity_v1_RevokeJoinTokenRequest__Output } from '../../../plexus/identity/v1/RevokeJoinTokenRequest.js';
import type { RevokeJoinTokenResponse as _plexus_identity_v1_RevokeJoinTokenResponse, RevokeJoinTokenResponse__Output as _plexus_identity_v1_RevokeJoinTokenResponse__Output } from '../../../plexus/identity/v1/RevokeJoinTokenResponse.js';
import type { TrustBundle as _plexus_identity_v1_TrustBundle, TrustBundle__Output as _plexus_identity_v1_TrustBundle__Output } from '../../../plexus/identity/v1/TrustBundle.js';

export interface IdentityClient extends grpc.Client {
  /**
   * Operator (viewer): CA certificates and expiries.
   */
  CaStatus(argument: _plexus_identity_v1_CaStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  CaStatus(argument: _plexus_identity_v1_CaStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  CaStatus(argument: _plexus_identity_v1_CaStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  CaStatus(argument: _plexus_identity_v1_CaStatusRequest, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Operator (viewer): CA certificates and expiries.
   */
  caStatus(argument: _plexus_identity_v1_CaStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  caStatus(argument: _plexus_identity_v1_CaStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  caStatus(argument: _plexus_identity_v1_CaStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  caStatus(argument: _plexus_identity_v1_CaStatusRequest, callback: grpc.requestCallback<_plexus_identity_v1_CaStatusResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Operator (admin): a join token for one namespace/service, used once per workload to get
   * its first certificate.
   */
  CreateJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Operator (admin): a join token for one namespace/service, used once per workload to get
   * its first certificate.
   */
  createJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  createJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  createJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  createJoinToken(argument: _plexus_identity_v1_CreateJoinTokenRequest, callback: grpc.requestCallback<_plexus_identity_v1_CreateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Anyone: the roots (and intermediates) to verify mesh certificates with.
   */
  GetTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  GetTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  GetTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  GetTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  /**
   * Anyone: the roots (and intermediates) to verify mesh certificates with.
   */
  getTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  getTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  getTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  getTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, callback: grpc.requestCallback<_plexus_identity_v1_TrustBundle__Output>): grpc.ClientUnaryCall;
  
  /**
   * Workload: first certificate, authorised by a join token.
   */
  IssueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  IssueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  IssueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  IssueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Workload: first certificate, authorised by a join token.
   */
  issueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  issueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  issueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  issueCertificate(argument: _plexus_identity_v1_IssueCertificateRequest, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Workload: a new certificate for the same SPIFFE ID, authorised by the TLS client
   * certificate the caller presents (its current, still valid certificate).
   */
  RenewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  RenewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  RenewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  RenewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Workload: a new certificate for the same SPIFFE ID, authorised by the TLS client
   * certificate the caller presents (its current, still valid certificate).
   */
  renewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  renewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  renewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  renewCertificate(argument: _plexus_identity_v1_RenewCertificateRequest, callback: grpc.requestCallback<_plexus_identity_v1_CertificateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Operator (admin): refuse a join token mesh-wide from now on (idempotent).
   */
  RevokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Operator (admin): refuse a join token mesh-wide from now on (idempotent).
   */
  revokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeJoinToken(argument: _plexus_identity_v1_RevokeJoinTokenRequest, callback: grpc.requestCallback<_plexus_identity_v1_RevokeJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Anyone: the current bundle at once, then every change.
   */
  WatchTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_identity_v1_TrustBundle__Output>;
  WatchTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_identity_v1_TrustBundle__Output>;
  /**
   * Anyone: the current bundle at once, then every change.
   */
  watchTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_identity_v1_TrustBundle__Output>;
  watchTrustBundle(argument: _plexus_identity_v1_GetTrustBundleRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_plexus_identity_v1_TrustBundle__Output>;
  
}

export interface IdentityHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Operator (viewer): CA certificates and expiries.
   */
  CaStatus: grpc.handleUnaryCall<_plexus_identity_v1_CaStatusRequest__Output, _plexus_identity_v1_CaStatusResponse>;
  
  /**
   * Operator (admin): a join token for one namespace/service, used once per workload to get
   * its first certificate.
   */
  CreateJoinToken: grpc.handleUnaryCall<_plexus_identity_v1_CreateJoinTokenRequest__Output, _plexus_identity_v1_CreateJoinTokenResponse>;
  
  /**
   * Anyone: the roots (and intermediates) to verify mesh certificates with.
   */
  GetTrustBundle: grpc.handleUnaryCall<_plexus_identity_v1_GetTrustBundleRequest__Output, _plexus_identity_v1_TrustBundle>;
  
  /**
   * Workload: first certificate, authorised by a join token.
   */
  IssueCertificate: grpc.handleUnaryCall<_plexus_identity_v1_IssueCertificateRequest__Output, _plexus_identity_v1_CertificateResponse>;
  
  /**
   * Workload: a new certificate for the same SPIFFE ID, authorised by the TLS client
   * certificate the caller presents (its current, still valid certificate).
   */
  RenewCertificate: grpc.handleUnaryCall<_plexus_identity_v1_RenewCertificateRequest__Output, _plexus_identity_v1_CertificateResponse>;
  
  /**
   * Operator (admin): refuse a join token mesh-wide from now on (idempotent).
   */
  RevokeJoinToken: grpc.handleUnaryCall<_plexus_identity_v1_RevokeJoinTokenRequest__Output, _plexus_identity_v1_RevokeJoinTokenResponse>;
  
  /**
   * Anyone: the current bundle at once, then every change.
   */
  WatchTrustBundle: grpc.handleServerStreamingCall<_plexus_identity_v1_GetTrustBundleRequest__Output, _plexus_identity_v1_TrustBundle>;
  
}

export interface IdentityDefinition extends grpc.ServiceDefinition {
  CaStatus: MethodDefinition<_plexus_identity_v1_CaStatusRequest, _plexus_identity_v1_CaStatusResponse, _plexus_identity_v1_CaStatusRequest__Output, _plexus_identity_v1_CaStatusResponse__Output>
  CreateJoinToken: MethodDefinition<_plexus_identity_v1_CreateJoinTokenRequest, _plexus_identity_v1_CreateJoinTokenResponse, _plexus_identity_v1_CreateJoinTokenRequest__Output, _plexus_identity_v1_CreateJoinTokenResponse__Output>
  GetTrustBundle: MethodDefinition<_plexus_identity_v1_GetTrustBundleRequest, _plexus_identity_v1_TrustBundle, _plexus_identity_v1_GetTrustBundleRequest__Output, _plexus_identity_v1_TrustBundle__Output>
  IssueCertificate: MethodDefinition<_plexus_identity_v1_IssueCertificateRequest, _plexus_identity_v1_CertificateResponse, _plexus_identity_v1_IssueCertificateRequest__Output, _plexus_identity_v1_CertificateResponse__Output>
  RenewCertificate: MethodDefinition<_plexus_identity_v1_RenewCertificateRequest, _plexus_identity_v1_CertificateResponse, _plexus_identity_v1_RenewCertificateRequest__Output, _plexus_identity_v1_CertificateResponse__Output>
  RevokeJoinToken: MethodDefinition<_plexus_identity_v1_RevokeJoinTokenRequest, _plexus_identity_v1_RevokeJoinTokenResponse, _plexus_identity_v1_RevokeJoinTokenRequest__Output, _plexus_identity_v1_RevokeJoinTokenResponse__Output>
  WatchTrustBundle: MethodDefinition<_plexus_identity_v1_GetTrustBundleRequest, _plexus_identity_v1_TrustBundle, _plexus_identity_v1_GetTrustBundleRequest__Output, _plexus_identity_v1_TrustBundle__Output>
}
