// Original file: proto/plexus/discovery/v1/status.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';

export interface AbsentProxy {
  'instanceId'?: (string);
  'namespace'?: (string);
  'service'?: (string);
  /**
   * When its stream to this replica ended; unset when this replica has not seen it since start.
   */
  'disconnectedAt'?: (_google_protobuf_Timestamp | null);
}

export interface AbsentProxy__Output {
  'instanceId': (string);
  'namespace': (string);
  'service': (string);
  /**
   * When its stream to this replica ended; unset when this replica has not seen it since start.
   */
  'disconnectedAt': (_google_protobuf_Timestamp__Output | null);
}
