// Original file: proto/plexus/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface ImportedService {
  'namespace'?: (string);
  'service'?: (string);
  /**
   * Instances imported (SERVING at the peer when it last said).
   */
  'instances'?: (number);
  /**
   * The peer stream sequence this state came from.
   */
  'sequence'?: (number | string | Long);
  /**
   * Kept while the link is down; dropped after the staleness window.
   */
  'stale'?: (boolean);
}

export interface ImportedService__Output {
  'namespace': (string);
  'service': (string);
  /**
   * Instances imported (SERVING at the peer when it last said).
   */
  'instances': (number);
  /**
   * The peer stream sequence this state came from.
   */
  'sequence': (number);
  /**
   * Kept while the link is down; dropped after the staleness window.
   */
  'stale': (boolean);
}
