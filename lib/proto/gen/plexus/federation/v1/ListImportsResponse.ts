// Original file: proto/plexus/federation/v1/federation.proto

import type { PeerImports as _plexus_federation_v1_PeerImports, PeerImports__Output as _plexus_federation_v1_PeerImports__Output } from '../../../plexus/federation/v1/PeerImports.js';

export interface ListImportsResponse {
  'cluster'?: (string);
  /**
   * The replica that answered.
   */
  'replica'?: (string);
  'peers'?: (_plexus_federation_v1_PeerImports)[];
}

export interface ListImportsResponse__Output {
  'cluster': (string);
  /**
   * The replica that answered.
   */
  'replica': (string);
  'peers': (_plexus_federation_v1_PeerImports__Output)[];
}
