// Original file: proto/plexus/discovery/v1/status.proto

import type { ErrorDetail as _plexus_discovery_v1_ErrorDetail, ErrorDetail__Output as _plexus_discovery_v1_ErrorDetail__Output } from '../../../plexus/discovery/v1/ErrorDetail.js';
import type { ResourceVersion as _plexus_discovery_v1_ResourceVersion, ResourceVersion__Output as _plexus_discovery_v1_ResourceVersion__Output } from '../../../plexus/discovery/v1/ResourceVersion.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';

export interface Nack {
  'nonce'?: (string);
  'error'?: (_plexus_discovery_v1_ErrorDetail | null);
  /**
   * What was rejected (names and versions; no bodies).
   */
  'rejected'?: (_plexus_discovery_v1_ResourceVersion)[];
  'at'?: (_google_protobuf_Timestamp | null);
}

export interface Nack__Output {
  'nonce': (string);
  'error': (_plexus_discovery_v1_ErrorDetail__Output | null);
  /**
   * What was rejected (names and versions; no bodies).
   */
  'rejected': (_plexus_discovery_v1_ResourceVersion__Output)[];
  'at': (_google_protobuf_Timestamp__Output | null);
}
