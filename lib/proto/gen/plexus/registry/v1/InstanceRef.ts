// Original file: proto/plexus/registry/v1/registry.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Names one incarnation of one instance.
 */
export interface InstanceRef {
  'namespace'?: (string);
  'service'?: (string);
  'instanceId'?: (string);
  /**
   * 0 = whichever incarnation is current (operators); proxies always send theirs.
   */
  'incarnation'?: (number | string | Long);
}

/**
 * Names one incarnation of one instance.
 */
export interface InstanceRef__Output {
  'namespace': (string);
  'service': (string);
  'instanceId': (string);
  /**
   * 0 = whichever incarnation is current (operators); proxies always send theirs.
   */
  'incarnation': (number);
}
