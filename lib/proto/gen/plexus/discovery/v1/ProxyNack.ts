// Original file: proto/plexus/discovery/v1/status.proto

import type { ErrorDetail as _plexus_discovery_v1_ErrorDetail, ErrorDetail__Output as _plexus_discovery_v1_ErrorDetail__Output } from '../../../plexus/discovery/v1/ErrorDetail.js';

export interface ProxyNack {
  'instanceId'?: (string);
  'type'?: (string);
  'name'?: (string);
  'version'?: (string);
  'error'?: (_plexus_discovery_v1_ErrorDetail | null);
}

export interface ProxyNack__Output {
  'instanceId': (string);
  'type': (string);
  'name': (string);
  'version': (string);
  'error': (_plexus_discovery_v1_ErrorDetail__Output | null);
}
