// Original file: proto/plexus/identity/v1/identity.proto

import type { CaCertificate as _plexus_identity_v1_CaCertificate, CaCertificate__Output as _plexus_identity_v1_CaCertificate__Output } from '../../../plexus/identity/v1/CaCertificate.js';
import type { Long } from '@grpc/proto-loader';

export interface CaStatusResponse {
  'trustDomain'?: (string);
  'cluster'?: (string);
  'certificates'?: (_plexus_identity_v1_CaCertificate)[];
  /**
   * RFC 3339, empty if none issued by this replica
   */
  'soonestWorkloadExpiry'?: (string);
  'soonestWorkloadSpiffeId'?: (string);
  /**
   * unexpired certificates issued by this replica
   */
  'issuedLive'?: (number | string | Long);
  'revokedTokens'?: (number | string | Long);
}

export interface CaStatusResponse__Output {
  'trustDomain': (string);
  'cluster': (string);
  'certificates': (_plexus_identity_v1_CaCertificate__Output)[];
  /**
   * RFC 3339, empty if none issued by this replica
   */
  'soonestWorkloadExpiry': (string);
  'soonestWorkloadSpiffeId': (string);
  /**
   * unexpired certificates issued by this replica
   */
  'issuedLive': (number);
  'revokedTokens': (number);
}
