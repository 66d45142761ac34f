// Original file: proto/plexus/identity/v1/identity.proto

import type { Long } from '@grpc/proto-loader';

export interface RenewCertificateRequest {
  'csr'?: (string);
  'ttlSeconds'?: (number | string | Long);
}

export interface RenewCertificateRequest__Output {
  'csr': (string);
  'ttlSeconds': (number);
}
