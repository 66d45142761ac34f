// Original file: proto/plexus/registry/v1/registry.proto

import type { Instance as _plexus_registry_v1_Instance, Instance__Output as _plexus_registry_v1_Instance__Output } from '../../../plexus/registry/v1/Instance.js';
import type { Long } from '@grpc/proto-loader';

export interface ListResponse {
  'instances'?: (_plexus_registry_v1_Instance)[];
  'nextPageToken'?: (string);
  /**
   * Store revision the page reflects; Watch from revision + 1 to follow on.
   */
  'revision'?: (number | string | Long);
}

export interface ListResponse__Output {
  'instances': (_plexus_registry_v1_Instance__Output)[];
  'nextPageToken': (string);
  /**
   * Store revision the page reflects; Watch from revision + 1 to follow on.
   */
  'revision': (number);
}
