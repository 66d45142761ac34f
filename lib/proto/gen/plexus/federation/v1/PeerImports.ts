// Original file: proto/plexus/federation/v1/federation.proto

import type { ImportedService as _plexus_federation_v1_ImportedService, ImportedService__Output as _plexus_federation_v1_ImportedService__Output } from '../../../plexus/federation/v1/ImportedService.js';
import type { Long } from '@grpc/proto-loader';

export interface PeerImports {
  'peer'?: (string);
  /**
   * The importer's cursor: the peer stream sequence of the last message applied.
   */
  'cursor'?: (number | string | Long);
  /**
   * The exporter's cursor from its last heartbeat (0 if none seen by the answering replica).
   */
  'exporterCursor'?: (number | string | Long);
  /**
   * Milliseconds since the last heartbeat; -1 if the answering replica has seen none.
   */
  'heartbeatAgeMs'?: (number | string | Long);
  /**
   * No heartbeat for staleAfterMs, or imports marked stale.
   */
  'stale'?: (boolean);
  /**
   * The replica holding this peer's link (its lease), "" if none.
   */
  'activeReplica'?: (string);
  'services'?: (_plexus_federation_v1_ImportedService)[];
}

export interface PeerImports__Output {
  'peer': (string);
  /**
   * The importer's cursor: the peer stream sequence of the last message applied.
   */
  'cursor': (number);
  /**
   * The exporter's cursor from its last heartbeat (0 if none seen by the answering replica).
   */
  'exporterCursor': (number);
  /**
   * Milliseconds since the last heartbeat; -1 if the answering replica has seen none.
   */
  'heartbeatAgeMs': (number);
  /**
   * No heartbeat for staleAfterMs, or imports marked stale.
   */
  'stale': (boolean);
  /**
   * The replica holding this peer's link (its lease), "" if none.
   */
  'activeReplica': (string);
  'services': (_plexus_federation_v1_ImportedService__Output)[];
}
