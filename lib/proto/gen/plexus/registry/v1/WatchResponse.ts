// Original file: proto/plexus/registry/v1/registry.proto

import type { InstanceChange as _plexus_registry_v1_InstanceChange, InstanceChange__Output as _plexus_registry_v1_InstanceChange__Output } from '../../../plexus/registry/v1/InstanceChange.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchResponse {
  'changes'?: (_plexus_registry_v1_InstanceChange)[];
  /**
   * The store revision this message brings the watcher up to.
   */
  'revision'?: (number | string | Long);
  /**
   * True: `changes` (all PUT) is the complete current set; forget everything seen before.
   * Sent first when from_revision is 0, and again whenever store history was lost.
   */
  'snapshot'?: (boolean);
}

export interface WatchResponse__Output {
  'changes': (_plexus_registry_v1_InstanceChange__Output)[];
  /**
   * The store revision this message brings the watcher up to.
   */
  'revision': (number);
  /**
   * True: `changes` (all PUT) is the complete current set; forget everything seen before.
   * Sent first when from_revision is 0, and again whenever store history was lost.
   */
  'snapshot': (boolean);
}
