// Original file: proto/plexus/registry/v1/registry.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  /**
   * empty = all namespaces
   */
  'namespace'?: (string);
  /**
   * empty = all services (requires namespace)
   */
  'service'?: (string);
  /**
   * 0: send a snapshot of the current instances first, then changes.
   */
  'fromRevision'?: (number | string | Long);
}

export interface WatchRequest__Output {
  /**
   * empty = all namespaces
   */
  'namespace': (string);
  /**
   * empty = all services (requires namespace)
   */
  'service': (string);
  /**
   * 0: send a snapshot of the current instances first, then changes.
   */
  'fromRevision': (number);
}
